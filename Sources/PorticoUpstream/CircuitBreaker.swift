// A per-server circuit breaker fed by what requests saw (passive outlier detection, as Envoy's
// consecutive-failure ejection):
//
//   closed ── `failures` in a row ──► open for `open` ── time passes ──► half-open
//     ▲                                  ▲                                 │
//     └──── `halfOpenRequests` trials ───┼──── a trial fails: open again, ◄┘
//           all succeeded                      for twice as long (up to `openMax`)
//
// Results of requests admitted before the breaker opened are ignored while it is open: they say
// nothing about the server's state after the decision. Time is a parameter (seconds on any
// monotonic scale), so tests step it.

/// The breaker of one server.
public struct CircuitBreaker: Sendable, Equatable {
    public enum State: Sendable, Equatable, CustomStringConvertible {
        case closed
        case open(until: Double)
        case halfOpen

        public var description: String {
            switch self {
            case .closed: "closed"
            case .open: "open"
            case .halfOpen: "half-open"
            }
        }
    }

    public struct Settings: Sendable, Equatable {
        public var failures: Int
        public var open: Double
        public var openMax: Double
        public var halfOpenRequests: Int

        public init(failures: Int = 5, open: Double = 10, openMax: Double = 300, halfOpenRequests: Int = 1) {
            self.failures = max(1, failures)
            self.open = open
            self.openMax = max(open, openMax)
            self.halfOpenRequests = max(1, halfOpenRequests)
        }
    }

    public let settings: Settings
    public private(set) var state: State = .closed
    /// Failures in a row while closed.
    public private(set) var consecutiveFailures = 0
    /// How long the next opening lasts: `open`, doubled by each failed trial.
    public private(set) var openDuration: Double
    private var trialsAdmitted = 0
    private var trialSuccesses = 0
    /// When the trials admitted so far count as lost: a trial whose request never reported (the
    /// client went away, the connection was stale) must not keep the server out for good. Its
    /// slots open again `open` seconds after the last trial was admitted.
    private var trialsExpire = 0.0

    public init(_ settings: Settings) {
        self.settings = settings
        openDuration = settings.open
    }

    /// Whether a request may be sent now, without taking a half-open trial slot: for choosing
    /// among servers.
    public func allows(now: Double) -> Bool {
        switch state {
        case .closed: true
        case .open(let until): now >= until
        case .halfOpen: trialsAdmitted < settings.halfOpenRequests || now >= trialsExpire
        }
    }

    /// Takes the decision for one request that is about to be sent: an open breaker whose time
    /// is up turns half-open, and half-open admits `halfOpenRequests` trials, no more.
    public mutating func admit(now: Double) -> (admitted: Bool, transition: Transition?) {
        switch state {
        case .closed:
            return (true, nil)
        case .open(let until):
            guard now >= until else { return (false, nil) }
            state = .halfOpen
            trialsAdmitted = 1
            trialSuccesses = 0
            trialsExpire = now + settings.open
            return (true, Transition(from: .open(until: until), to: .halfOpen, reason: "open time over"))
        case .halfOpen:
            if now >= trialsExpire {
                trialsAdmitted = 0
                trialSuccesses = 0
            }
            guard trialsAdmitted < settings.halfOpenRequests else { return (false, nil) }
            trialsAdmitted += 1
            trialsExpire = now + settings.open
            return (true, nil)
        }
    }

    /// A request succeeded.
    public mutating func recordSuccess(now: Double) -> Transition? {
        switch state {
        case .closed:
            consecutiveFailures = 0
            return nil
        case .open:
            return nil
        case .halfOpen:
            trialSuccesses += 1
            guard trialSuccesses >= settings.halfOpenRequests else { return nil }
            state = .closed
            consecutiveFailures = 0
            openDuration = settings.open
            return Transition(from: .halfOpen, to: .closed, reason: "\(trialSuccesses) trial request(s) succeeded")
        }
    }

    /// A request failed with `reason`. `mayOpen` is false when opening would eject more of the
    /// pool than `max_ejection_percent` allows: the failure is counted, the breaker stays closed.
    public mutating func recordFailure(now: Double, reason: String, mayOpen: Bool = true) -> Transition? {
        switch state {
        case .closed:
            consecutiveFailures += 1
            guard consecutiveFailures >= settings.failures, mayOpen else { return nil }
            let until = now + openDuration
            state = .open(until: until)
            return Transition(
                from: .closed, to: state,
                reason:
                    "\(consecutiveFailures) failure(s) in a row, last: \(reason); open for \(Self.seconds(openDuration))"
            )
        case .open:
            return nil
        case .halfOpen:
            openDuration = min(openDuration * 2, settings.openMax)
            let until = now + openDuration
            state = .open(until: until)
            return Transition(
                from: .halfOpen, to: state,
                reason: "trial request failed: \(reason); open for \(Self.seconds(openDuration))")
        }
    }

    /// A change of state and why, for observers.
    public struct Transition: Sendable, Equatable {
        public var from: State
        public var to: State
        public var reason: String
    }

    private static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value))s" : "\(value)s"
    }
}
