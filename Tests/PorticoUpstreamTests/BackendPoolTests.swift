import PorticoUpstream
import Synchronization
import Testing

/// Keeps every event the pool publishes, in order.
final class EventRecorder: BackendObserver, @unchecked Sendable {
    private let recorded = Mutex<[BackendEvent]>([])

    var events: [BackendEvent] { recorded.withLock { $0 } }

    func backendChanged(_ event: BackendEvent) {
        recorded.withLock { $0.append(event) }
    }
}

@Suite struct BackendPoolTests {
    private func servers(
        _ weights: [Int], maxConns: [Int: Int] = [:], backup: Set<Int> = [], firstPort: Int = 9000
    ) -> [UpstreamServer] {
        weights.enumerated().map { index, weight in
            UpstreamServer(
                id: index, host: "127.0.0.1", port: firstPort + index, weight: weight, maxConns: maxConns[index],
                backup: backup.contains(index))
        }
    }

    private func pool(
        _ servers: [UpstreamServer], guards: PoolGuards = PoolGuards(), previous: BackendPool? = nil
    ) -> (BackendPool, EventRecorder) {
        let events = BackendEvents()
        let recorder = EventRecorder()
        events.register(recorder)
        return (
            BackendPool(name: "app", servers: servers, guards: guards, events: events, previous: previous), recorder
        )
    }

    private func breakerGuards(
        failures: Int = 3, open: Double = 10, openMax: Double = 300, maxEjectionPercent: Int = 50
    ) -> PoolGuards {
        PoolGuards(
            breaker: .init(failures: failures, open: open, openMax: openMax, halfOpenRequests: 1),
            maxEjectionPercent: maxEjectionPercent)
    }

    private func fail(_ pool: BackendPool, _ id: Int, times: Int, now: Double) {
        for _ in 0..<times { pool.record(id, failure: "reset", now: now) }
    }

    /// Picks with `balancer` `count` times, releasing each slot at once; returns the ids (nil for no server).
    private func picks(
        _ pool: BackendPool, _ balancer: inout SmoothWeightedBalancer, _ count: Int, excluding: ServerSet = [],
        now: Double
    ) -> [Int?] {
        (0..<count).map { _ in
            let server = pool.pick(with: &balancer, key: 0, excluding: excluding, now: now)
            if let server { pool.release(server.id) }
            return server?.id
        }
    }

    // MARK: - Picking and in-flight counts

    @Test func pickFollowsTheBalancer() {
        let (pool, _) = pool(servers([5, 1, 1]))
        var balancer = SmoothWeightedBalancer(servers: pool.servers)
        #expect(picks(pool, &balancer, 7, now: 0) == [0, 0, 1, 0, 2, 0, 0])
    }

    @Test func pickCountsInFlightAndReleaseGivesItBack() {
        let (pool, _) = pool(servers([1, 1]))
        var balancer = SmoothWeightedBalancer(servers: pool.servers)
        let first = pool.pick(with: &balancer, key: 0, excluding: [], now: 0)
        let second = pool.pick(with: &balancer, key: 0, excluding: [], now: 0)
        let third = pool.pick(with: &balancer, key: 0, excluding: [], now: 0)
        #expect([first?.id, second?.id, third?.id] == [0, 1, 0])
        #expect(pool.inFlight(0) == 2)
        #expect(pool.inFlight(1) == 1)
        pool.release(0)
        #expect(pool.inFlight(0) == 1)
        pool.release(0)
        pool.release(1)
        #expect(pool.inFlight(0) == 0)
        #expect(pool.inFlight(1) == 0)
    }

    @Test func guardedPoolCountsInFlightToo() {
        let (pool, _) = pool(servers([1, 1]), guards: breakerGuards())
        var balancer = SmoothWeightedBalancer(servers: pool.servers)
        let server = pool.pick(with: &balancer, key: 0, excluding: [], now: 0)
        #expect(server?.id == 0)
        #expect(pool.inFlight(0) == 1)
        pool.release(0)
        #expect(pool.inFlight(0) == 0)
    }

    @Test func triedServersAreExcluded() {
        for guards in [PoolGuards(), breakerGuards()] {
            let (pool, _) = pool(servers([1, 1, 1]), guards: guards)
            var balancer = SmoothWeightedBalancer(servers: pool.servers)
            #expect(picks(pool, &balancer, 6, excluding: [0], now: 0).allSatisfy { $0 == 1 || $0 == 2 })
            #expect(picks(pool, &balancer, 1, excluding: [0, 1, 2], now: 0) == [nil])
        }
    }

