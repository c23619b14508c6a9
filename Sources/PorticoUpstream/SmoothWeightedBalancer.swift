// Smooth weighted round robin, as nginx does it (ngx_http_upstream_round_robin.c): every pick adds
// each candidate's weight to its running score, takes the highest score, and subtracts the total
// weight from the winner. Weights 5:1:1 give a a b a c a a rather than a a a a a b c, so no server
// gets a burst, and the sequence is deterministic, which the tests assert exactly.

/// Picks servers in proportion to their weights without bursts.
///
/// A value type with no locks: each worker owns one, so picking costs no synchronisation. Each
/// worker's sequence is smooth on its own, and the shares add up across workers.
public struct SmoothWeightedBalancer: Balancer {
    public let servers: [UpstreamServer]
    private var scores: [Int]

    public init(servers: [UpstreamServer]) {
        self.servers = servers
        self.scores = Array(repeating: 0, count: servers.count)
    }

    /// The next server among those `isEligible` accepts, or nil when none does.
    ///
    /// Backup servers are considered only when no primary server is eligible.
    public mutating func pick(where isEligible: (UpstreamServer) -> Bool = { _ in true }) -> UpstreamServer? {
        if let primary = pick(backup: false, isEligible) { return primary }
        return pick(backup: true, isEligible)
    }

    public mutating func pick(
        key: UInt64, inFlight: (Int) -> Int, where isEligible: (UpstreamServer) -> Bool
    ) -> UpstreamServer? {
        pick(where: isEligible)
    }

    private mutating func pick(backup: Bool, _ isEligible: (UpstreamServer) -> Bool) -> UpstreamServer? {
        var best = -1
        var total = 0
        for index in servers.indices where servers[index].backup == backup && isEligible(servers[index]) {
            scores[index] += servers[index].weight
            total += servers[index].weight
            if best < 0 || scores[index] > scores[best] { best = index }
        }
        guard best >= 0 else { return nil }
        scores[best] -= total
        return servers[best]
    }
}
