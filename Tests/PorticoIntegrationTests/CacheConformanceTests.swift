import Foundation
import Testing

/// Cases an RFC 9111 conformance probe found wrong, through the binary: what one request's
/// preconditions or range bring back must not answer everyone, a 304 that changes the rules is
/// obeyed, a revalidated range request never mixes versions, and every response from a caching
/// proxy says what the cache did.
@Suite("Cache conformance", .timeLimit(.minutes(2)))
struct CacheConformanceTests {
    typealias Cache = CacheTests

    /// An origin whose resource has `etag` and `body` and a one-hour lifetime; it answers a failing
    /// `If-Match` with a cacheable 412 and `Range: bytes=N-` past the end with a cacheable 416.
    static func preconditionOrigin(etag: String, body: String) throws -> ScriptedOrigin {
        try ScriptedOrigin { request, connection in
            let cacheable = [("Cache-Control", "max-age=3600"), ("ETag", etag)]
            if let ifMatch = request.header("If-Match"), ifMatch != etag {
                try connection.respond(status: 412, headers: cacheable, body: "precondition failed")
            } else if let range = request.header("Range"), range == "bytes=5000-" {
                try connection.respond(
                    status: 416, headers: cacheable + [("Content-Range", "bytes */\(body.utf8.count)")], body: "")
            } else {
                try connection.respond(headers: cacheable, body: body)
            }
        }
    }