    @Test func requestsAndFailuresAreCounted() {
        let (pool, _) = pool(servers([1, 1]))
        pool.record(0, failure: nil, now: 0)
        pool.record(0, failure: "reset", now: 0)
        pool.record(1, failure: nil, now: 0)
        #expect(pool.requests(0) == 2)
        #expect(pool.failures(0) == 1)
        #expect(pool.requests(1) == 1)
        #expect(pool.failures(1) == 0)
    }

    @Test func failureStatusesCountOnlyWithABreaker() {
        let (guarded, _) = pool(servers([1]), guards: breakerGuards())
        #expect(guarded.isFailure(status: 503))
        #expect(guarded.isFailure(status: 500))
        #expect(!guarded.isFailure(status: 404))
        #expect(!guarded.isFailure(status: 200))
        let (plain, _) = pool(servers([1]))
        #expect(!plain.isFailure(status: 503))
    }

    // MARK: - max_conns

    @Test func fullServerIsNotPicked() {
        let (pool, _) = pool(servers([5, 1], maxConns: [0: 1]))
        var balancer = SmoothWeightedBalancer(servers: pool.servers)
        let first = pool.pick(with: &balancer, key: 0, excluding: [], now: 0)
        #expect(first?.id == 0)
        // Server 0 is at its max_conns of 1: everything goes to server 1, weight or not.
        let held = (0..<4).map { _ in pool.pick(with: &balancer, key: 0, excluding: [], now: 0)?.id }
        #expect(held == [1, 1, 1, 1])
        #expect(pool.inFlight(0) == 1)
        #expect(!pool.isSaturated(now: 0))
        pool.release(0)
        #expect(pool.pick(with: &balancer, key: 0, excluding: [], now: 0)?.id == 0)
    }

    @Test func allServersFullIsSaturatedAndPicksNothing() {
        let (pool, _) = pool(servers([1, 1], maxConns: [0: 1, 1: 2]))
        var balancer = SmoothWeightedBalancer(servers: pool.servers)
        #expect(!pool.isSaturated(now: 0))
        let taken = (0..<3).map { _ in pool.pick(with: &balancer, key: 0, excluding: [], now: 0)?.id }
        #expect(taken.compactMap { $0 }.sorted() == [0, 1, 1])
        #expect(pool.isSaturated(now: 0))
        #expect(pool.pick(with: &balancer, key: 0, excluding: [], now: 0) == nil)
        pool.release(1)
        #expect(!pool.isSaturated(now: 0))
        #expect(pool.pick(with: &balancer, key: 0, excluding: [], now: 0)?.id == 1)
    }

    @Test func unboundedServerMeansNeverSaturated() {
        let (pool, _) = pool(servers([1, 1], maxConns: [0: 1]))
        var balancer = SmoothWeightedBalancer(servers: pool.servers)
        for _ in 0..<5 { _ = pool.pick(with: &balancer, key: 0, excluding: [], now: 0) }
        #expect(!pool.isSaturated(now: 0))
    }

    // MARK: - Breaker

    @Test func failuresOpenTheBreakerAndPickAvoidsTheServer() {
        let (pool, _) = pool(servers([1, 1]), guards: breakerGuards(failures: 3, open: 10))
        fail(pool, 0, times: 2, now: 0)
        #expect(pool.standing(0).breaker?.state == .closed)
        fail(pool, 0, times: 1, now: 0)
        #expect(pool.standing(0).breaker?.state == .open(until: 10))
        var balancer = SmoothWeightedBalancer(servers: pool.servers)
        #expect(picks(pool, &balancer, 10, now: 1) == Array(repeating: 1, count: 10))
        #expect(picks(pool, &balancer, 1, excluding: [1], now: 9.9) == [nil])
    }

