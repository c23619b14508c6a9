// What active health checks make of a server (HAProxy's rise/fall): `fall` failed checks in a row
// take an up server down, `rise` passes in a row bring a down server back. One check never flips
// the state on its own unless rise or fall is 1, so a single slow answer does not eject a server.

/// The health of one server, from its checks.
public struct HealthState: Sendable, Equatable {
    public let rise: Int
    public let fall: Int
    public private(set) var isUp: Bool
    /// Checks in a row that went against the current state.
    public private(set) var streak = 0

    /// A server starts up: traffic flows before the first check has answered.
    public init(rise: Int, fall: Int, startsUp: Bool = true) {
        self.rise = max(1, rise)
        self.fall = max(1, fall)
        isUp = startsUp
    }

    /// Records one check; returns the transition when the state changed.
    public mutating func record(passed: Bool, detail: String) -> Transition? {
        guard passed != isUp else {
            streak = 0
            return nil
        }
        streak += 1
        guard streak >= (isUp ? fall : rise) else { return nil }
        isUp = passed
        let checks = streak
        streak = 0
        return Transition(
            isUp: isUp, reason: "\(checks) check(s) in a row \(passed ? "passed" : "failed"), last: \(detail)")
    }

    public struct Transition: Sendable, Equatable {
        /// The new state.
        public var isUp: Bool
        public var reason: String
    }
}
