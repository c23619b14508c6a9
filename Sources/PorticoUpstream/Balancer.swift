/// How a backend group picks a server for a request (`balance weighted | least_conn | hash`).
///
/// Each worker owns its balancers, so picking takes no lock. A balancer considers the servers
/// `isEligible` accepts (healthy, breaker closed, below `max_conns`) and falls back to the backup
/// servers only when no primary one is eligible.
public protocol Balancer: Sendable {
    var servers: [UpstreamServer] { get }

    /// The server for a request whose key hashes to `key`, or nil when none is eligible.
    /// `inFlight` gives a server's requests in flight, by server id.
    mutating func pick(
        key: UInt64, inFlight: (Int) -> Int, where isEligible: (UpstreamServer) -> Bool
    ) -> UpstreamServer?
}
