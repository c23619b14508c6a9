/// One origin server of a backend: `server ADDR [weight=N] [max_conns=N] [backup];`.
public struct ServerSettings: Sendable, Equatable {
    public var address: SocketAddress
    /// Share of requests relative to the other servers, 1...1000.
    public var weight: Int = 1
    /// Requests in flight to this server at most; nil is unlimited.
    public var maxConns: Int? = nil
    /// Used only when no primary server is available.
    public var backup: Bool = false

    public init(address: SocketAddress, weight: Int = 1, maxConns: Int? = nil, backup: Bool = false) {
        self.address = address
        self.weight = weight
        self.maxConns = maxConns
        self.backup = backup
    }
}
