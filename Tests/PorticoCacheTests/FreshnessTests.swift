import PorticoCache
import PorticoHTTP
import Testing

/// A response_time used throughout: 2023-11-14T22:13:20Z.
private let responseTime = 1_700_000_000.0

private func date(_ offset: Double) -> String {
    HTTPDateParser.format(responseTime + offset)
}

private func headers(_ pairs: [(String, String)]) -> HTTPHeaders {
    HTTPHeaders(pairs.map { HeaderField(name: $0.0, value: $0.1) })
}

@Suite struct FreshnessTests {
    /// RFC 9111 §4.2.3 worked example: Date 10 s before response_time, Age 5, request sent 2 s
    /// before the response ⇒ corrected_initial_age = max(10, 5 + 2) = 10.
    @Test func correctedInitialAgeTakesTheLargerEstimate() {
        let policy = Freshness.policy(
            requestTime: responseTime - 2, responseTime: responseTime, status: 200,
            responseHeaders: headers([("Date", date(-10)), ("Age", "5"), ("Cache-Control", "max-age=60")]))
        #expect(policy.correctedInitialAge == 10)
        #expect(policy.freshnessLifetime == 60)
        // At response_time + 51 the current age is 61: stale by 1 s.
        #expect(policy.currentAge(at: responseTime + 51) == 61)
        #expect(policy.remainingFreshness(at: responseTime + 51) == -1)
        #expect(!policy.isFresh(at: responseTime + 51))
        #expect(policy.isFresh(at: responseTime + 49))
    }

    @Test(arguments: [
        // (Date offset, Age, request_time offset, expected corrected_initial_age)
        (-10.0, "5", -2.0, 10.0),
        (0, "30", -2, 32),  // The Age chain dominates.
        (5, "", -1, 1),  // Date in the future: apparent_age 0; no Age: response_delay only.
        (-3, "abc", 0, 3),  // An invalid Age is ignored.
        (0, "7, 12", 0, 7),  // The first Age counts.
        (0, "-4", 0, 0),
        (0, "99999999999", 0, 2_147_483_648),  // delta-seconds overflow (§1.2.2).
    ])
    func correctedInitialAge(dateOffset: Double, age: String, requestOffset: Double, expected: Double) {
        var fields = [("Date", date(dateOffset))]
        if !age.isEmpty { fields.append(("Age", age)) }
        let value = Freshness.correctedInitialAge(
            requestTime: responseTime + requestOffset, responseTime: responseTime, headers: headers(fields))
        #expect(value == expected)
    }

    @Test func missingOrInvalidDateMeansReceivedNow() {
        #expect(Freshness.dateValue(headers([]), responseTime: responseTime) == responseTime)
        #expect(Freshness.dateValue(headers([("Date", "yesterday")]), responseTime: responseTime) == responseTime)
        let age = Freshness.correctedInitialAge(
            requestTime: responseTime - 1, responseTime: responseTime, headers: headers([("Age", "4")]))
        #expect(age == 5)
    }

