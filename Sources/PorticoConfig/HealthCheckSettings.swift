/// Active health checks of a backend's servers: the `health { … }` block.
public struct HealthCheckSettings: Sendable, Equatable {
    /// Requested with GET from every server.
    public var path = "/healthz"
    /// Between the starts of two checks of one server.
    public var interval: Duration = .seconds(2)
    /// A check that takes longer fails.
    public var timeout: Duration = .seconds(1)
    /// Consecutive passes that bring a down server back.
    public var rise = 2
    /// Consecutive failures that take an up server out.
    public var fall = 3
    /// Status codes that count as a pass.
    public var expect: ClosedRange<Int> = 200...399
    /// The state before the first checks: `up` lets traffic flow at once, `down` waits for
    /// `rise` passes.
    public var initial: InitialState = .up

    public enum InitialState: String, Sendable, CaseIterable {
        case up
        case down
    }

    public init(
        path: String = "/healthz",
        interval: Duration = .seconds(2),
        timeout: Duration = .seconds(1),
        rise: Int = 2,
        fall: Int = 3,
        expect: ClosedRange<Int> = 200...399,
        initial: InitialState = .up
    ) {
        self.path = path
        self.interval = interval
        self.timeout = timeout
        self.rise = rise
        self.fall = fall
        self.expect = expect
        self.initial = initial
    }
}