    @Test func openingPublishesOneBreakerEvent() {
        let (pool, recorder) = pool(servers([1, 1]), guards: breakerGuards(failures: 3, open: 10))
        fail(pool, 1, times: 5, now: 100)
        #expect(
            recorder.events == [
                BackendEvent(
                    backend: "app", server: "127.0.0.1:9001", kind: .breaker(from: .closed, to: .open(until: 110)),
                    reason: "3 failure(s) in a row, last: reset; open for 10s")
            ])
    }

    @Test func afterOpenTimeAPickIsAHalfOpenTrialAndSuccessClosesIt() {
        let (pool, recorder) = pool(servers([1, 1]), guards: breakerGuards(failures: 3, open: 10))
        fail(pool, 0, times: 3, now: 0)
        var balancer = SmoothWeightedBalancer(servers: pool.servers)
        let trial = pool.pick(with: &balancer, key: 0, excluding: [1], now: 10)
        #expect(trial?.id == 0)
        #expect(pool.standing(0).breaker?.state == .halfOpen)
        // Only one trial at a time.
        #expect(pool.pick(with: &balancer, key: 0, excluding: [1], now: 10) == nil)
        #expect(pool.inFlight(0) == 1)
        pool.release(0)
        pool.record(0, failure: nil, now: 11)
        #expect(pool.standing(0).breaker?.state == .closed)
        #expect(
            recorder.events.map(\.kind) == [
                .breaker(from: .closed, to: .open(until: 10)),
                .breaker(from: .open(until: 10), to: .halfOpen),
                .breaker(from: .halfOpen, to: .closed),
            ])
        #expect(recorder.events.allSatisfy { $0.backend == "app" && $0.server == "127.0.0.1:9000" })
        // Closed again: picked as usual.
        #expect(Set(picks(pool, &balancer, 4, now: 12)) == [0, 1])
    }

    @Test func failedTrialReopensForTwiceAsLong() {
        let (pool, recorder) = pool(servers([1, 1]), guards: breakerGuards(failures: 3, open: 10))
        fail(pool, 0, times: 3, now: 0)
        var balancer = SmoothWeightedBalancer(servers: pool.servers)
        #expect(pool.pick(with: &balancer, key: 0, excluding: [1], now: 10)?.id == 0)
        pool.release(0)
        pool.record(0, failure: "timeout", now: 12)
        #expect(pool.standing(0).breaker?.state == .open(until: 32))
        #expect(recorder.events.last?.kind == .breaker(from: .halfOpen, to: .open(until: 32)))
        #expect(recorder.events.count == 3)
    }

    @Test func maxEjectionPercentKeepsTheSecondBreakerClosed() {
        let (pool, recorder) = pool(
            servers([1, 1]), guards: breakerGuards(failures: 3, open: 10, maxEjectionPercent: 50))
        fail(pool, 0, times: 3, now: 0)
        #expect(pool.standing(0).breaker?.state == .open(until: 10))
        fail(pool, 1, times: 10, now: 1)
        #expect(pool.standing(1).breaker?.state == .closed)
        #expect(recorder.events.count == 1)
        var balancer = SmoothWeightedBalancer(servers: pool.servers)
        #expect(picks(pool, &balancer, 3, now: 2) == [1, 1, 1])
    }

    @Test func secondBreakerMayOpenOnceTheFirstHasClosed() {
        let (pool, _) = pool(servers([1, 1]), guards: breakerGuards(failures: 3, open: 10, maxEjectionPercent: 50))
        fail(pool, 0, times: 3, now: 0)
        fail(pool, 1, times: 3, now: 1)
        var balancer = SmoothWeightedBalancer(servers: pool.servers)
        _ = picks(pool, &balancer, 1, excluding: [1], now: 10)  // server 0's trial
        pool.record(0, failure: nil, now: 10)
        #expect(pool.standing(0).breaker?.state == .closed)
        fail(pool, 1, times: 1, now: 11)
        #expect(pool.standing(1).breaker?.state == .open(until: 21))
    }

    @Test func singleServerMayAlwaysBeEjected() {
        let (pool, recorder) = pool(servers([1]), guards: breakerGuards(failures: 3, open: 10, maxEjectionPercent: 50))
        fail(pool, 0, times: 3, now: 0)
        #expect(pool.standing(0).breaker?.state == .open(until: 10))
        #expect(recorder.events.count == 1)
        var balancer = SmoothWeightedBalancer(servers: pool.servers)
        #expect(pool.pick(with: &balancer, key: 0, excluding: [], now: 5) == nil)
    }

    @Test func maxEjectionPercentHundredLetsAllOpen() {
        let (pool, _) = pool(servers([1, 1]), guards: breakerGuards(failures: 3, open: 10, maxEjectionPercent: 100))
        fail(pool, 0, times: 3, now: 0)
        fail(pool, 1, times: 3, now: 0)
        #expect(pool.standing(0).breaker?.state == .open(until: 10))
        #expect(pool.standing(1).breaker?.state == .open(until: 10))
        var balancer = SmoothWeightedBalancer(servers: pool.servers)
        #expect(pool.pick(with: &balancer, key: 0, excluding: [], now: 5) == nil)
        #expect(!pool.isSaturated(now: 5))
    }

    @Test func noBreakerMeansFailuresNeverEject() {
        let (pool, recorder) = pool(servers([1, 1]))
        fail(pool, 0, times: 100, now: 0)
        #expect(pool.standing(0).breaker == nil)
        var balancer = SmoothWeightedBalancer(servers: pool.servers)
        #expect(picks(pool, &balancer, 2, now: 1) == [0, 1])
        #expect(recorder.events.isEmpty)
    }

    // MARK: - Health

    @Test func failedChecksTakeTheServerDownAndPickSkipsIt() {
        let (pool, recorder) = pool(servers([1, 1]), guards: PoolGuards(health: .init(rise: 2, fall: 3)))
        #expect(pool.standing(0).isUp)
        pool.recordCheck(0, passed: false, detail: "timeout")
        pool.recordCheck(0, passed: false, detail: "timeout")
        #expect(pool.standing(0).isUp)
        #expect(recorder.events.isEmpty)
        pool.recordCheck(0, passed: false, detail: "status 503")
        #expect(!pool.standing(0).isUp)
        #expect(
            recorder.events == [
                BackendEvent(
                    backend: "app", server: "127.0.0.1:9000", kind: .health(isUp: false),
                    reason: "3 check(s) in a row failed, last: status 503")
            ])
        var balancer = SmoothWeightedBalancer(servers: pool.servers)
        #expect(picks(pool, &balancer, 5, now: 0) == [1, 1, 1, 1, 1])
    }

    @Test func passedChecksBringTheServerBack() {
        let (pool, recorder) = pool(servers([1, 1]), guards: PoolGuards(health: .init(rise: 2, fall: 1)))
        pool.recordCheck(1, passed: false, detail: "refused")
        #expect(!pool.standing(1).isUp)
        pool.recordCheck(1, passed: true, detail: "200")
        #expect(!pool.standing(1).isUp)
        pool.recordCheck(1, passed: true, detail: "200")
        #expect(pool.standing(1).isUp)
        #expect(recorder.events.map(\.kind) == [.health(isUp: false), .health(isUp: true)])
        var balancer = SmoothWeightedBalancer(servers: pool.servers)
        #expect(Set(picks(pool, &balancer, 4, now: 0)) == [0, 1])
    }

    @Test func serversConfiguredToStartDownWaitForRisePasses() {
        let (pool, _) = pool(servers([1, 1]), guards: PoolGuards(health: .init(rise: 2, fall: 1, startsUp: false)))
        var balancer = SmoothWeightedBalancer(servers: pool.servers)
        #expect(picks(pool, &balancer, 2, now: 0) == [nil, nil])
        pool.recordCheck(0, passed: true, detail: "200")
        #expect(picks(pool, &balancer, 2, now: 0) == [nil, nil])
        pool.recordCheck(0, passed: true, detail: "200")
        #expect(picks(pool, &balancer, 2, now: 0) == [0, 0])
    }

    @Test func downServersAreNotCountedForSaturation() {
        let (pool, _) = pool(
            servers([1, 1], maxConns: [0: 1]), guards: PoolGuards(health: .init(rise: 1, fall: 1)))
        pool.recordCheck(1, passed: false, detail: "refused")
        var balancer = SmoothWeightedBalancer(servers: pool.servers)
        #expect(pool.pick(with: &balancer, key: 0, excluding: [], now: 0)?.id == 0)
        #expect(pool.isSaturated(now: 0))
        #expect(pool.pick(with: &balancer, key: 0, excluding: [], now: 0) == nil)
    }

    @Test func checksWithoutAHealthBlockAreIgnored() {
        let (pool, recorder) = pool(servers([1]))
        for _ in 0..<5 { pool.recordCheck(0, passed: false, detail: "timeout") }
        #expect(pool.standing(0).isUp)
        #expect(recorder.events.isEmpty)
    }

    // MARK: - Retry-After

    @Test func retryAfterIsOneWithNoOpenBreaker() {
        let (pool, _) = pool(servers([1, 1]), guards: breakerGuards())
        #expect(pool.retryAfter(now: 0) == 1)
    }

    @Test func retryAfterReflectsTheSoonestReopen() {
        let (pool, _) = pool(servers([1, 1]), guards: breakerGuards(failures: 3, open: 10, maxEjectionPercent: 100))
        fail(pool, 0, times: 3, now: 0)  // until 10
        fail(pool, 1, times: 3, now: 4)  // until 14
        #expect(pool.retryAfter(now: 0) == 10)
        #expect(pool.retryAfter(now: 2.5) == 8)  // 7.5 rounded up
        #expect(pool.retryAfter(now: 9.5) == 1)  // 0.5 rounded up
        #expect(pool.retryAfter(now: 9.99) == 1)
    }

    @Test func retryAfterIsAtMostSixty() {
        let (pool, _) = pool(servers([1]), guards: breakerGuards(failures: 1, open: 300))
        fail(pool, 0, times: 1, now: 0)
        #expect(pool.retryAfter(now: 0) == 60)
        #expect(pool.retryAfter(now: 250) == 50)
    }

    // MARK: - Reload

    @Test func reloadKeepsTheStandingOfServersWithTheSameAddress() {
        let guards = PoolGuards(
            breaker: .init(failures: 3, open: 10), health: .init(rise: 2, fall: 2), maxEjectionPercent: 100)
        let (old, _) = pool(servers([1, 1]), guards: guards)  // 9000 and 9001
        fail(old, 1, times: 3, now: 0)
        old.recordCheck(1, passed: false, detail: "timeout")
        old.recordCheck(1, passed: false, detail: "timeout")
        #expect(!old.standing(1).isUp)
        // The new file lists 9001 first, then a new server 9002; 9000 is gone.
        let (new, _) = pool(servers([1, 1], firstPort: 9001), guards: guards, previous: old)
        #expect(new.standing(0) == old.standing(1))
        #expect(new.standing(0).breaker?.state == .open(until: 10))
        #expect(!new.standing(0).isUp)
        #expect(new.standing(1).breaker?.state == .closed)
        #expect(new.standing(1).isUp)
        var balancer = SmoothWeightedBalancer(servers: new.servers)
        #expect(picks(new, &balancer, 3, now: 1) == [1, 1, 1])
    }

    /// Counters are counters: a reload that keeps a server keeps counting where it was, even when
    /// its guards change, and a request still in flight on the old pool stays in flight.
    @Test func reloadKeepsTheCountersOfServersWithTheSameAddress() {
        let (old, _) = pool(servers([1, 1]), guards: breakerGuards(failures: 3, open: 10))  // 9000, 9001
        old.record(1, failure: nil, now: 0)
        old.record(1, failure: nil, now: 0)
        old.record(1, failure: "reset", now: 0)
        var balancer = SmoothWeightedBalancer(servers: old.servers)
        #expect(old.pick(with: &balancer, key: 0, excluding: [0], now: 0)?.id == 1)
        let (new, _) = pool(
            servers([1, 1], firstPort: 9001), guards: breakerGuards(failures: 5, open: 10), previous: old)
        #expect(new.requests(0) == 3)
        #expect(new.failures(0) == 1)
        #expect(new.inFlight(0) == 1)
        old.release(1)
        #expect(new.inFlight(0) == 0)
        #expect(new.requests(1) == 0 && new.failures(1) == 0)
    }

    @Test func reloadWithChangedGuardsStartsAfresh() {
        let (old, _) = pool(servers([1]), guards: breakerGuards(failures: 3, open: 10))
        fail(old, 0, times: 3, now: 0)
        let (new, _) = pool(servers([1]), guards: breakerGuards(failures: 5, open: 10), previous: old)
        #expect(new.standing(0).breaker?.state == .closed)
        #expect(new.standing(0).breaker?.settings.failures == 5)
    }
}

