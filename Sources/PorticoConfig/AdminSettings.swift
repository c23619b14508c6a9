/// The admin endpoint (stats, metrics, dashboard, purge, reload): the `admin { … }` block.
public struct AdminSettings: Sendable, Equatable {
    /// Its own listener, apart from client traffic.
    public var listen: SocketAddress = SocketAddress(host: "127.0.0.1", port: 9901)
    /// When set, every request needs `Authorization: Bearer <token>`.
    public var token: String?

    public init(listen: SocketAddress = SocketAddress(host: "127.0.0.1", port: 9901), token: String? = nil) {
        self.listen = listen
        self.token = token
    }
}
