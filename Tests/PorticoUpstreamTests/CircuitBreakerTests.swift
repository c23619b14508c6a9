import PorticoUpstream
import Testing

@Suite struct CircuitBreakerTests {
    private func breaker(
        failures: Int = 3, open: Double = 10, openMax: Double = 30, halfOpenRequests: Int = 1
    ) -> CircuitBreaker {
        CircuitBreaker(
            .init(failures: failures, open: open, openMax: openMax, halfOpenRequests: halfOpenRequests))
    }

    /// Records `count` failures at `now` and returns the transitions reported.
    private func fail(_ breaker: inout CircuitBreaker, _ count: Int, now: Double) -> [CircuitBreaker.Transition] {
        (0..<count).compactMap { _ in breaker.recordFailure(now: now, reason: "reset") }
    }

    /// Opens a closed breaker at `now` (3 failures with the default settings here).
    private func open(_ breaker: inout CircuitBreaker, now: Double) {
        _ = fail(&breaker, breaker.settings.failures, now: now)
    }

    @Test func startsClosedAndAdmits() {
        var breaker = breaker()
        #expect(breaker.state == .closed)
        #expect(breaker.allows(now: 0))
        #expect(breaker.admit(now: 0).admitted)
    }

    @Test func consecutiveFailuresOpenIt() {
        var breaker = breaker(failures: 3, open: 10)
        #expect(breaker.recordFailure(now: 100, reason: "reset") == nil)
        #expect(breaker.recordFailure(now: 100, reason: "reset") == nil)
        #expect(breaker.state == .closed)
        let transition = breaker.recordFailure(now: 100, reason: "reset")
        #expect(transition?.from == .closed)
        #expect(transition?.to == .open(until: 110))
        #expect(transition?.reason == "3 failure(s) in a row, last: reset; open for 10s")
        #expect(breaker.state == .open(until: 110))
        #expect(!breaker.allows(now: 100))
    }

    @Test func successInBetweenResetsTheFailureCount() {
        var breaker = breaker(failures: 3)
        _ = fail(&breaker, 2, now: 0)
        #expect(breaker.recordSuccess(now: 0) == nil)
        #expect(breaker.consecutiveFailures == 0)
        _ = fail(&breaker, 2, now: 0)
        #expect(breaker.state == .closed)
        _ = fail(&breaker, 1, now: 0)
        #expect(breaker.state == .open(until: 10))
    }

    @Test func openRejectsUntilOpenTimeHasPassed() {
        var breaker = breaker(open: 10)
        open(&breaker, now: 0)
        #expect(!breaker.allows(now: 9.999))
        #expect(breaker.admit(now: 5) == (false, nil))
        #expect(breaker.admit(now: 9.999) == (false, nil))
        #expect(breaker.state == .open(until: 10))
        #expect(breaker.allows(now: 10))
    }

    @Test func admitAfterOpenTimeTurnsHalfOpenAndAdmitsExactlyTheTrials() {
        var breaker = breaker(open: 10, halfOpenRequests: 2)
        open(&breaker, now: 0)
        let first = breaker.admit(now: 10)
        #expect(first.admitted)
        #expect(first.transition?.from == .open(until: 10))
        #expect(first.transition?.to == .halfOpen)
        #expect(breaker.state == .halfOpen)
        #expect(breaker.allows(now: 10))
        let second = breaker.admit(now: 10)
        #expect(second.admitted)
        #expect(second.transition == nil)
        #expect(!breaker.allows(now: 10))
        #expect(breaker.admit(now: 11) == (false, nil))
        #expect(breaker.admit(now: 19.9) == (false, nil))
    }

    /// A trial whose request never reported (the client left, the connection was stale) does
    /// not keep the server out for good: `open` seconds after the last trial, the slots are free.
    @Test func trialsWithoutAResultAreLostAfterTheOpenTime() {
        var breaker = breaker(open: 10, halfOpenRequests: 1)
        open(&breaker, now: 0)
        #expect(breaker.admit(now: 10).admitted)
        #expect(!breaker.allows(now: 19))
        #expect(breaker.admit(now: 19) == (false, nil))
        #expect(breaker.allows(now: 20))
        #expect(breaker.admit(now: 20) == (true, nil))
        #expect(breaker.state == .halfOpen)
        #expect(breaker.recordSuccess(now: 21)?.to == .closed)
    }

