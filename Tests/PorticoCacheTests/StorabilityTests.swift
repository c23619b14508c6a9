import PorticoCache
import PorticoHTTP
import Testing

private func headers(_ pairs: [(String, String)]) -> HTTPHeaders {
    HTTPHeaders(pairs.map { HeaderField(name: $0.0, value: $0.1) })
}

private let maxAge = [("Cache-Control", "max-age=60")]

@Suite struct StorabilityTests {
    /// RFC 9111 §3 for a shared cache: (method, request fields, status, response fields, decision).
    @Test(
        arguments: [
            ("GET", [], 200, maxAge, StoreDecision.store),
            ("GET", [], 200, [], .store),  // Heuristically cacheable.
            ("HEAD", [], 200, maxAge, .doNotStore(.method)),
            ("POST", [], 200, maxAge, .doNotStore(.method)),
            ("get", [], 200, maxAge, .doNotStore(.method)),  // Methods are case-sensitive.
            ("GET", [], 100, maxAge, .doNotStore(.status)),
            ("GET", [], 206, maxAge, .doNotStore(.status)),
            ("GET", [], 304, maxAge, .doNotStore(.status)),
            ("GET", [], 299, maxAge, .doNotStore(.status)),
            ("GET", [], 599, maxAge, .doNotStore(.status)),
            ("GET", [], 203, [], .store),
            ("GET", [], 204, [], .store),
            ("GET", [], 300, [], .store),
            ("GET", [], 301, [], .store),
            ("GET", [], 308, [], .store),
            ("GET", [], 404, [], .store),
            ("GET", [], 405, [], .store),
            ("GET", [], 410, [], .store),
            ("GET", [], 414, [], .store),
            ("GET", [], 501, [], .store),
            ("GET", [], 302, [], .doNotStore(.noFreshness)),
            ("GET", [], 307, [], .doNotStore(.noFreshness)),
            ("GET", [], 500, [], .doNotStore(.noFreshness)),
            ("GET", [], 201, [], .doNotStore(.noFreshness)),
            ("GET", [("If-Match", #""v1""#)], 412, maxAge, .doNotStore(.conditional)),  // §4.3.2
            ("GET", [("Range", "bytes=500-")], 416, maxAge, .doNotStore(.conditional)),
            ("GET", [("If-Match", #""v1""#)], 200, maxAge, .store),  // The whole representation.
            ("GET", [], 302, maxAge, .store),
            ("GET", [], 307, [("Expires", "Thu, 01 Jan 2099 00:00:00 GMT")], .store),
            ("GET", [], 503, [("Cache-Control", "s-maxage=5")], .store),
            ("GET", [], 302, [("Cache-Control", "public")], .store),
            ("GET", [], 302, [("Cache-Control", "max-age=abc")], .store),  // Stored, but stale.
            ("GET", [], 302, [("Expires", "0")], .store),  // Likewise.
            ("GET", [], 200, [("Cache-Control", "no-store, max-age=60")], .doNotStore(.noStore)),
            ("GET", [], 200, [("Cache-Control", "NO-STORE")], .doNotStore(.noStore)),
            ("GET", [], 200, [("Cache-Control", "max-age=60"), ("Cache-Control", "no-store")], .doNotStore(.noStore)),
            ("GET", [], 200, [("Cache-Control", "must-understand, no-store, max-age=60")], .store),
            ("GET", [], 299, [("Cache-Control", "must-understand, no-store, max-age=60")], .doNotStore(.status)),
            ("GET", [], 200, [("Cache-Control", "private, max-age=60")], .doNotStore(.private)),
            ("GET", [], 200, [("Cache-Control", #"private="Set-Cookie", max-age=60"#)], .doNotStore(.private)),
            ("GET", [], 200, [("Cache-Control", "no-cache, max-age=60")], .store),  // Stored; always revalidated.
            ("GET", [("Cache-Control", "no-store")], 200, maxAge, .doNotStore(.requestNoStore)),
            ("GET", [("Cache-Control", "no-cache")], 200, maxAge, .store),
            ("GET", [("Pragma", "no-cache")], 200, maxAge, .store),
            ("GET", [("Authorization", "Bearer x")], 200, maxAge, .doNotStore(.authorization)),
            ("GET", [("Authorization", "Bearer x")], 200, [], .doNotStore(.authorization)),
            ("GET", [("Authorization", "Bearer x")], 200, [("Cache-Control", "public")], .store),
            ("GET", [("Authorization", "Bearer x")], 200, [("Cache-Control", "s-maxage=60")], .store),
            ("GET", [("Authorization", "Bearer x")], 200, [("Cache-Control", "must-revalidate, max-age=60")], .store),
            ("GET", [], 200, [("Cache-Control", "max-age=60"), ("Vary", "*")], .doNotStore(.varyStar)),
            ("GET", [], 200, [("Cache-Control", "max-age=60"), ("Vary", "Accept, *")], .doNotStore(.varyStar)),
            ("GET", [], 200, [("Cache-Control", "max-age=60"), ("Vary", "Accept-Encoding")], .store),
            ("GET", [], 200, [("Set-Cookie", "id=1")], .doNotStore(.setCookie)),
            ("GET", [], 200, [("Set-Cookie", "id=1"), ("Cache-Control", "max-age=60")], .store),
            ("GET", [], 200, [("Set-Cookie", "id=1"), ("Expires", "Thu, 01 Jan 2099 00:00:00 GMT")], .store),
        ] as [(String, [(String, String)], Int, [(String, String)], StoreDecision)])
    func decision(
        method: String,
        request: [(String, String)],
        status: Int,
        response: [(String, String)],
        expected: StoreDecision
    ) {
        let decision = Storability.decide(
            method: method, requestHeaders: headers(request), status: status, responseHeaders: headers(response))
        #expect(decision == expected)
    }

    @Test func reasonsHaveCacheStatusTokens() {
        #expect(
            NotStoredReason.allCases.map(\.token) == [
                "method", "status", "conditional", "request-no-store", "no-store", "private", "authorization",
                "vary-star",
                "no-freshness", "set-cookie",
            ])
    }

    @Test func storedHeadersDropHopByHopAndProxyFieldsAndAddDate() {
        let received = headers([
            ("Connection", "X-Trace"), ("X-Trace", "1"), ("Keep-Alive", "timeout=5"),
            ("Transfer-Encoding", "chunked"), ("Proxy-Authenticate", "Basic"), ("Cache-Control", "max-age=60"),
            ("Set-Cookie", "a=1"), ("Set-Cookie", "b=2"),
        ])
        let stored = Storability.storedHeaders(received, responseTime: 784_111_777)
        #expect(
            stored.fields == [
                HeaderField(name: "Cache-Control", value: "max-age=60"),
                HeaderField(name: "Set-Cookie", value: "a=1"),
                HeaderField(name: "Set-Cookie", value: "b=2"),
                HeaderField(name: "Date", value: "Sun, 06 Nov 1994 08:49:37 GMT"),
            ])
        let dated = Storability.storedHeaders(headers([("Date", "Mon, 07 Nov 1994 00:00:00 GMT")]), responseTime: 0)
        #expect(dated.values("Date") == ["Mon, 07 Nov 1994 00:00:00 GMT"])
    }
}