@Suite struct ServerSetTests {
    @Test func holdsIdsBelowAndAbove64() {
        var set: ServerSet = [0, 63]
        #expect(set.count == 2 && set.contains(0) && set.contains(63) && !set.contains(1))
        set.insert(64)
        set.insert(200)
        set.insert(200)
        #expect(set.count == 4 && set.contains(64) && set.contains(200))
        set.remove(63)
        set.remove(200)
        #expect(set == [0, 64])
        set.removeAll()
        #expect(set.isEmpty)
    }
}

@Suite struct BackendEventCountersTests {
    @Test func countsEachKindOfTransition() {
        let counters = BackendEventCounters()
        let events: [BackendEvent.Kind] = [
            .health(isUp: false), .health(isUp: true), .health(isUp: false),
            .breaker(from: .closed, to: .open(until: 10)), .breaker(from: .open(until: 10), to: .halfOpen),
            .breaker(from: .halfOpen, to: .closed),
        ]
        for kind in events {
            counters.backendChanged(BackendEvent(backend: "app", server: "a:1", kind: kind, reason: "test"))
        }
        var expected = BackendEventCounters.Counts()
        expected.healthDown = 2
        expected.healthUp = 1
        expected.breakerOpened = 1
        expected.breakerHalfOpened = 1
        expected.breakerClosed = 1
        #expect(counters.snapshot == expected)
    }

    @Test func registeredObserversHearEveryEvent() {
        let events = BackendEvents()
        let first = BackendEventCounters()
        let second = BackendEventCounters()
        events.register(first)
        events.register(second)
        events.publish(BackendEvent(backend: "app", server: "a:1", kind: .health(isUp: false), reason: "refused"))
        #expect(first.snapshot.healthDown == 1 && second.snapshot.healthDown == 1)
    }
}