    @Test func allTrialsSucceedingClosesIt() {
        var breaker = breaker(open: 10, halfOpenRequests: 2)
        open(&breaker, now: 0)
        _ = breaker.admit(now: 10)
        _ = breaker.admit(now: 10)
        #expect(breaker.recordSuccess(now: 11) == nil)
        #expect(breaker.state == .halfOpen)
        let transition = breaker.recordSuccess(now: 11)
        #expect(transition?.from == .halfOpen)
        #expect(transition?.to == .closed)
        #expect(breaker.state == .closed)
        #expect(breaker.consecutiveFailures == 0)
        #expect(breaker.admit(now: 11).admitted)
    }

    @Test func failingTrialReopensForTwiceAsLongCappedAtOpenMax() {
        var breaker = breaker(failures: 3, open: 10, openMax: 30)
        open(&breaker, now: 0)
        #expect(breaker.state == .open(until: 10))
        var untils: [Double] = []
        var now = 10.0
        for _ in 0..<3 {
            #expect(breaker.admit(now: now).admitted)
            let transition = breaker.recordFailure(now: now, reason: "timeout")
            #expect(transition?.from == .halfOpen)
            guard case .open(let until)? = transition?.to else {
                Issue.record("trial failure did not re-open: \(String(describing: transition))")
                return
            }
            #expect(breaker.state == .open(until: until))
            untils.append(until)
            now = until
        }
        // Open 10 s, then 20, then 40 capped at 30, then 30 again.
        #expect(untils == [30, 60, 90])
        #expect(breaker.openDuration == 30)
    }

    @Test func closingResetsTheOpenDuration() {
        var breaker = breaker(failures: 1, open: 10, openMax: 300)
        open(&breaker, now: 0)
        _ = breaker.admit(now: 10)
        _ = breaker.recordFailure(now: 10, reason: "reset")  // open for 20: until 30
        #expect(breaker.state == .open(until: 30))
        _ = breaker.admit(now: 30)
        _ = breaker.recordSuccess(now: 30)
        #expect(breaker.state == .closed)
        #expect(breaker.openDuration == 10)
        _ = breaker.recordFailure(now: 100, reason: "reset")
        #expect(breaker.state == .open(until: 110))
    }

    @Test func mayOpenFalseKeepsItClosedButKeepsCounting() {
        var breaker = breaker(failures: 3)
        for _ in 0..<10 {
            #expect(breaker.recordFailure(now: 0, reason: "reset", mayOpen: false) == nil)
        }
        #expect(breaker.state == .closed)
        #expect(breaker.consecutiveFailures == 10)
        #expect(breaker.admit(now: 0).admitted)
        // Once opening is allowed, the next failure opens it.
        #expect(breaker.recordFailure(now: 0, reason: "reset")?.to == .open(until: 10))
    }

    @Test func resultsWhileOpenAreIgnored() {
        var breaker = breaker(failures: 3, open: 10)
        open(&breaker, now: 0)
        let before = breaker
        #expect(breaker.recordSuccess(now: 1) == nil)
        #expect(breaker.recordFailure(now: 2, reason: "reset") == nil)
        #expect(breaker.recordSuccess(now: 3) == nil)
        #expect(breaker == before)
        #expect(breaker.state == .open(until: 10))
    }

    @Test func eachChangeIsReportedExactlyOnce() {
        var breaker = breaker(failures: 2, open: 10, halfOpenRequests: 1)
        var transitions: [CircuitBreaker.Transition] = []
        func note(_ transition: CircuitBreaker.Transition?) { if let transition { transitions.append(transition) } }
        for _ in 0..<5 { note(breaker.recordFailure(now: 0, reason: "reset")) }  // opens once, rest ignored
        for _ in 0..<3 { note(breaker.admit(now: 5).transition) }  // still open
        for _ in 0..<3 { note(breaker.admit(now: 10).transition) }  // half-open once, then full
        note(breaker.recordSuccess(now: 11))  // closes
        note(breaker.recordSuccess(now: 12))  // already closed
        let changes = transitions.map { [$0.from, $0.to] }
        #expect(
            changes == [
                [.closed, .open(until: 10)],
                [.open(until: 10), .halfOpen],
                [.halfOpen, .closed],
            ])
    }

    @Test func settingsAreClamped() {
        let settings = CircuitBreaker.Settings(failures: 0, open: 10, openMax: 5, halfOpenRequests: 0)
        #expect(settings.failures == 1)
        #expect(settings.openMax == 10)
        #expect(settings.halfOpenRequests == 1)
    }
}
