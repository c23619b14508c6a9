import PorticoUpstream
import Testing

@Suite struct ConsistentHashBalancerTests {
    private func servers(_ weights: [Int], backup: Set<Int> = []) -> [UpstreamServer] {
        weights.enumerated().map { index, weight in
            UpstreamServer(
                id: index, host: "10.0.0.\(index + 1)", port: 8080, weight: weight, backup: backup.contains(index))
        }
    }

    private func keys(_ count: Int) -> [UInt64] {
        (0..<count).map { ConsistentHashBalancer.hash("key\($0)") }
    }

    /// The server (as `host:port`) each key goes to.
    private func owners(
        _ balancer: inout ConsistentHashBalancer, _ keys: [UInt64],
        where isEligible: (UpstreamServer) -> Bool = { _ in true }
    ) -> [String?] {
        keys.map { key in
            balancer.pick(key: key, inFlight: { _ in 0 }, where: isEligible).map { "\($0.host):\($0.port)" }
        }
    }

    @Test func sameKeyAlwaysGoesToTheSameServer() {
        var balancer = ConsistentHashBalancer(servers: servers([1, 1, 1, 1, 1]))
        let keys = keys(1000)
        let first = owners(&balancer, keys)
        let second = owners(&balancer, keys)
        #expect(first == second)
        // And a fresh balancer over the same servers agrees.
        var other = ConsistentHashBalancer(servers: servers([1, 1, 1, 1, 1]))
        #expect(owners(&other, keys) == first)
        #expect(Set(first.compactMap { $0 }).count == 5)
    }

    @Test func hashIsStableAndSpreads() {
        #expect(ConsistentHashBalancer.hash("key1") == ConsistentHashBalancer.hash("key1"))
        #expect(ConsistentHashBalancer.hash("key1") != ConsistentHashBalancer.hash("key2"))
    }

    @Test func keysSpreadEvenlyOverEqualServers() {
        var balancer = ConsistentHashBalancer(servers: servers(Array(repeating: 1, count: 10)))
        let count = 100_000
        var perServer: [String: Int] = [:]
        for owner in owners(&balancer, keys(count)) { perServer[owner!, default: 0] += 1 }
        #expect(perServer.count == 10)
        for (server, keys) in perServer {
            let share = Double(keys) / Double(count)
            #expect(share >= 0.05 && share <= 0.15, "\(server) got \(share)")
        }
    }

    @Test func weightGivesALargerShare() {
        var balancer = ConsistentHashBalancer(servers: servers([3, 1]))
        let owned = owners(&balancer, keys(20_000))
        let share = Double(owned.filter { $0 == "10.0.0.1:8080" }.count) / 20_000
        #expect(share > 0.65 && share < 0.85, "weight 3 of 4 got \(share)")
    }

    @Test func removingOneOfTenServersRemapsAboutATenthOfTheKeys() {
        let all = servers(Array(repeating: 1, count: 10))
        let removed = all[4]
        let removedAddress = "\(removed.host):\(removed.port)"
        // The 9 that stay keep their host and port; their ids become their new positions.
        let remaining = all.filter { $0 != removed }.enumerated().map { index, server in
            UpstreamServer(id: index, host: server.host, port: server.port, weight: server.weight)
        }
        var before = ConsistentHashBalancer(servers: all)
        var after = ConsistentHashBalancer(servers: remaining)
        let keys = keys(100_000)
        let ownersBefore = owners(&before, keys)
        let ownersAfter = owners(&after, keys)
        var moved = 0
        var movedBetweenRemaining = 0
        for (old, new) in zip(ownersBefore, ownersAfter) where old != new {
            moved += 1
            if old != removedAddress { movedBetweenRemaining += 1 }
        }
        let fraction = Double(moved) / Double(keys.count)
        // Requirement: removing one of 10 servers remaps about a tenth of the keys.
        print("ConsistentHashBalancer: removing 1 of 10 servers remapped \(fraction) of \(keys.count) keys")
        #expect(fraction >= 0.06 && fraction <= 0.14, "remapped \(fraction)")
        #expect(movedBetweenRemaining == 0)
        // Every key the removed server had moved.
        #expect(!ownersAfter.contains(removedAddress))
        #expect(moved == ownersBefore.filter { $0 == removedAddress }.count)
    }

    @Test func reorderingServersMovesNoKey() {
        let all = servers([1, 2, 1, 1])
        let reversed = all.reversed().enumerated().map { index, server in
            UpstreamServer(id: index, host: server.host, port: server.port, weight: server.weight)
        }
        var first = ConsistentHashBalancer(servers: all)
        var second = ConsistentHashBalancer(servers: reversed)
        let keys = keys(5000)
        #expect(owners(&first, keys) == owners(&second, keys))
    }

    @Test func ineligibleOwnerSendsTheKeyToAnotherConsistentServer() {
        let all = servers(Array(repeating: 1, count: 5))
        var balancer = ConsistentHashBalancer(servers: all)
        let keys = keys(2000)
        let normal = owners(&balancer, keys)
        let down = "10.0.0.3:8080"
        let isEligible: (UpstreamServer) -> Bool = { "\($0.host):\($0.port)" != down }
        let failover = owners(&balancer, keys, where: isEligible)
        #expect(normal.contains(down))
        #expect(!failover.contains(down))
        // Keys of the other servers stay where they were.
        for (old, new) in zip(normal, failover) where old != down { #expect(old == new) }
        // Failover is repeatable ...
        #expect(owners(&balancer, keys, where: isEligible) == failover)
        // ... and is where the keys would go if that server were not in the pool at all.
        var without = ConsistentHashBalancer(servers: all.filter { "\($0.host):\($0.port)" != down })
        #expect(owners(&without, keys) == failover)
        // The failed-over keys are spread over more than one server.
        let targets = Set(zip(normal, failover).filter { $0.0 == down }.map { $0.1 })
        #expect(targets.count > 1)
    }

    @Test func backupsOnlyWhenNoPrimaryIsEligible() {
        var balancer = ConsistentHashBalancer(servers: servers([1, 1, 1], backup: [2]))
        let keys = keys(2000)
        let normal = owners(&balancer, keys)
        #expect(!normal.contains("10.0.0.3:8080"))
        // One primary down: the other primary takes everything, not the backup.
        #expect(owners(&balancer, keys, where: { $0.id != 0 }).allSatisfy { $0 == "10.0.0.2:8080" })
        // Both primaries down: the backup.
        #expect(owners(&balancer, keys, where: { $0.backup }).allSatisfy { $0 == "10.0.0.3:8080" })
    }

    @Test func nilWhenNothingIsEligible() {
        var balancer = ConsistentHashBalancer(servers: servers([1, 1], backup: [1]))
        #expect(owners(&balancer, keys(10), where: { _ in false }).allSatisfy { $0 == nil })
        var empty = ConsistentHashBalancer(servers: [])
        #expect(owners(&empty, keys(10)).allSatisfy { $0 == nil })
    }
}
