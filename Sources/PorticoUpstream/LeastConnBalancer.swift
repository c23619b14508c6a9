// Least connections, weighted (nginx's least_conn): the server with the fewest requests in flight
// for its weight, `inFlight / weight`, compared by cross-multiplying so no division rounds. When
// several servers tie (at low load they all have none in flight), two of them are drawn at random
// and the one that has had fewer requests for its weight wins: the power of two choices, which
// keeps the long-run shares at the weights without a global order and without herding every
// worker onto the same server.

/// Picks the least loaded server relative to its weight.
public struct LeastConnBalancer: Balancer {
    public let servers: [UpstreamServer]
    /// Requests this balancer sent to each server, by index: the tie-breaker.
    private var sent: [Int]
    private var random: SplitMix64
    /// Scratch for the tied candidates, kept to avoid an allocation per pick.
    private var tied: [Int] = []

    public init(servers: [UpstreamServer], seed: UInt64 = 0x5EED) {
        self.servers = servers
        sent = Array(repeating: 0, count: servers.count)
        random = SplitMix64(seed: seed)
        tied.reserveCapacity(servers.count)
    }

    public mutating func pick(
        key: UInt64, inFlight: (Int) -> Int, where isEligible: (UpstreamServer) -> Bool
    ) -> UpstreamServer? {
        if let primary = pick(backup: false, inFlight, isEligible) { return primary }
        return pick(backup: true, inFlight, isEligible)
    }

    private mutating func pick(
        backup: Bool, _ inFlight: (Int) -> Int, _ isEligible: (UpstreamServer) -> Bool
    ) -> UpstreamServer? {
        tied.removeAll(keepingCapacity: true)
        var bestLoad = 0
        var bestWeight = 1
        for index in servers.indices where servers[index].backup == backup && isEligible(servers[index]) {
            let load = inFlight(servers[index].id)
            let weight = servers[index].weight
            if tied.isEmpty || load * bestWeight < bestLoad * weight {
                tied.removeAll(keepingCapacity: true)
                tied.append(index)
                bestLoad = load
                bestWeight = weight
            } else if load * bestWeight == bestLoad * weight {
                tied.append(index)
            }
        }
        guard !tied.isEmpty else { return nil }
        var chosen = tied[0]
        if tied.count > 1 {
            let first = Int(random.next() % UInt64(tied.count))
            var second = Int(random.next() % UInt64(tied.count - 1))
            if second >= first { second += 1 }
            let a = tied[first]
            let b = tied[second]
            // Fewer requests for its weight: sent[a] / weight[a] <= sent[b] / weight[b].
            chosen = sent[a] * servers[b].weight <= sent[b] * servers[a].weight ? a : b
        }
        sent[chosen] += 1
        return servers[chosen]
    }
}

/// A small, fast, seedable generator (Steele, Lea and Flood's SplitMix64), so balancer decisions
/// repeat exactly in tests.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return Self.mix(state)
    }

    /// The finalizer alone: spreads the bits of a hash that is weak in some of them.
    public static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
