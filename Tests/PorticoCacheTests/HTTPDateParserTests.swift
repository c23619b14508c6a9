import PorticoCache
import Testing

@Suite struct HTTPDateParserTests {
    /// 2026-01-01T00:00:00Z, the present for two-digit years.
    private static let now2026 = 1_767_225_600.0

    /// RFC 9110 §5.6.7's example instant in each of the three formats.
    @Test(arguments: [
        "Sun, 06 Nov 1994 08:49:37 GMT",
        "Sunday, 06-Nov-94 08:49:37 GMT",
        "Sun Nov  6 08:49:37 1994",
        "Sun Nov 06 08:49:37 1994",
        " Sun, 06 Nov 1994 08:49:37 GMT ",
    ])
    func parsesAllThreeFormats(value: String) {
        #expect(HTTPDateParser.parse(value, now: Self.now2026) == 784_111_777)
    }

    @Test(arguments: [
        "",
        "0",
        "-1",
        "784111777",
        "Sun, 06 Nov 1994 08:49:37 UTC",
        "Sun, 06 Nov 1994 08:49:37 +0000",
        "Sun, 6 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 94 08:49:37 GMT",
        "Sun,  06 Nov 1994 08:49:37 GMT",
        "Sun, 31 Nov 1994 08:49:37 GMT",
        "Sun, 29 Feb 1900 08:49:37 GMT",
        "Sun, 00 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 24:00:00 GMT",
        "Sun, 06 Nov 1994 08:60:00 GMT",
        "Sun, 06 Nov 1994 08:49:61 GMT",
        "Sun, 06 Nov 1994 8:49:37 GMT",
        "Sun, 06 Nov 1994 08:49:37 GMT, Mon, 07 Nov 1994 08:49:37 GMT",
        "Xyz, 06 Nov 1994 08:49:37 GMT",
        "Funday, 06-Nov-94 08:49:37 GMT",
        "Sunday, 06-Nov-1994 08:49:37 GMT",
        "Sunday, 06 Nov 94 08:49:37 GMT",
        "Sun Nov 6 08:49:37 1994",
        "Sun Nov  6 08:49:37 94",
        "Sun Nov  6 08:49:37 1994 GMT",
    ])
    func rejectsInvalidDates(value: String) {
        #expect(HTTPDateParser.parse(value, now: Self.now2026) == nil)
    }

    /// RFC 9111 §4.2: a cache recipient SHOULD match dates case-insensitively, though the grammar
    /// is case-sensitive (servers do send `THU` and `gmt`).
    @Test(arguments: [
        "sun, 06 Nov 1994 08:49:37 GMT",
        "SUN, 06 NOV 1994 08:49:37 gmt",
        "Sun, 06 nov 1994 08:49:37 gMT",
        "SUNDAY, 06-nov-94 08:49:37 Gmt",
        "sun nov  6 08:49:37 1994",
    ])
    func namesMatchInAnyCase(value: String) {
        #expect(HTTPDateParser.parse(value, now: Self.now2026) == 784_111_777)
    }

    @Test func acceptsLeapDaysAndLeapSeconds() {
        #expect(HTTPDateParser.parse("Thu, 29 Feb 2024 00:00:00 GMT", now: 0) == 1_709_164_800)
        #expect(HTTPDateParser.parse("Tue, 29 Feb 2000 00:00:00 GMT", now: 0) == 951_782_400)
        #expect(HTTPDateParser.parse("Sat, 31 Dec 2016 23:59:60 GMT", now: 0) == 1_483_228_800)
    }

    /// RFC 9110 §5.6.7: a two-digit year more than 50 years in the future is in the past.
    @Test(arguments: [
        (94, 2026, 1994),
        (26, 2026, 2026),
        (76, 2026, 2076),
        (77, 2026, 1977),
        (70, 1994, 1970),
        (44, 1994, 2044),
        (45, 1994, 1945),
        (1, 2099, 2101),
    ])
    func resolvesTwoDigitYears(twoDigits: Int, currentYear: Int, expected: Int) throws {
        // The parser checks that a day name is one, not that it is the right one.
        let now = try #require(HTTPDateParser.parse("Fri, 01 Jan \(currentYear) 00:00:00 GMT", now: 0))
        let value = "Sunday, 01-Jan-\(twoDigits < 10 ? "0" : "")\(twoDigits) 00:00:00 GMT"
        let expectedInstant = HTTPDateParser.parse("Mon, 01 Jan \(expected) 00:00:00 GMT", now: 0)
        #expect(HTTPDateParser.parse(value, now: now) == expectedInstant)
    }

    /// Fifty years are counted on the instant, not the calendar year: on 4 Dec 2026, 24 Dec 2076
    /// is more than 50 years ahead, so `24-Dec-76` is 1976.
    @Test func fiftyYearsAreCountedToTheDay() throws {
        let now = try #require(HTTPDateParser.parse("Fri, 04 Dec 2026 12:00:00 GMT", now: 0))
        let expected = HTTPDateParser.parse("Fri, 24 Dec 1976 01:44:17 GMT", now: 0)
        #expect(HTTPDateParser.parse("Thursday, 24-Dec-76 01:44:17 GMT", now: now) == expected)
        let within = HTTPDateParser.parse("Sun, 01 Nov 2076 00:00:00 GMT", now: 0)
        #expect(HTTPDateParser.parse("Sunday, 01-Nov-76 00:00:00 GMT", now: now) == within)
    }

    @Test(arguments: [
        (784_111_777.0, "Sun, 06 Nov 1994 08:49:37 GMT"),
        (784_111_777.9, "Sun, 06 Nov 1994 08:49:37 GMT"),
        (0, "Thu, 01 Jan 1970 00:00:00 GMT"),
        (-1, "Wed, 31 Dec 1969 23:59:59 GMT"),
        (1_709_164_800, "Thu, 29 Feb 2024 00:00:00 GMT"),
        (253_402_300_799, "Fri, 31 Dec 9999 23:59:59 GMT"),
    ])
    func formatsIMFFixdate(seconds: Double, expected: String) {
        #expect(HTTPDateParser.format(seconds) == expected)
    }

    @Test func formatAndParseRoundTrip() {
        for seconds in stride(from: -2_000_000_000.0, through: 4_000_000_000, by: 86_399 * 37 + 0.5) {
            let whole = seconds.rounded(.down)
            #expect(HTTPDateParser.parse(HTTPDateParser.format(seconds), now: 0) == whole)
        }
    }
}
