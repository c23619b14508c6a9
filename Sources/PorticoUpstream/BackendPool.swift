// The standing of a backend group's servers, shared by every worker: each server's health (from
// active checks), its circuit breaker (from what requests saw) and its requests in flight.
//
// Workers pick with their own balancer (no lock for the choice itself), but the choice and the
// taking of a slot happen under the pool's lock, so a half-open breaker admits exactly its trial
// requests and `max_conns` holds across workers. A group with no health checks, no breaker and no
// `max_conns` never takes the lock: nothing could make one of its servers ineligible.
//
// `max_ejection_percent` limits what passive results alone can do: a breaker does not open when
// that would put more than that share of the pool out (at least one server may always go, as in
// Envoy). Health checks are not limited: a server that fails them is down.

import Synchronization

/// Active health checks' rise and fall, and whether a server starts up.
public struct HealthGuard: Sendable, Equatable {
    public var rise: Int
    public var fall: Int
    public var startsUp: Bool

    public init(rise: Int, fall: Int, startsUp: Bool = true) {
        self.rise = rise
        self.fall = fall
        self.startsUp = startsUp
    }
}

/// What guards a group's servers; nil parts are off.
public struct PoolGuards: Sendable, Equatable {
    public var breaker: CircuitBreaker.Settings?
    /// Rise and fall of active checks, and whether servers start up; nil without a `health` block.
    public var health: HealthGuard?
    public var maxEjectionPercent: Int
    /// Response codes that count as failures for the breaker.
    public var failureStatuses: ClosedRange<Int>

    public init(
        breaker: CircuitBreaker.Settings? = nil,
        health: HealthGuard? = nil,
        maxEjectionPercent: Int = 50,
        failureStatuses: ClosedRange<Int> = 500...599
    ) {
        self.breaker = breaker
        self.health = health
        self.maxEjectionPercent = maxEjectionPercent
        self.failureStatuses = failureStatuses
    }
}

/// The shared standing of one backend group's servers.
public final class BackendPool: Sendable {
    public let name: String
    public let servers: [UpstreamServer]
    public let guards: PoolGuards
    private let events: BackendEvents
    private let standings: Mutex<[Standing]>
    private let counters: [ServerCounters]
    /// Whether any server can ever be ineligible; if not, picking skips the lock.
    private let needsLock: Bool

    /// One server's health and breaker.
    public struct Standing: Sendable, Equatable {
        public var health: HealthState?
        public var breaker: CircuitBreaker?

        public var isUp: Bool { health?.isUp ?? true }
    }

    /// `previous` is the pool this one replaces on a reload: servers it also had (same address)
    /// keep their counters (requests, failures and latency go on counting, as Prometheus expects of
    /// a counter, and requests still in flight on the old pool stay counted for `least_conn` and
    /// `max_conns`), and their health and breaker state when the guards did not change.
    public init(
        name: String, servers: [UpstreamServer], guards: PoolGuards, events: BackendEvents,
        previous: BackendPool? = nil
    ) {
        self.name = name
        self.servers = servers
        self.guards = guards
        self.events = events
        var initial = servers.map { _ in
            Standing(
                health: guards.health.map { HealthState(rise: $0.rise, fall: $0.fall, startsUp: $0.startsUp) },
                breaker: guards.breaker.map { CircuitBreaker($0) })
        }
        var counters = servers.map { _ in ServerCounters() }
        if let previous {
            let old = previous.standings.withLock { $0 }
            for (index, server) in servers.enumerated() {
                guard
                    let match = previous.servers.firstIndex(where: { $0.host == server.host && $0.port == server.port })
                else { continue }
                counters[index] = previous.counters[match]
                if previous.guards == guards { initial[index] = old[match] }
            }
        }
        standings = Mutex(initial)
        self.counters = counters
        needsLock = guards.breaker != nil || guards.health != nil || servers.contains { $0.maxConns != nil }
    }

    // MARK: - Picking

    /// Picks a server with `balancer` among the eligible ones not in `excluding`, and takes a slot
    /// on it (a half-open trial, one of its `max_conns`). Nil when no server can take the request.
    public func pick(
        with balancer: inout some Balancer, key: UInt64, excluding tried: ServerSet, now: Double
    ) -> UpstreamServer? {
        let inFlight: (Int) -> Int = { [counters] in counters[$0].inFlight.load(ordering: .relaxed) }
        guard needsLock else {
            let server = balancer.pick(key: key, inFlight: inFlight) { !tried.contains($0.id) }
            if let server { counters[server.id].inFlight.add(1, ordering: .relaxed) }
            return server
        }
        var transition: (Int, CircuitBreaker.Transition)?
        let picked = standings.withLock { standings -> UpstreamServer? in
            let server = balancer.pick(key: key, inFlight: inFlight) { server in
                !tried.contains(server.id) && self.isEligible(server, standings[server.id], now: now)
            }
            guard let server else { return nil }
            if var breaker = standings[server.id].breaker {
                let decision = breaker.admit(now: now)
                standings[server.id].breaker = breaker
                if let change = decision.transition { transition = (server.id, change) }
                guard decision.admitted else { return nil }
            }
            counters[server.id].inFlight.add(1, ordering: .relaxed)
            return server
        }
        if let (id, change) = transition { publishBreaker(id, change) }
        return picked
    }

