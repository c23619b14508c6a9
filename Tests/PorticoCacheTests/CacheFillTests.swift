import PorticoCache
import PorticoHTTP
import Testing

@Suite struct CacheFillTests {
    private func response(_ fields: [(String, String)], length: Int64? = nil) -> ResponseHead {
        var headers = HTTPHeaders()
        for (name, value) in fields { headers.add(name, value) }
        var head = ResponseHead(version: .http11, status: 200, reason: "OK", headers: headers)
        if let length { head.framing = .length(length) }
        return head
    }

    private func fill(_ head: ResponseHead, request: [(String, String)] = [], maxObject: Int = 1024) -> CacheFill {
        var headers = HTTPHeaders()
        for (name, value) in request { headers.add(name, value) }
        return CacheFill(
            key: Fixtures.key("/a"), requestHeaders: headers, response: head, requestTime: 1000, responseTime: 1001,
            maxObject: maxObject)
    }

    private func append(_ text: String, to fill: CacheFill) {
        Array(text.utf8).withUnsafeBytes { fill.append($0) }
    }

    @Test func wholeBodyBecomesAnEntryServedWithContentLengthAndVia() throws {
        let head = response([("Cache-Control", "max-age=60"), ("Transfer-Encoding", "chunked"), ("Age", "5")])
        let fill = fill(head)
        append("hello ", to: fill)
        append("world", to: fill)
        let entry = try #require(fill.finish(via: "1.1 portico"))
        #expect(Array(entry.body.bytes) == Array("hello world".utf8))
        let text = String(decoding: entry.head.bytes, as: UTF8.self)
        #expect(text.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(text.contains("Content-Length: 11\r\n"))
        #expect(text.contains("Via: 1.1 portico\r\n"))
        #expect(!text.contains("Transfer-Encoding"), "framing is restated, never stored")
        #expect(!text.contains("Age:"), "each response gets its own Age")
        #expect(!text.hasSuffix("\r\n\r\n"))
        // Age 5 on arrival: the corrected initial age counts it (RFC 9111 §4.2.3).
        #expect(entry.policy.currentAge(at: 1001) >= 5)
        #expect(entry.policy.freshnessLifetime == 60)
    }

    @Test func bodyOverMaxObjectGivesUp() {
        let fill = fill(response([("Cache-Control", "max-age=60")]), maxObject: 8)
        append("12345", to: fill)
        #expect(fill.isActive)
        append("6789", to: fill)
        #expect(!fill.isActive)
        append("x", to: fill)
        #expect(fill.finish(via: "1.1 portico") == nil)
    }

    @Test func varyValuesComeFromTheRequest() throws {
        let head = response([("Cache-Control", "max-age=60"), ("Vary", "Accept-Language")])
        let entry = try #require(fill(head, request: [("Accept-Language", "fr")]).finish(via: "1.1 portico"))
        #expect(entry.varyNames == ["accept-language"])
        #expect(entry.variant == ["fr"])
    }

    private func revalidate(_ stale: CacheEntry, _ fields: [(String, String)], request: [(String, String)] = [])
        -> CacheFill.Revalidation
    {
        var update = HTTPHeaders()
        for (name, value) in fields { update.add(name, value) }
        var requestHeaders = HTTPHeaders()
        for (name, value) in request { requestHeaders.add(name, value) }
        return CacheFill.revalidated(
            stale, with304: update, requestHeaders: requestHeaders, requestTime: 2000, responseTime: 2000,
            via: "1.1 portico")
    }

    private func storedEntry(_ fields: [(String, String)]) throws -> CacheEntry {
        let fill = fill(response(fields))
        append("body", to: fill)
        return try #require(fill.finish(via: "1.1 portico"))
    }

    @Test func a304RefreshesHeadersAndKeepsTheBodyObject() throws {
        let stale = try storedEntry([("Cache-Control", "max-age=1"), ("ETag", "\"v1\""), ("X-Version", "1")])
        guard
            case .store(let fresh) = revalidate(
                stale, [("ETag", "\"v1\""), ("Cache-Control", "max-age=100"), ("X-Version", "2")])
        else {
            Issue.record("a validating 304 refreshes the entry")
            return
        }
        #expect(fresh.body === stale.body)
        #expect(fresh.headers["X-Version"] == "2")
        #expect(fresh.policy.freshnessLifetime == 100)
        #expect(String(decoding: fresh.head.bytes, as: UTF8.self).hasPrefix("HTTP/1.1 200 OK\r\n"))
        guard case .mismatch = revalidate(stale, [("ETag", "\"v2\"")]) else {
            Issue.record("a 304 for another representation does not apply")
            return
        }
    }

