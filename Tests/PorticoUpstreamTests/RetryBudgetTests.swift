import PorticoUpstream
import Testing

@Suite struct RetryBudgetTests {
    /// How many retries `budget` grants at `now` before refusing one (stops at `limit`).
    private func retriesGranted(_ budget: inout RetryBudget, now: Double, limit: Int = 10_000) -> Int {
        var granted = 0
        while granted < limit, budget.takeRetry(now: now) { granted += 1 }
        return granted
    }

    @Test func ratioOfRequestsMayBeRetried() {
        var budget = RetryBudget(ratio: 0.2, minimum: 3, window: 10)
        for _ in 0..<100 { budget.recordRequest(now: 5) }
        let granted = (0..<22).map { _ in budget.takeRetry(now: 5) }
        #expect(granted == Array(repeating: true, count: 20) + [false, false])
    }

    @Test func requestsSpreadOverTheWindowAllCount() {
        var budget = RetryBudget(ratio: 0.2, minimum: 0, window: 10)
        for second in 0..<10 {
            for _ in 0..<10 { budget.recordRequest(now: Double(second) + 0.5) }
        }
        #expect(retriesGranted(&budget, now: 9.9) == 20)
    }

    @Test func minimumAllowsRetriesWithNoRequests() {
        var budget = RetryBudget(ratio: 0.2, minimum: 3, window: 10)
        #expect(retriesGranted(&budget, now: 0) == 3)
    }

    @Test func minimumAppliesWhenRatioGivesLess() {
        var budget = RetryBudget(ratio: 0.2, minimum: 3, window: 10)
        for _ in 0..<10 { budget.recordRequest(now: 0) }  // 0.2 × 10 = 2 < 3
        #expect(retriesGranted(&budget, now: 0) == 3)
    }

    @Test func noFloorAndNoRequestsAllowsNoRetry() {
        var budget = RetryBudget(ratio: 0.2, minimum: 0, window: 10)
        #expect(retriesGranted(&budget, now: 0) == 0)
    }

    @Test func retriesOlderThanTheWindowNoLongerCount() {
        var budget = RetryBudget(ratio: 0.2, minimum: 3, window: 10)
        #expect(retriesGranted(&budget, now: 0) == 3)
        #expect(retriesGranted(&budget, now: 9) == 0)
        // Window 10: 11 s later the three retries no longer count.
        #expect(retriesGranted(&budget, now: 11) == 3)
    }

    @Test func requestsOlderThanTheWindowNoLongerCount() {
        var budget = RetryBudget(ratio: 0.2, minimum: 0, window: 10)
        for _ in 0..<100 { budget.recordRequest(now: 0) }
        var inWindow = budget
        #expect(retriesGranted(&inWindow, now: 9) == 20)
        // 11 s later the 100 requests have left the window: nothing is left to retry against.
        #expect(retriesGranted(&budget, now: 11) == 0)
    }

    @Test func windowSlidesOneSecondAtATime() {
        var budget = RetryBudget(ratio: 0.5, minimum: 0, window: 10)
        for _ in 0..<20 { budget.recordRequest(now: 0) }
        for _ in 0..<20 { budget.recordRequest(now: 5) }
        // At 9 s both batches are in the window: 0.5 × 40 = 20.
        var early = budget
        #expect(retriesGranted(&early, now: 9) == 20)
        // At 10 s the batch from second 0 has left: 0.5 × 20 = 10.
        var later = budget
        #expect(retriesGranted(&later, now: 10) == 10)
        // At 15 s both have left.
        var latest = budget
        #expect(retriesGranted(&latest, now: 15) == 0)
    }

    @Test func retriesTakenLeaveTheWindowToo() {
        var budget = RetryBudget(ratio: 0.2, minimum: 0, window: 10)
        for _ in 0..<100 { budget.recordRequest(now: 20) }
        #expect(retriesGranted(&budget, now: 20) == 20)
        for _ in 0..<100 { budget.recordRequest(now: 25) }
        // 200 requests in the window allow 40 retries, 20 of which are taken.
        #expect(retriesGranted(&budget, now: 25) == 20)
        // At 30 s second 20's requests and retries have left: 100 requests, 20 retries taken.
        #expect(retriesGranted(&budget, now: 30) == 0)
        // At 35 s everything has left.
        for _ in 0..<50 { budget.recordRequest(now: 35) }
        #expect(retriesGranted(&budget, now: 35) == 10)
    }

    @Test func longIdleGapClearsEverything() {
        var budget = RetryBudget(ratio: 0.2, minimum: 3, window: 10)
        for _ in 0..<100 { budget.recordRequest(now: 1) }
        #expect(retriesGranted(&budget, now: 1) == 20)
        #expect(retriesGranted(&budget, now: 10_000.5) == 3)
    }

    @Test func timeBeforeZeroWorksLikeAnyOther() {
        var budget = RetryBudget(ratio: 0.2, minimum: 0, window: 10)
        for _ in 0..<10 { budget.recordRequest(now: -5) }
        for _ in 0..<10 { budget.recordRequest(now: -3) }
        #expect(retriesGranted(&budget, now: -2) == 4)
    }
}
