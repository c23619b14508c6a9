/// Requests that wait for a server slot when all are at `max_conns`: `queue N timeout T;`.
public struct QueueSettings: Sendable, Equatable {
    /// Requests waiting at most; more are answered 503 at once.
    public var size: Int
    /// A request that waited this long is answered 503.
    public var timeout: Duration

    public init(size: Int, timeout: Duration) {
        self.size = size
        self.timeout = timeout
    }
}
