// Health and breaker transitions as events (the observer pattern): the pool announces each change
// once, with its reason, to whoever registered. The server registers a log writer and the counters
// the admin endpoint shows; tests register a recorder. Nothing in the pool knows who listens.

import Synchronization

/// A change in a server's standing.
public struct BackendEvent: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// Active health checks took the server out (`isUp` false) or brought it back.
        case health(isUp: Bool)
        /// The breaker moved between closed, open and half-open.
        case breaker(from: CircuitBreaker.State, to: CircuitBreaker.State)
    }

    public var backend: String
    /// `host:port`.
    public var server: String
    public var kind: Kind
    public var reason: String

    public init(backend: String, server: String, kind: Kind, reason: String) {
        self.backend = backend
        self.server = server
        self.kind = kind
        self.reason = reason
    }

    /// One log line: `backend app server 127.0.0.1:9001: breaker closed -> open (5 failures …)`.
    public var description: String {
        let change: String
        switch kind {
        case .health(let isUp): change = isUp ? "health down -> up" : "health up -> down"
        case .breaker(let from, let to): change = "breaker \(from) -> \(to)"
        }
        return "backend \(backend) server \(server): \(change) (\(reason))"
    }
}

/// Receives backend events; called on whichever thread made the change, so it must be quick.
public protocol BackendObserver: AnyObject, Sendable {
    func backendChanged(_ event: BackendEvent)
}

/// The registered observers.
public final class BackendEvents: Sendable {
    private let observers = Mutex<[any BackendObserver]>([])

    public init() {}

    public func register(_ observer: any BackendObserver) {
        observers.withLock { $0.append(observer) }
    }

    public func publish(_ event: BackendEvent) {
        for observer in observers.withLock({ $0 }) { observer.backendChanged(event) }
    }
}

/// Counts transitions by kind: what the admin endpoint reports.
public final class BackendEventCounters: BackendObserver {
    public struct Counts: Sendable, Equatable {
        public var healthDown = 0
        public var healthUp = 0
        public var breakerOpened = 0
        public var breakerHalfOpened = 0
        public var breakerClosed = 0

        public init() {}
    }

    private let counts = Mutex(Counts())

    public init() {}

    public var snapshot: Counts { counts.withLock { $0 } }

    public func backendChanged(_ event: BackendEvent) {
        counts.withLock { counts in
            switch event.kind {
            case .health(let isUp): if isUp { counts.healthUp += 1 } else { counts.healthDown += 1 }
            case .breaker(_, .open): counts.breakerOpened += 1
            case .breaker(_, .halfOpen): counts.breakerHalfOpened += 1
            case .breaker(_, .closed): counts.breakerClosed += 1
            }
        }
    }
}