    /// RFC 9111 §4.2.1 precedence and §4.2.2 heuristics.
    @Test(arguments: [
        // (status, fields, expected lifetime, heuristic)
        (200, [("Cache-Control", "max-age=60, s-maxage=120")], 120.0, false),
        (200, [("Cache-Control", "s-maxage=120"), ("Expires", date(10))], 120, false),
        (200, [("Cache-Control", "max-age=60"), ("Date", date(0)), ("Expires", date(3600))], 60, false),
        (200, [("Date", date(-10)), ("Expires", date(90))], 100, false),
        (200, [("Expires", date(90))], 90, false),  // No Date: Expires − response_time.
        (200, [("Date", date(0)), ("Expires", "0")], 0, false),  // Invalid Expires: stale.
        (200, [("Date", date(0)), ("Expires", date(-50))], 0, false),
        (200, [("Date", date(0)), ("Expires", date(60)), ("Expires", date(120))], 0, false),
        (200, [("Date", date(0)), ("Expires", date(60)), ("Expires", date(60))], 60, false),
        (200, [("Cache-Control", "max-age=abc"), ("Expires", date(600))], 0, false),
        (200, [("Cache-Control", "s-maxage=-1, max-age=60")], 0, false),
        // Heuristic: 10% of Date − Last-Modified, capped at one day.
        (200, [("Date", date(0)), ("Last-Modified", date(-7200))], 720, true),
        (200, [("Date", date(0)), ("Last-Modified", date(-10 * 86_400))], 86_400, true),
        (404, [("Last-Modified", date(-1000))], 100, true),  // No Date: response_time.
        (200, [("Date", date(0)), ("Last-Modified", date(60))], 0, true),  // In the future.
        (200, [("Date", date(0))], 0, false),  // Nothing to go on.
        (200, [("Date", date(0)), ("Last-Modified", "last week")], 0, false),
        (302, [("Date", date(0)), ("Last-Modified", date(-7200))], 0, false),  // Not heuristically cacheable.
        (302, [("Cache-Control", "public"), ("Date", date(0)), ("Last-Modified", date(-7200))], 720, true),
    ])
    func freshnessLifetime(status: Int, fields: [(String, String)], expected: Double, heuristic: Bool) {
        let policy = Freshness.policy(
            requestTime: responseTime, responseTime: responseTime, status: status, responseHeaders: headers(fields))
        #expect(policy.freshnessLifetime == expected)
        #expect(policy.isHeuristic == heuristic)
    }

    @Test(arguments: [
        ("must-revalidate, max-age=60", true),
        ("proxy-revalidate, max-age=60", true),
        ("s-maxage=60", true),
        ("max-age=60", false),
        ("public, max-age=60, stale-while-revalidate=30", false),
    ])
    func mustRevalidateIncludesProxyRevalidateAndSMaxAge(cacheControl: String, expected: Bool) {
        let policy = Freshness.policy(
            requestTime: responseTime, responseTime: responseTime, status: 200,
            responseHeaders: headers([("Cache-Control", cacheControl)]))
        #expect(policy.mustRevalidate == expected)
    }

    @Test func carriesDirectivesAndValidators() {
        let lastModified = date(-3600)
        let policy = Freshness.policy(
            requestTime: responseTime, responseTime: responseTime, status: 200,
            responseHeaders: headers([
                ("Cache-Control", #"max-age=60, no-cache="Set-Cookie", stale-while-revalidate=30, stale-if-error=300"#),
                ("ETag", #"W/"v1""#), ("Last-Modified", lastModified),
            ]))
        #expect(policy.noCache)
        #expect(policy.staleWhileRevalidate == 30)
        #expect(policy.staleIfError == 300)
        #expect(policy.etag == #"W/"v1""#)
        #expect(policy.lastModified == lastModified)
        #expect(policy.responseTime == responseTime)
        #expect(policy.hasValidator)
    }

    @Test func dropsMalformedValidators() {
        let policy = Freshness.policy(
            requestTime: responseTime, responseTime: responseTime, status: 200,
            responseHeaders: headers([("ETag", "v1"), ("Last-Modified", "recently")]))
        #expect(policy.etag == nil)
        #expect(policy.lastModified == nil)
        #expect(!policy.hasValidator)
    }

    /// RFC 9111 §5.1 and the cache-tests suite's age-parse cases: the first value counts, an
    /// invalid one is ignored.
    @Test(arguments: [
        ([("Age", "30")], 30),
        ([("Age", "0, 7200")], 0),
        ([("Age", "7200, 0")], 7200),
        ([("Age", "0"), ("Age", "7200")], 0),
        ([("Age", "7200"), ("Age", "0")], 7200),
        ([("Age", "abc")], 0),
        ([("Age", "-7200")], 0),
        ([("Age", "7200.0")], 0),
        ([("Age", "0010")], 10),
        ([("Age", "99999999999")], 2_147_483_648),
        ([], 0),
    ])
    func ageValueIsTheFirstValidValue(_ fields: [(String, String)], _ expected: Int) {
        #expect(Freshness.ageValue(headers(fields)) == expected)
    }
}
