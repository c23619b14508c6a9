import PorticoUpstream
import Testing

@Suite struct LeastConnBalancerTests {
    private func servers(_ weights: [Int], backup: Set<Int> = []) -> [UpstreamServer] {
        weights.enumerated().map { index, weight in
            UpstreamServer(
                id: index, host: "127.0.0.1", port: 9000 + index, weight: weight, backup: backup.contains(index))
        }
    }

    /// One pick with `loads[id]` requests in flight on each server.
    private func pick(
        _ balancer: inout LeastConnBalancer, loads: [Int: Int] = [:],
        where isEligible: (UpstreamServer) -> Bool = { _ in true }
    ) -> Int? {
        balancer.pick(key: 0, inFlight: { loads[$0, default: 0] }, where: isEligible)?.id
    }

    @Test func picksTheServerWithFewestInFlight() {
        var balancer = LeastConnBalancer(servers: servers([1, 1, 1]))
        #expect(pick(&balancer, loads: [0: 2, 1: 0, 2: 1]) == 1)
        #expect(pick(&balancer, loads: [0: 0, 1: 5, 2: 1]) == 0)
        #expect(pick(&balancer, loads: [0: 4, 1: 5, 2: 3]) == 2)
    }

    @Test func loadIsRelativeToWeight() {
        var balancer = LeastConnBalancer(servers: servers([3, 1]))
        // 2/3 < 1/1.
        #expect(pick(&balancer, loads: [0: 2, 1: 1]) == 0)
        // 4/3 > 1/1.
        #expect(pick(&balancer, loads: [0: 4, 1: 1]) == 1)
    }

    @Test func inFlightIsAskedByServerID() {
        // Ids that are not positions: the balancer must pass the id, not the index.
        let servers = [
            UpstreamServer(id: 7, host: "a", port: 1),
            UpstreamServer(id: 3, host: "b", port: 1),
        ]
        var balancer = LeastConnBalancer(servers: servers)
        let loads = [7: 5, 3: 0]
        #expect(balancer.pick(key: 0, inFlight: { loads[$0, default: 99] }, where: { _ in true })?.id == 3)
    }

    @Test func tiesFollowTheWeightsInTheLongRun() {
        var balancer = LeastConnBalancer(servers: servers([3, 1, 1]))
        var counts = [0, 0, 0]
        let picks = 50_000
        for _ in 0..<picks { counts[pick(&balancer)!] += 1 }
        let shares = counts.map { Double($0) / Double(picks) }
        #expect(abs(shares[0] - 0.6) <= 0.01, "shares \(shares)")
        #expect(abs(shares[1] - 0.2) <= 0.01, "shares \(shares)")
        #expect(abs(shares[2] - 0.2) <= 0.01, "shares \(shares)")
    }

    @Test func tiesWithEqualWeightsAreSpreadEvenly() {
        var balancer = LeastConnBalancer(servers: servers([1, 1, 1, 1]))
        var counts = [0, 0, 0, 0]
        for _ in 0..<40_000 { counts[pick(&balancer)!] += 1 }
        #expect(counts.allSatisfy { abs($0 - 10_000) <= 400 }, "counts \(counts)")
    }

    @Test func sameSeedGivesTheSameSequence() {
        var first = LeastConnBalancer(servers: servers([3, 1, 1, 2]), seed: 42)
        var second = LeastConnBalancer(servers: servers([3, 1, 1, 2]), seed: 42)
        let a = (0..<200).map { _ in pick(&first)! }
        let b = (0..<200).map { _ in pick(&second)! }
        #expect(a == b)
        #expect(Set(a) == [0, 1, 2, 3])
    }

    @Test func differentSeedsGiveDifferentSequences() {
        var first = LeastConnBalancer(servers: servers([1, 1, 1, 1]), seed: 1)
        var second = LeastConnBalancer(servers: servers([1, 1, 1, 1]), seed: 2)
        let a = (0..<200).map { _ in pick(&first)! }
        let b = (0..<200).map { _ in pick(&second)! }
        #expect(a != b)
    }

    @Test func ineligibleServersAreSkipped() {
        var balancer = LeastConnBalancer(servers: servers([1, 1, 1]))
        // Server 1 is least loaded but not eligible.
        #expect(pick(&balancer, loads: [0: 2, 1: 0, 2: 1], where: { $0.id != 1 }) == 2)
        #expect((0..<50).allSatisfy { _ in pick(&balancer, where: { $0.id != 0 }) != 0 })
    }

    @Test func backupsOnlyWhenNoPrimaryIsEligible() {
        var balancer = LeastConnBalancer(servers: servers([1, 1, 1], backup: [2]))
        // The backup is idle and the primaries are busy: still a primary.
        #expect((0..<20).allSatisfy { _ in pick(&balancer, loads: [0: 10, 1: 10, 2: 0]) != 2 })
        #expect(pick(&balancer, loads: [0: 10, 1: 10, 2: 0], where: { $0.backup }) == 2)
        #expect(pick(&balancer, where: { $0.id == 2 }) == 2)
    }

    @Test func nilWhenNothingIsEligible() {
        var balancer = LeastConnBalancer(servers: servers([1, 1], backup: [1]))
        #expect(pick(&balancer, where: { _ in false }) == nil)
        var empty = LeastConnBalancer(servers: [])
        #expect(pick(&empty) == nil)
    }
}
