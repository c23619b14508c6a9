import PorticoUpstream
import Testing

@Suite struct HealthStateTests {
    /// Records `results` in order and returns the transitions reported.
    private func record(_ health: inout HealthState, _ results: [Bool]) -> [HealthState.Transition] {
        results.compactMap { health.record(passed: $0, detail: "check") }
    }

    @Test func startsUp() {
        let health = HealthState(rise: 2, fall: 3)
        #expect(health.isUp)
        #expect(health.streak == 0)
    }

    @Test func fewerThanFallFailuresKeepItUp() {
        var health = HealthState(rise: 2, fall: 3)
        #expect(record(&health, [false, false]).isEmpty)
        #expect(health.isUp)
    }

    @Test func fallFailuresInARowTakeItDown() {
        var health = HealthState(rise: 2, fall: 3)
        #expect(health.record(passed: false, detail: "timeout") == nil)
        #expect(health.record(passed: false, detail: "timeout") == nil)
        let transition = health.record(passed: false, detail: "status 503")
        #expect(transition?.isUp == false)
        #expect(transition?.reason == "3 check(s) in a row failed, last: status 503")
        #expect(!health.isUp)
    }

    @Test func passInBetweenResetsTheFailures() {
        var health = HealthState(rise: 2, fall: 3)
        #expect(record(&health, [false, false, true, false, false]).isEmpty)
        #expect(health.isUp)
        #expect(record(&health, [false]).map(\.isUp) == [false])
        #expect(!health.isUp)
    }

    @Test func risePassesBringItBack() {
        var health = HealthState(rise: 2, fall: 1)
        _ = record(&health, [false])
        #expect(!health.isUp)
        #expect(health.record(passed: true, detail: "200") == nil)
        #expect(!health.isUp)
        let transition = health.record(passed: true, detail: "200")
        #expect(transition?.isUp == true)
        #expect(transition?.reason == "2 check(s) in a row passed, last: 200")
        #expect(health.isUp)
    }

    @Test func failureInBetweenResetsThePasses() {
        var health = HealthState(rise: 3, fall: 1)
        _ = record(&health, [false])
        #expect(record(&health, [true, true, false, true, true]).isEmpty)
        #expect(!health.isUp)
        #expect(record(&health, [true]).map(\.isUp) == [true])
    }

    @Test func eachChangeIsReportedOnce() {
        var health = HealthState(rise: 2, fall: 2)
        let transitions = record(&health, [true, false, false, false, false, true, true, true, true])
        #expect(transitions.map(\.isUp) == [false, true])
    }

    @Test func startsDownWhenAsked() {
        var health = HealthState(rise: 2, fall: 3, startsUp: false)
        #expect(!health.isUp)
        #expect(record(&health, [false, false, false, false]).isEmpty)
        #expect(record(&health, [true, true]).map(\.isUp) == [true])
        #expect(health.isUp)
    }

    @Test func riseAndFallAreAtLeastOne() {
        var health = HealthState(rise: 0, fall: 0)
        #expect(health.rise == 1)
        #expect(health.fall == 1)
        #expect(record(&health, [false, true]).map(\.isUp) == [false, true])
    }
}
