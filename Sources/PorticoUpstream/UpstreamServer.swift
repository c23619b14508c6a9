/// One server of a backend group, as the balancer sees it: where it is and how much traffic it takes.
///
/// The address is kept as host and port text; resolving it is the server module's job, because
/// name resolution must not happen in pure code or on an event loop.
public struct UpstreamServer: Sendable, Equatable, Hashable {
    /// Position of the server in its backend block; stable across a reload that keeps the server.
    public var id: Int
    public var host: String
    public var port: Int
    public var weight: Int
    /// Concurrent requests the server may take; nil means unbounded.
    public var maxConns: Int?
    /// A backup server takes requests only when no primary server can.
    public var backup: Bool

    /// `host:port`, with brackets around an IPv6 host (`[::1]:8080`): for logs, stats and a
    /// `Host` field.
    public var authority: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    public init(id: Int, host: String, port: Int, weight: Int = 1, maxConns: Int? = nil, backup: Bool = false) {
        self.id = id
        self.host = host
        self.port = port
        self.weight = weight
        self.maxConns = maxConns
        self.backup = backup
    }
}
