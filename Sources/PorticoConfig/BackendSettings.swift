/// A named pool of origin servers: one `backend NAME { … }` block.
public struct BackendSettings: Sendable, Equatable {
    /// Unique among backends; routes refer to it.
    public var name: String
    public var balance: Balance = .weighted
    /// At least one, in file order.
    public var servers: [ServerSettings]
    /// Idle keep-alive connections kept per server, per worker.
    public var keepalive: Int = 32
    public var connectTimeout: Duration = .seconds(1)
    /// From sending the request until the response head has arrived.
    public var responseTimeout: Duration = .seconds(30)
    /// Further servers tried after a failure that is safe to retry.
    public var retries: Int = 1
    /// Active health checks; nil when the backend has no `health` block.
    public var health: HealthCheckSettings?
    /// nil when the backend has no `circuit_breaker` block.
    public var circuitBreaker: CircuitBreakerSettings?
    /// Requests wait here when every server is at `max_conns`; nil when there is no `queue`.
    public var queue: QueueSettings?

    /// How a request picks a server.
    public enum Balance: String, Sendable, CaseIterable {
        /// Smooth weighted round robin.
        case weighted
        /// The server with the fewest requests in flight, relative to its weight.
        case leastConn = "least_conn"
        /// Consistent hashing on the cache key, so one URL keeps going to one server.
        case hash
    }

    public init(
        name: String,
        balance: Balance = .weighted,
        servers: [ServerSettings] = [],
        keepalive: Int = 32,
        connectTimeout: Duration = .seconds(1),
        responseTimeout: Duration = .seconds(30),
        retries: Int = 1,
        health: HealthCheckSettings? = nil,
        circuitBreaker: CircuitBreakerSettings? = nil,
        queue: QueueSettings? = nil
    ) {
        self.name = name
        self.balance = balance
        self.servers = servers
        self.keepalive = keepalive
        self.connectTimeout = connectTimeout
        self.responseTimeout = responseTimeout
        self.retries = retries
        self.health = health
        self.circuitBreaker = circuitBreaker
        self.queue = queue
    }
}
