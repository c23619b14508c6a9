import PorticoCache
import Testing

@Suite struct CoalescerTests {
    typealias Waiter = Coalescer.Waiter

    private let a = Fixtures.key("/a")
    private let b = Fixtures.key("/b")

    private func waiter(_ connection: UInt64, worker: Int = 0) -> Waiter {
        Waiter(worker: worker, connection: connection)
    }

    @Test func firstLeadsOthersFollowCompleteReleasesInOrder() {
        let table = Coalescer()
        #expect(table.join(a, waiter: waiter(1)) == .leader)
        #expect(table.join(a, waiter: waiter(2, worker: 1)) == .follower)
        #expect(table.join(a, waiter: waiter(3)) == .follower)
        #expect(table.join(b, waiter: waiter(4)) == .leader)
        #expect(table.fetchCount == 2)
        #expect(table.waiterCount(a) == 2)
        #expect(table.complete(a) == [waiter(2, worker: 1), waiter(3)])
        #expect(!table.isFetching(a))
        #expect(table.complete(a) == [], "completing twice releases nothing")
        #expect(table.join(a, waiter: waiter(5)) == .leader, "the next request leads a new fetch")
        #expect(table.complete(b) == [])
        #expect(table.fetchCount == 1)
    }

    @Test func variantKeysSeparateFetches() {
        let table = Coalescer()
        #expect(table.join(a, variantKey: "gzip", waiter: waiter(1)) == .leader)
        #expect(table.join(a, variantKey: "br", waiter: waiter(2)) == .leader)
        #expect(table.join(a, waiter: waiter(3)) == .leader)
        #expect(table.join(a, variantKey: "gzip", waiter: waiter(4)) == .follower)
        #expect(table.complete(a, variantKey: "br") == [])
        #expect(table.complete(a, variantKey: "gzip") == [waiter(4)])
        #expect(table.isFetching(a))
    }

    @Test func timedOutWaiterIsRemovedAndAbandonReleasesTheRest() {
        let table = Coalescer()
        #expect(table.join(a, waiter: waiter(1)) == .leader)
        for connection: UInt64 in 2...4 { #expect(table.join(a, waiter: waiter(connection)) == .follower) }
        #expect(table.remove(waiter: waiter(3), key: a))
        #expect(!table.remove(waiter: waiter(3), key: a))
        #expect(!table.remove(waiter: waiter(2), key: b))
        #expect(table.isFetching(a), "the leader still fetches")
        #expect(table.abandon(a) == [waiter(2), waiter(4)])
        #expect(!table.isFetching(a))
        // After an abandon the released waiters join again: the first leads.
        #expect(table.join(a, waiter: waiter(2)) == .leader)
        #expect(table.join(a, waiter: waiter(4)) == .follower)
        #expect(table.abandon(a) == [waiter(4)])
    }

    @Test func concurrentJoinsElectOneLeader() async {
        let table = Coalescer()
        let roles = await withTaskGroup(of: Coalescer.Role.self) { group in
            for connection in 0..<64 {
                group.addTask { table.join(a, waiter: waiter(UInt64(connection))) }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(roles.filter { $0 == .leader }.count == 1)
        #expect(table.complete(a).count == 63)
    }

    @Test func leadTakesOnlyAFreeSlotAndQueuesNobody() {
        let table = Coalescer()
        #expect(table.lead(a), "a background refresh leads when nobody fetches")
        #expect(!table.lead(a), "a second refresh is not started")
        #expect(table.join(a, waiter: waiter(1)) == .follower, "requests wait for the refresh")
        #expect(table.complete(a) == [waiter(1)])
        #expect(table.lead(a))
    }

    @Test func uncacheableSlotsLetRequestsFetchAloneForAWhile() {
        let table = Coalescer()
        #expect(table.join(a, waiter: waiter(1), now: 100) == .leader)
        #expect(table.join(a, waiter: waiter(2), now: 100) == .follower)
        #expect(table.abandon(a, now: 100, uncacheableFor: 30) == [waiter(2)])
        #expect(table.join(a, waiter: waiter(3), now: 110) == .uncacheable)
        #expect(table.join(a, waiter: waiter(4), now: 110) == .uncacheable, "nobody queues")
        #expect(table.join(b, waiter: waiter(5), now: 110) == .leader, "other keys are unaffected")
        #expect(table.join(a, waiter: waiter(6), now: 131) == .leader, "the mark expired")
    }

    @Test func uncacheableMarksAreBounded() {
        let table = Coalescer()
        let limit = Coalescer.maxUncacheable
        for index in 0...limit {
            let key = Fixtures.key("/u/\(index)")
            _ = table.join(key, waiter: waiter(1), now: Double(index))
            _ = table.abandon(key, now: Double(index), uncacheableFor: index < limit / 2 ? 1 : 1_000_000)
        }
        // The first half had expired when the table filled up: they went, the rest stayed.
        #expect(table.join(Fixtures.key("/u/0"), waiter: waiter(2), now: Double(limit + 1)) == .leader)
        #expect(table.join(Fixtures.key("/u/\(limit)"), waiter: waiter(2), now: Double(limit + 1)) == .uncacheable)
    }
}