    /// RFC 9111 §4.3.2: If-Match is the origin's to evaluate; its 412 answers that one request.
    @Test func failedPreconditionIsNeitherStoredNorReplacesTheEntry() throws {
        let origin = try Self.preconditionOrigin(etag: #""v1""#, body: "the resource")
        defer { origin.stop() }
        let proxy = try PorticoProcess(ProxyConfig(origin: origin.port))
        defer { proxy.stop() }
        let client = try RawClient(port: proxy.port)

        // Nothing stored yet: the 412 goes to its client and nowhere else.
        let failed = try Cache.exchange(client, Wire.get("/r", extra: "If-Match: \"old\"\r\n"))
        #expect(failed.status == 412)
        #expect(!Cache.isStored(failed), "Cache-Status: \(Cache.cacheStatus(failed))")
        let plain = try Cache.exchange(client, Wire.get("/r"))
        #expect(plain.status == 200)
        #expect(plain.bodyText == "the resource")
        #expect(Cache.isStored(plain))

        // With the 200 stored, another failing If-Match neither gets nor leaves a 412 behind.
        let again = try Cache.exchange(client, Wire.get("/r", extra: "If-Match: \"old\"\r\n"))
        #expect(again.status == 412)
        let hit = try Cache.exchange(client, Wire.get("/r"))
        #expect(hit.status == 200)
        #expect(hit.bodyText == "the resource")
        #expect(Cache.isHit(hit), "Cache-Status: \(Cache.cacheStatus(hit))")
    }

    @Test func unsatisfiableRangeOnAMissIsNotStored() throws {
        let origin = try Self.preconditionOrigin(etag: #""v1""#, body: "0123456789")
        defer { origin.stop() }
        let proxy = try PorticoProcess(ProxyConfig(origin: origin.port))
        defer { proxy.stop() }
        let client = try RawClient(port: proxy.port)

        let unsatisfiable = try Cache.exchange(client, Wire.get("/r", extra: "Range: bytes=5000-\r\n"))
        #expect(unsatisfiable.status == 416)
        let plain = try Cache.exchange(client, Wire.get("/r"))
        #expect(plain.status == 200)
        #expect(plain.bodyText == "0123456789")
    }

    /// RFC 9110 §13.1.5: revalidating for a resuming client keeps its If-Range, so a changed
    /// representation comes back whole instead of as a part of the new version.
    @Test func rangeRevalidationKeepsIfRange() throws {
        let tally = Cache.Tally()
        let seen = OriginLog()
        let origin = try ScriptedOrigin { request, connection in
            seen.append(request.header("If-Range") ?? "-")
            if tally.next() == 1 {
                try connection.respond(
                    headers: [("Cache-Control", "max-age=1"), ("ETag", #""v1""#)], body: "version 1 of twenty")
            } else if let ifRange = request.header("If-Range"), ifRange == #""v2""#,
                let range = request.header("Range"), range == "bytes=5-"
            {
                try connection.respond(status: 206, headers: [("ETag", #""v2""#)], body: "2 of twenty")
            } else {
                // The origin has moved on to v2: If-Range "v1" fails, so the whole of v2.
                try connection.respond(
                    headers: [("Cache-Control", "max-age=60"), ("ETag", #""v2""#)], body: "version 2 of twenty")
            }
        }
        defer { origin.stop() }
        let proxy = try PorticoProcess(ProxyConfig(origin: origin.port))
        defer { proxy.stop() }
        let client = try RawClient(port: proxy.port)

        _ = try Cache.exchange(client, Wire.get("/file"))
        Cache.pause(1.3)
        let resumed = try Cache.exchange(client, Wire.get("/file", extra: "Range: bytes=5-\r\nIf-Range: \"v1\"\r\n"))
        #expect(seen.values.last == #""v1""#, "the origin saw If-Range: \(seen.values)")
        #expect(resumed.status == 200, "a changed representation comes whole: \(resumed)")
        #expect(resumed.bodyText == "version 2 of twenty")
    }

    /// RFC 9111 §4.3.4 then §5.2.2.7: a 304 that makes the response private is served to the
    /// request it answers, and the stored copy goes.
    @Test(arguments: ["private, max-age=3600", "no-store"])
    func notModifiedThatForbidsStoringDropsTheEntry(_ cacheControl: String) throws {
        let origin = try Cache.validatingOrigin(
            etag: #""p""#, headers: [("Cache-Control", "max-age=1")], body: "shared once",
            notModified: [("Cache-Control", cacheControl)])
        defer { origin.stop() }
        let proxy = try PorticoProcess(ProxyConfig(origin: origin.port))
        defer { proxy.stop() }
        let client = try RawClient(port: proxy.port)

        _ = try Cache.exchange(client, Wire.get("/p"))
        Cache.pause(1.3)
        let revalidated = try Cache.exchange(client, Wire.get("/p"))
        #expect(revalidated.status == 200)
        #expect(revalidated.bodyText == "shared once")
        #expect(!Cache.isStored(revalidated), "Cache-Status: \(Cache.cacheStatus(revalidated))")
        let next = try Cache.exchange(client, Wire.get("/p"))
        #expect(!Cache.isHit(next), "the entry must be gone: \(Cache.cacheStatus(next))")
        #expect(origin.requestCount == 3)
    }

    /// RFC 9110 §8.6: no Content-Length in a 204, from the origin or from the cache.
    @Test func cached204HasNoContentLength() throws {
        let origin = try ScriptedOrigin { _, connection in
            try connection.respond(status: 204, headers: [("Cache-Control", "max-age=60")])
        }
        defer { origin.stop() }
        let proxy = try PorticoProcess(ProxyConfig(origin: origin.port))
        defer { proxy.stop() }
        let client = try RawClient(port: proxy.port)

        let miss = try Cache.exchange(client, Wire.get("/empty"))
        let hit = try Cache.exchange(client, Wire.get("/empty"))
        #expect(miss.status == 204 && hit.status == 204)
        #expect(Cache.isHit(hit), "Cache-Status: \(Cache.cacheStatus(hit))")
        #expect(hit.header("Content-Length") == nil, "\(hit)")
        #expect(miss.header("Content-Length") == nil, "\(miss)")
    }

    /// RFC 9211: every response from a caching proxy says what the cache did, forwarded unsafe
    /// methods and the proxy's own errors included.
    @Test func everyResponseCarriesCacheStatus() throws {
        let origin = try ScriptedOrigin { _, connection in
            try connection.respond(headers: [("Cache-Control", "no-store")], body: "posted")
        }
        let proxy = try PorticoProcess(ProxyConfig(origin: origin.port))
        defer { proxy.stop() }

        let post = try Cache.exchange(try RawClient(port: proxy.port), Wire.post("/form", body: Array("a=1".utf8)))
        #expect(post.status == 200)
        #expect(Cache.parameter("fwd", of: post) == "method", "Cache-Status: \(Cache.cacheStatus(post))")

        origin.stop()
        let unreachable = try RawClient.request(port: proxy.port, Wire.get("/gone"))
        #expect(unreachable.status == 502)
        #expect(Cache.parameter("fwd", of: unreachable) == "miss", "Cache-Status: \(Cache.cacheStatus(unreachable))")
        let onlyIfCached = try RawClient.request(
            port: proxy.port, Wire.get("/gone", extra: "Cache-Control: only-if-cached\r\n"))
        #expect(onlyIfCached.status == 504)
        #expect(Cache.parameter("detail", of: onlyIfCached) == "only-if-cached")
    }

    /// RFC 5861 §4: a client's own stale-if-error keeps a stale entry without validators servable
    /// when the origin fails.
    @Test func requestStaleIfErrorServesAnEntryWithoutValidators() throws {
        let tally = Cache.Tally()
        let origin = try ScriptedOrigin { _, connection in
            if tally.next() == 1 {
                try connection.respond(headers: [("Cache-Control", "max-age=1")], body: "kept")
            } else {
                try connection.respond(status: 503, body: "down")
            }
        }
        defer { origin.stop() }
        let proxy = try PorticoProcess(ProxyConfig(origin: origin.port))
        defer { proxy.stop() }
        let client = try RawClient(port: proxy.port)

        _ = try Cache.exchange(client, Wire.get("/s"))
        Cache.pause(1.3)
        let stale = try Cache.exchange(client, Wire.get("/s", extra: "Cache-Control: stale-if-error=60\r\n"))
        #expect(stale.status == 200, "\(stale)")
        #expect(stale.bodyText == "kept")
    }
}

extension CacheConformanceTests {
    /// RFC 9111 §4.1 with RFC 9110 §5.5: Vary values that differ only in obs-text bytes are
    /// different values; one client's stored response must not answer the other.
    @Test func varyValuesThatDifferInObsTextDoNotMatch() throws {
        let origin = try Cache.numberingOrigin(headers: [("Cache-Control", "max-age=3600"), ("Vary", "Foo")])
        defer { origin.stop() }
        let proxy = try PorticoProcess(ProxyConfig(origin: origin.port))
        defer { proxy.stop() }
        let client = try RawClient(port: proxy.port)

        func request(_ last: UInt8) -> [UInt8] {
            Array("GET /v HTTP/1.1\r\nHost: test.example\r\nFoo: caf".utf8) + [last] + Array("\r\n\r\n".utf8)
        }
        let first = try Cache.exchange(client, request(0xE9))
        let other = try Cache.exchange(client, request(0xE8))
        let again = try Cache.exchange(client, request(0xE9))
        #expect(first.bodyText == "response 1")
        #expect(other.bodyText == "response 2", "Cache-Status: \(Cache.cacheStatus(other))")
        #expect(again.bodyText == "response 1")
        #expect(Cache.isHit(again))
    }

    /// RFC 9111 §3.1: a stored field is served with the bytes it was received with, obs-text
    /// included.
    @Test func storedObsTextIsServedByteForByte() throws {
        let value: [UInt8] = Array("caf".utf8) + [0xE9]
        let origin = try ScriptedOrigin { _, connection in
            try connection.sendRaw(
                Array("HTTP/1.1 200 OK\r\nCache-Control: max-age=3600\r\nX-Obs: ".utf8) + value
                    + Array("\r\nContent-Length: 2\r\n\r\nok".utf8))
        }
        defer { origin.stop() }
        let proxy = try PorticoProcess(ProxyConfig(origin: origin.port))
        defer { proxy.stop() }

        for _ in 0..<2 {
            let client = try RawClient(port: proxy.port)
            try client.send(Wire.get("/obs", extra: "Connection: close\r\n"))
            let bytes = try client.readAll()
            let needle = Array("X-Obs: ".utf8) + value + [13, 10]
            #expect(
                bytes.indices.contains { bytes[$0...].starts(with: needle) },
                "served as received: \(Bytes.preview(bytes))")
        }
        #expect(origin.requestCount == 1)
    }

    /// RFC 9111 §4.3.5: a HEAD that goes to the origin for a stale stored GET response freshens
    /// it when the answer shows the same representation (then the next GET is a hit with the
    /// new fields and the old body), and drops it when the answer shows another. Empty: neither
    /// response has an ETag (the stale entry, which nothing could revalidate, is kept for the HEAD).
    @Test(arguments: [(#""v1""#, true), (#""v2""#, false), ("", true)])
    func headAnswerFreshensOrDropsTheStoredResponse(headETag: String, freshens: Bool) throws {
        let etag = headETag.isEmpty ? [] : [("ETag", #""v1""#)]
        let origin = try ScriptedOrigin { request, connection in
            if request.method == "HEAD" {
                let field = headETag.isEmpty ? "" : "ETag: \(headETag)\r\n"
                try connection.sendRaw(
                    "HTTP/1.1 200 OK\r\nCache-Control: max-age=600\r\n\(field)X-Version: 2\r\n"
                        + "Content-Length: 7\r\n\r\n")
            } else {
                try connection.respond(
                    headers: [("Cache-Control", "max-age=1"), ("X-Version", "1")] + etag, body: "v1 body")
            }
        }
        defer { origin.stop() }
        let proxy = try PorticoProcess(ProxyConfig(origin: origin.port))
        defer { proxy.stop() }
        let client = try RawClient(port: proxy.port)

        _ = try Cache.exchange(client, Wire.get("/h"))
        Cache.pause(1.3)
        let head = try Cache.exchange(client, "HEAD /h HTTP/1.1\r\nHost: test.example\r\n\r\n")
        #expect(head.status == 200)
        #expect(head.header("X-Version") == "2", "the client gets the origin's answer")
        let next = try Cache.exchange(client, Wire.get("/h"))
        #expect(Cache.isHit(next) == freshens, "Cache-Status: \(Cache.cacheStatus(next))")
        // Dropped, not merely left stale: the GET finds nothing to revalidate.
        if !freshens { #expect(Cache.cacheStatus(next).contains("fwd=miss"), "\(Cache.cacheStatus(next))") }
        #expect(next.bodyText == "v1 body")
        #expect(next.header("X-Version") == (freshens ? "2" : "1"))
        #expect(origin.requestCount == (freshens ? 2 : 3))
    }

    /// RFC 9213: `CDN-Cache-Control` speaks to Portico over `Cache-Control`, which still reaches
    /// the client unchanged, and is passed on itself.
    @Test func cdnCacheControlOverridesCacheControl() throws {
        let origin = try Cache.numberingOrigin(headers: [
            ("Cache-Control", "no-store"), ("CDN-Cache-Control", "max-age=600"),
        ])
        defer { origin.stop() }
        let refusing = try Cache.numberingOrigin(headers: [
            ("Cache-Control", "max-age=600"), ("CDN-Cache-Control", "no-store"),
        ])
        defer { refusing.stop() }
        for (port, stored) in [(origin.port, true), (refusing.port, false)] {
            let proxy = try PorticoProcess(ProxyConfig(origin: port))
            defer { proxy.stop() }
            let client = try RawClient(port: proxy.port)
            let first = try Cache.exchange(client, Wire.get("/cdn"))
            #expect(first.header("Cache-Control") == (stored ? "no-store" : "max-age=600"))
            #expect(first.header("CDN-Cache-Control") == (stored ? "max-age=600" : "no-store"))
            let second = try Cache.exchange(client, Wire.get("/cdn"))
            #expect(Cache.isHit(second) == stored, "Cache-Status: \(Cache.cacheStatus(second))")
            #expect(second.bodyText == (stored ? "response 1" : "response 2"))
        }
    }
}

/// Values an origin saw, across its connection threads.
final class OriginLog: @unchecked Sendable {
    private let lock = NSLock()
    private var seen: [String] = []

    func append(_ value: String) {
        lock.lock()
        defer { lock.unlock() }
        seen.append(value)
    }

    var values: [String] {
        lock.lock()
        defer { lock.unlock() }
        return seen
    }
}
