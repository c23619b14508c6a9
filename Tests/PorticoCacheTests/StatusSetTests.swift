import PorticoCache
import Testing

@Suite("Status sets")
struct StatusSetTests {
    @Test("holds exactly the listed codes, across word boundaries")
    func holdsTheListedCodes() {
        let set: StatusSet = [100, 127, 128, 200, 255, 256, 304, 599]
        for status in 0..<700 {
            #expect(set.contains(status) == [100, 127, 128, 200, 255, 256, 304, 599].contains(status), "\(status)")
        }
    }

    @Test("codes out of range are not members")
    func outOfRange() {
        let set: StatusSet = [200]
        #expect(!set.contains(-1))
        #expect(!set.contains(640))
        #expect(!set.contains(Int.max))
    }

    @Test("sets compare by members")
    func equality() {
        let errors: StatusSet = [500, 502]
        #expect(errors == [502, 500])
        #expect(errors != [500])
    }

    @Test("the cache's status lists are the RFC's")
    func cacheLists() {
        #expect(Storability.heuristicallyCacheableStatuses.contains(404))
        #expect(!Storability.heuristicallyCacheableStatuses.contains(302))
        #expect(Storability.understoodStatuses.contains(421))
        #expect(!Storability.understoodStatuses.contains(206))
        #expect(!Storability.understoodStatuses.contains(304))
    }
}