    private func headAnswer(_ stored: CacheEntry, _ fields: [(String, String)]) -> CacheFill.Revalidation {
        var headers = HTTPHeaders()
        for (name, value) in fields { headers.add(name, value) }
        return CacheFill.updatedByHead(
            stored, with: headers, requestHeaders: HTTPHeaders(), requestTime: 2000, responseTime: 2000,
            via: "1.1 portico")
    }

    /// RFC 9111 §4.3.5: a 200 to HEAD with the stored validators and length freshens the stored
    /// GET response (fields merged, body kept); one that differs in any of them does not apply.
    @Test func headAnswerFreshensTheStoredResponseOnlyWhenItMatches() throws {
        let stored = try storedEntry([
            ("Cache-Control", "max-age=1"), ("ETag", "\"v1\""), ("Last-Modified", "Sun, 06 Nov 1994 08:49:37 GMT"),
            ("X-Version", "1"),
        ])
        guard
            case .store(let fresh) = headAnswer(
                stored,
                [("Cache-Control", "max-age=100"), ("ETag", "\"v1\""), ("Content-Length", "4"), ("X-Version", "2")])
        else {
            Issue.record("a matching HEAD answer freshens the entry")
            return
        }
        #expect(fresh.body === stored.body)
        #expect(fresh.headers["X-Version"] == "2")
        #expect(fresh.policy.freshnessLifetime == 100)
        guard case .store = headAnswer(stored, [("Cache-Control", "max-age=100")]) else {
            Issue.record("an answer without validators or length has nothing that differs (§4.3.5)")
            return
        }
        for different in [
            [("ETag", "\"v2\"")], [("Last-Modified", "Mon, 07 Nov 1994 08:49:37 GMT")], [("Content-Length", "5")],
        ] {
            guard case .mismatch = headAnswer(stored, [("Cache-Control", "max-age=100")] + different) else {
                Issue.record("\(different) shows another representation")
                continue
            }
        }
    }

    /// A 200 to HEAD where a 404 was stored shows the stored response out of date, however well
    /// the fields match: its fields must not make the 404 fresh.
    @Test func headAnswerNeverFreshensAStoredNon200() throws {
        let fill = CacheFill(
            key: Fixtures.key("/gone"), requestHeaders: HTTPHeaders(),
            response: ResponseHead(
                version: .http11, status: 404, reason: "Not Found",
                headers: HTTPHeaders([HeaderField(name: "Cache-Control", value: "max-age=1")])),
            requestTime: 1000, responseTime: 1001, maxObject: 1024)
        append("body", to: fill)
        let stored = try #require(fill.finish(via: "1.1 portico"))
        guard case .mismatch = headAnswer(stored, [("Cache-Control", "max-age=600"), ("Content-Length", "4")]) else {
            Issue.record("a stored 404 must not take a 200's freshness")
            return
        }
    }

    /// RFC 9111 §4.3.4 then §3: the merged fields decide whether the entry may stay.
    @Test(arguments: [
        ([("Cache-Control", "private, max-age=100")], true),
        ([("Cache-Control", "no-store")], true),
        ([("Vary", "*")], true),
        ([("Vary", "Accept-Language")], true),
    ])
    func a304ThatForbidsStoringIsServedOnceAndDropsTheEntry(_ fields: [(String, String)], _ drops: Bool) throws {
        let stale = try storedEntry([("Cache-Control", "max-age=1"), ("ETag", "\"v1\"")])
        guard case .serveOnly(let entry, let dropStale) = revalidate(stale, [("ETag", "\"v1\"")] + fields) else {
            Issue.record("\(fields) must not be stored")
            return
        }
        #expect(entry.body === stale.body)
        #expect(dropStale == drops)
    }

    @Test func a304ToARequestWithNoStoreIsServedButLeavesTheEntry() throws {
        let stale = try storedEntry([("Cache-Control", "max-age=1"), ("ETag", "\"v1\"")])
        guard
            case .serveOnly(_, let dropStale) = revalidate(
                stale, [("ETag", "\"v1\"")], request: [("Cache-Control", "no-store")])
        else {
            Issue.record("a request's no-store keeps the refresh out of the store")
            return
        }
        #expect(!dropStale)
    }

    /// RFC 9110 §8.6: a 204 never carries Content-Length, from the cache either.
    @Test func stored204HasNoContentLength() throws {
        var head = response([("Cache-Control", "max-age=60")])
        head.status = 204
        head.reason = "No Content"
        let entry = try #require(fill(head).finish(via: "1.1 portico"))
        let text = String(decoding: entry.head.bytes, as: UTF8.self)
        #expect(text.hasPrefix("HTTP/1.1 204 No Content\r\n"))
        #expect(!text.lowercased().contains("content-length"))
    }
}
