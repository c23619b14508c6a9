import Testing

@testable import PorticoConfig

@Suite struct DurationValueTests {
    @Test(
        arguments: [
            ("250ms", .milliseconds(250)), ("10s", .seconds(10)), ("5m", .seconds(300)), ("1h", .seconds(3600)),
            ("0", .zero), ("000", .zero), ("0s", .zero), ("10S", .seconds(10)), ("2MS", .milliseconds(2)),
        ] as [(String, Duration)])
    func parsesUnits(text: String, duration: Duration) throws {
        #expect(try DurationValue.parse(text) == duration)
    }

    @Test(arguments: ["10", "1", "250"])
    func requiresAUnitExceptForZero(text: String) {
        #expect(throws: DurationValue.Failure.missingUnit) { try DurationValue.parse(text) }
    }

    @Test(arguments: ["", "s", "ten", "1.5s", "10 s", "10sec", "1d", "-1s", "1m30s"])
    func refusesMalformedDurations(text: String) {
        #expect(throws: DurationValue.Failure.malformed) { try DurationValue.parse(text) }
    }

    @Test(arguments: ["9223372036854775807h", "99999999999999999999ms", "2562047788016h"])
    func refusesOverflow(text: String) {
        #expect(throws: DurationValue.Failure.tooLarge) { try DurationValue.parse(text) }
    }

    @Test(
        arguments: [
            (.zero, "0s"), (.milliseconds(250), "250ms"), (.milliseconds(1500), "1500ms"), (.seconds(90), "90s"),
            (.seconds(300), "5m"), (.seconds(7200), "2h"), (.seconds(86400), "24h"),
        ] as [(Duration, String)])
    func formatsWithTheLargestExactUnit(duration: Duration, text: String) {
        #expect(DurationValue.format(duration) == text)
    }
}
