/// When a failing server is taken out of rotation and tried again: the `circuit_breaker { … }` block.
public struct CircuitBreakerSettings: Sendable, Equatable {
    /// Consecutive failures that open the breaker.
    public var failures = 5
    /// How long the breaker stays open the first time.
    public var open: Duration = .seconds(10)
    /// The open time doubles on each failed probe, up to this.
    public var openMax: Duration = .seconds(300)
    /// Requests let through while half-open to probe the server.
    public var halfOpenRequests = 1
    /// At most this share of a backend's servers is ejected at once, in percent.
    public var maxEjectionPercent = 50
    /// Response codes that count as failures (connect errors, resets and timeouts always do).
    public var failureStatuses: ClosedRange<Int> = 500...599

    public init(
        failures: Int = 5,
        open: Duration = .seconds(10),
        openMax: Duration = .seconds(300),
        halfOpenRequests: Int = 1,
        maxEjectionPercent: Int = 50,
        failureStatuses: ClosedRange<Int> = 500...599
    ) {
        self.failures = failures
        self.open = open
        self.openMax = openMax
        self.halfOpenRequests = halfOpenRequests
        self.maxEjectionPercent = maxEjectionPercent
        self.failureStatuses = failureStatuses
    }
}
