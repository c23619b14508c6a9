import PorticoCache
import PorticoHTTP
import Testing

private func headers(_ pairs: [(String, String)]) -> HTTPHeaders {
    HTTPHeaders(pairs.map { HeaderField(name: $0.0, value: $0.1) })
}

private let responseTime = 1_700_000_000.0
private let now = responseTime + 100

private func date(_ offset: Double) -> String {
    HTTPDateParser.format(responseTime + offset)
}

private func evaluate(
    _ request: [(String, String)],
    stored: [(String, String)],
    method: String = "GET",
    status: Int = 200
) -> Conditional.Outcome {
    Conditional.evaluate(
        method: method, requestHeaders: headers(request), storedStatus: status, storedHeaders: headers(stored),
        responseTime: responseTime, now: now)
}

@Suite struct ConditionalTests {
    /// RFC 9110 §8.8.3.2's comparison table.
    @Test(arguments: [
        (#"W/"1""#, #"W/"1""#, false, true),
        (#"W/"1""#, #"W/"2""#, false, false),
        (#"W/"1""#, #""1""#, false, true),
        (#""1""#, #""1""#, true, true),
        (#""1""#, #""2""#, false, false),
        ("1", "1", false, false),  // Not entity-tags.
    ])
    func entityTagComparison(a: String, b: String, strong: Bool, weak: Bool) {
        #expect(Conditional.stronglyMatch(a, b) == strong)
        #expect(Conditional.weaklyMatch(a, b) == weak)
    }

    /// If-None-Match (RFC 9110 §13.1.2) with weak comparison: (If-None-Match, stored ETag, outcome).
    @Test(
        arguments: [
            (#""a""#, #""a""#, Conditional.Outcome.notModified),
            (#"W/"a""#, #""a""#, .notModified),
            (#""a""#, #"W/"a""#, .notModified),
            (#""b""#, #""a""#, .proceed),
            (#""b", "a""#, #""a""#, .notModified),
            (#""b",W/"a""#, #""a""#, .notModified),
            ("*", #""a""#, .notModified),
            ("*", nil, .notModified),
            (#""a""#, nil, .proceed),
            (#""a,b""#, #""a,b""#, .notModified),
            (#""a""#, #""a,b""#, .proceed),
            (#"garbage, "a""#, #""a""#, .notModified),
            ("garbage", #""a""#, .proceed),
            (#""A""#, #""a""#, .proceed),
        ] as [(String, String?, Conditional.Outcome)])
    func ifNoneMatch(ifNoneMatch: String, etag: String?, expected: Conditional.Outcome) {
        var stored = [("Date", date(0))]
        if let etag { stored.append(("ETag", etag)) }
        #expect(evaluate([("If-None-Match", ifNoneMatch)], stored: stored) == expected)
    }

    @Test func ifNoneMatchLinesCombine() {
        let request = [("If-None-Match", #""x""#), ("If-None-Match", #""a""#)]
        #expect(evaluate(request, stored: [("ETag", #""a""#)]) == .notModified)
    }

    @Test func ifNoneMatchOverridesIfModifiedSince() {
        let stored = [("ETag", #""a""#), ("Last-Modified", date(-3600))]
        #expect(evaluate([("If-None-Match", #""b""#), ("If-Modified-Since", date(0))], stored: stored) == .proceed)
        #expect(evaluate([("If-Modified-Since", date(0))], stored: stored) == .notModified)
    }

    /// If-Modified-Since (RFC 9110 §13.1.3): (If-Modified-Since lines, stored fields, outcome).
    @Test(
        arguments: [
            ([date(-100)], [("Last-Modified", date(-200))], Conditional.Outcome.notModified),
            ([date(-200)], [("Last-Modified", date(-200))], .notModified),
            ([date(-300)], [("Last-Modified", date(-200))], .proceed),
            (["not a date"], [("Last-Modified", date(-200))], .proceed),
            ([date(-100), date(-100)], [("Last-Modified", date(-200))], .proceed),
            ([date(-100) + ", " + date(-100)], [("Last-Modified", date(-200))], .proceed),
            // No Last-Modified: the stored Date stands in (RFC 9111 §4.3.2) ...
            ([date(-10)], [("Date", date(-20))], .notModified),
            ([date(-30)], [("Date", date(-20))], .proceed),
            // ... and without Date, the time the response was received.
            ([date(0)], [], .notModified),
            ([date(-1)], [], .proceed),
            // Obsolete formats are accepted.
            (["Sunday, 06-Nov-94 08:49:37 GMT"], [("Last-Modified", "Sun, 06 Nov 1994 08:49:37 GMT")], .notModified),
        ] as [([String], [(String, String)], Conditional.Outcome)])
    func ifModifiedSince(values: [String], stored: [(String, String)], expected: Conditional.Outcome) {
        #expect(evaluate(values.map { ("If-Modified-Since", $0) }, stored: stored) == expected)
    }

    @Test func preconditionsApplyOnlyToGetAndHeadOfSuccessfulResponses() {
        let stored = [("ETag", #""a""#)]
        #expect(evaluate([("If-None-Match", #""a""#)], stored: stored, method: "HEAD") == .notModified)
        #expect(evaluate([("If-None-Match", #""a""#)], stored: stored, method: "POST") == .proceed)
        #expect(evaluate([("If-None-Match", #""a""#)], stored: stored, status: 404) == .proceed)
        #expect(evaluate([("If-None-Match", #""a""#)], stored: stored, status: 301) == .proceed)
        #expect(evaluate([], stored: stored) == .proceed)
    }

    @Test func originPreconditionsAreForwarded() {
        let stored = [("ETag", #""a""#), ("Last-Modified", date(-100))]
        #expect(evaluate([("If-Match", #""a""#)], stored: stored) == .forward)
        #expect(evaluate([("If-Unmodified-Since", date(0))], stored: stored) == .forward)
        #expect(evaluate([("If-Match", "*"), ("If-None-Match", #""a""#)], stored: stored) == .forward)
    }

    @Test func notModifiedCarriesTheCacheRelevantFields() {
        let stored = headers([
            ("Date", date(0)), ("Content-Type", "text/html"), ("Content-Length", "10"), ("ETag", #""a""#),
            ("Cache-Control", "max-age=60"), ("Vary", "Accept-Encoding"), ("Last-Modified", date(-60)),
            ("Expires", date(60)), ("Content-Location", "/a.html"), ("Set-Cookie", "x=1"),
        ])
        #expect(
            Conditional.notModifiedHeaders(stored: stored).map(\.name) == [
                "Date", "ETag", "Cache-Control", "Vary", "Expires", "Content-Location",
            ])
        let withoutETag = headers([("Date", date(0)), ("Last-Modified", date(-60)), ("Content-Length", "10")])
        #expect(Conditional.notModifiedHeaders(stored: withoutETag).map(\.name) == ["Date", "Last-Modified"])
    }

    @Test func validationHeadersCarryTheStoredValidators() {
        let both = EntryPolicy(
            freshnessLifetime: 60, correctedInitialAge: 0, responseTime: 0, etag: #""v1""#,
            lastModified: "Sun, 06 Nov 1994 08:49:37 GMT")
        let fields = Conditional.validationHeaders(for: both)
        #expect(fields.map(\.name) == ["If-None-Match", "If-Modified-Since"])
        #expect(fields.map(\.value) == [#""v1""#, "Sun, 06 Nov 1994 08:49:37 GMT"])
        let none = EntryPolicy(freshnessLifetime: 60, correctedInitialAge: 0, responseTime: 0)
        #expect(Conditional.validationHeaders(for: none).isEmpty)

        let client = headers([
            ("Host", "example.com"), ("If-None-Match", #""client""#), ("If-Modified-Since", date(0)),
            ("Range", "bytes=5-"), ("If-Range", #""client""#), ("Accept", "*/*"),
        ])
        let revalidation = Conditional.revalidationRequestHeaders(client, for: both)
        // The client's If-Range stays with its Range: a changed representation comes back whole.
        #expect(
            revalidation.fields == [
                HeaderField(name: "Host", value: "example.com"), HeaderField(name: "Range", value: "bytes=5-"),
                HeaderField(name: "If-Range", value: #""client""#), HeaderField(name: "Accept", value: "*/*"),
                HeaderField(name: "If-None-Match", value: #""v1""#),
                HeaderField(name: "If-Modified-Since", value: "Sun, 06 Nov 1994 08:49:37 GMT"),
            ])
    }

    /// RFC 9111 §4.3.4: (304 fields, stored fields, does the 304 apply?)
    @Test(
        arguments: [
            ([("ETag", #""a""#)], [("ETag", #""a""#)], true),
            ([("ETag", #""a""#)], [("ETag", #"W/"a""#)], false),
            ([("ETag", #"W/"a""#)], [("ETag", #""a""#)], true),
            ([("ETag", #"W/"a""#)], [("ETag", #"W/"a""#)], true),
            ([("ETag", #""b""#)], [("ETag", #""a""#)], false),
            ([("ETag", #""a""#)], [], false),
            ([("ETag", "bad")], [("ETag", #""a""#)], false),
            ([("Last-Modified", date(0))], [("Last-Modified", date(0))], true),
            ([("Last-Modified", date(0))], [("Last-Modified", date(-1))], false),
            ([], [("ETag", #""a""#)], true),
            ([], [], true),
        ] as [([(String, String)], [(String, String)], Bool)])
    func notModifiedSelectsTheStoredResponse(received: [(String, String)], stored: [(String, String)], expected: Bool) {
        #expect(Conditional.validates(notModified: headers(received), stored: headers(stored)) == expected)
    }

    @Test func updateReplacesFieldsButKeepsContentLengthAndSkipsHopByHop() {
        let stored = headers([
            ("Date", date(-100)), ("Cache-Control", "max-age=60"), ("ETag", #""a""#), ("Content-Length", "10"),
            ("Age", "30"), ("X-Keep", "1"), ("Set-Cookie", "a=1"), ("Set-Cookie", "b=2"),
        ])
        let notModified = headers([
            ("Date", date(0)), ("cache-control", "max-age=120"), ("ETag", #""a""#), ("Content-Length", "0"),
            ("Connection", "X-Hop"), ("X-Hop", "1"), ("Keep-Alive", "timeout=5"), ("Set-Cookie", "c=3"),
            ("Proxy-Authenticate", "Basic"),
        ])
        let updated = Conditional.updatedHeaders(stored: stored, with304: notModified, responseTime: responseTime)
        #expect(
            updated.fields == [
                HeaderField(name: "Content-Length", value: "10"), HeaderField(name: "X-Keep", value: "1"),
                HeaderField(name: "Date", value: date(0)), HeaderField(name: "cache-control", value: "max-age=120"),
                HeaderField(name: "ETag", value: #""a""#), HeaderField(name: "Set-Cookie", value: "c=3"),
            ])
    }

    @Test func updateKeepsAgeOnlyFromThe304AndDatesItIfNeeded() {
        let stored = headers([("Date", date(-100)), ("Age", "30"), ("ETag", #""a""#)])
        let withAge = Conditional.updatedHeaders(
            stored: stored, with304: headers([("Date", date(0)), ("Age", "3")]), responseTime: responseTime)
        #expect(withAge.values("Age") == ["3"])
        let bare = Conditional.updatedHeaders(stored: stored, with304: headers([]), responseTime: responseTime)
        #expect(bare.values("Age").isEmpty)
        #expect(bare.values("Date") == [date(0)])
        #expect(bare.values("ETag") == [#""a""#])

        // The refreshed policy is as young as the 304.
        let policy = Freshness.policy(
            requestTime: responseTime, responseTime: responseTime, status: 200, responseHeaders: bare)
        #expect(policy.correctedInitialAge == 0)
    }
}
