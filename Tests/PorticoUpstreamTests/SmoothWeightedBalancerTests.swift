import PorticoUpstream
import Testing

@Suite struct SmoothWeightedBalancerTests {
    private func servers(_ weights: [Int], backup: Set<Int> = []) -> [UpstreamServer] {
        weights.enumerated().map { index, weight in
            UpstreamServer(
                id: index, host: "127.0.0.1", port: 9000 + index, weight: weight, backup: backup.contains(index))
        }
    }

    @Test func weightsFiveOneOneGiveNginxSmoothSequence() {
        var balancer = SmoothWeightedBalancer(servers: servers([5, 1, 1]))
        let picked = (0..<7).map { _ in balancer.pick()!.id }
        #expect(picked == [0, 0, 1, 0, 2, 0, 0])
    }

    @Test func longRunSharesFollowWeights() {
        var balancer = SmoothWeightedBalancer(servers: servers([3, 1, 1]))
        var counts = [0, 0, 0]
        for _ in 0..<5000 { counts[balancer.pick()!.id] += 1 }
        #expect(counts == [3000, 1000, 1000])
    }

    @Test func ineligibleServersAreSkippedAndSharesStayProportional() {
        var balancer = SmoothWeightedBalancer(servers: servers([3, 1, 1]))
        var counts = [0, 0, 0]
        for _ in 0..<400 { counts[balancer.pick(where: { $0.id != 0 })!.id] += 1 }
        #expect(counts == [0, 200, 200])
    }

    @Test func backupIsUsedOnlyWhenNoPrimaryIsEligible() {
        var balancer = SmoothWeightedBalancer(servers: servers([1, 1, 1], backup: [2]))
        #expect((0..<10).allSatisfy { _ in balancer.pick()!.id != 2 })
        #expect(balancer.pick(where: { $0.backup })?.id == 2)
        #expect(balancer.pick(where: { _ in false }) == nil)
    }
}