    private func isEligible(_ server: UpstreamServer, _ standing: Standing, now: Double) -> Bool {
        guard standing.isUp, standing.breaker?.allows(now: now) ?? true else { return false }
        if let maxConns = server.maxConns { return counters[server.id].inFlight.load(ordering: .relaxed) < maxConns }
        return true
    }

    /// Gives back the slot `pick` took.
    public func release(_ id: Int) {
        counters[id].inFlight.subtract(1, ordering: .relaxed)
    }

    /// Whether every server that is up and not ejected is at its `max_conns`: a request may wait
    /// for a slot rather than be refused.
    public func isSaturated(now: Double) -> Bool {
        standings.withLock { standings in
            var anyAvailable = false
            for server in servers
            where standings[server.id].isUp && standings[server.id].breaker?.allows(now: now) ?? true {
                anyAvailable = true
                guard let maxConns = server.maxConns,
                    counters[server.id].inFlight.load(ordering: .relaxed) >= maxConns
                else { return false }
            }
            return anyAvailable
        }
    }

    public func inFlight(_ id: Int) -> Int {
        counters[id].inFlight.load(ordering: .relaxed)
    }

    // MARK: - Results

    /// What a request to server `id` came to: `failure` is nil for a success, else why it failed.
    /// `latency`: seconds from sending the request to the response head, when one came.
    public func record(_ id: Int, failure: String?, latency: Double? = nil, now: Double) {
        counters[id].requests.add(1, ordering: .relaxed)
        if failure != nil { counters[id].failures.add(1, ordering: .relaxed) }
        if let latency { counters[id].latency.withLock { $0.observe(latency) } }
        guard guards.breaker != nil else { return }
        let transition = standings.withLock { standings -> CircuitBreaker.Transition? in
            guard var breaker = standings[id].breaker else { return nil }
            defer { standings[id].breaker = breaker }
            guard let failure else { return breaker.recordSuccess(now: now) }
            var ejected = 0
            for index in standings.indices where index != id && standings[index].breaker?.state != .closed {
                ejected += 1
            }
            let cap = max(1, servers.count * guards.maxEjectionPercent / 100)
            return breaker.recordFailure(now: now, reason: failure, mayOpen: ejected < cap)
        }
        if let transition { publishBreaker(id, transition) }
    }

    /// Whether a response with `status` counts as a failure of its server.
    public func isFailure(status: Int) -> Bool {
        guards.breaker != nil && guards.failureStatuses.contains(status)
    }

    /// One active health check of server `id` passed or failed.
    public func recordCheck(_ id: Int, passed: Bool, detail: String) {
        let transition = standings.withLock { standings -> HealthState.Transition? in
            guard var health = standings[id].health else { return nil }
            defer { standings[id].health = health }
            return health.record(passed: passed, detail: detail)
        }
        if let transition {
            events.publish(
                BackendEvent(
                    backend: name, server: address(id), kind: .health(isUp: transition.isUp),
                    reason: transition.reason))
        }
    }

    // MARK: - Reading

    public func standing(_ id: Int) -> Standing {
        standings.withLock { $0[id] }
    }

    /// Seconds a client should wait before trying again when no server can take its request:
    /// until the first breaker is due for a trial, at least 1 and at most 60.
    public func retryAfter(now: Double) -> Int {
        let soonest = standings.withLock { standings in
            standings.compactMap { standing -> Double? in
                if case .open(let until)? = standing.breaker?.state { return until - now }
                return nil
            }.min()
        }
        guard let soonest else { return 1 }
        return min(60, max(1, Int(soonest.rounded(.up))))
    }

    public func requests(_ id: Int) -> Int { counters[id].requests.load(ordering: .relaxed) }
    public func latency(_ id: Int) -> LatencyHistogram { counters[id].latency.withLock { $0 } }
    public func failures(_ id: Int) -> Int { counters[id].failures.load(ordering: .relaxed) }

    private func address(_ id: Int) -> String { servers[id].authority }

    private func publishBreaker(_ id: Int, _ transition: CircuitBreaker.Transition) {
        events.publish(
            BackendEvent(
                backend: name, server: address(id), kind: .breaker(from: transition.from, to: transition.to),
                reason: transition.reason))
    }
}

/// Atomic counters of one server: a class, since `Atomic` values cannot live in an array.
final class ServerCounters: Sendable {
    let inFlight = Atomic<Int>(0)
    let requests = Atomic<Int>(0)
    let failures = Atomic<Int>(0)
    let latency = Mutex(LatencyHistogram())
}
