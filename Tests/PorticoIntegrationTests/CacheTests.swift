import Foundation
import Testing

/// The HTTP cache as a client and an origin notice it (RFC 9111, RFC 5861, RFC 9211): what reaches
/// the origin, what comes back from the cache, and the `Age` and `Cache-Status` fields on the way.
///
/// Requests in a sequence share one keep-alive connection, so each one is handled after the previous
/// response was stored.
@Suite("Cache", .timeLimit(.minutes(2)))
struct CacheTests {
    /// Counts the responses an origin has made, across its connection threads.
    final class Tally: @unchecked Sendable {
        private let lock = NSLock()
        private var value = 0

        /// The next number: 1 for the first call.
        func next() -> Int {
            lock.lock()
            defer { lock.unlock() }
            value += 1
            return value
        }
    }

    /// An origin that answers every request with `headers` and a body naming the response's
    /// number (`response 1`, `response 2`, …), so a cached body can be told from a fresh one.
    static func numberingOrigin(headers: [(String, String)]) throws -> ScriptedOrigin {
        let tally = Tally()
        return try ScriptedOrigin { _, connection in
            try connection.respond(headers: headers, body: "response \(tally.next())")
        }
    }

    /// An origin that answers a request carrying `If-None-Match: etag` with a 304 (its ETag and
    /// `notModified` fields), and any other with a 200 carrying the ETag, `headers` and `body`.
    static func validatingOrigin(
        etag: String, headers: [(String, String)], body: String, notModified: [(String, String)] = []
    ) throws -> ScriptedOrigin {
        try ScriptedOrigin { request, connection in
            if request.header("If-None-Match") == etag {
                try connection.respond(status: 304, headers: [("ETag", etag)] + notModified)
            } else {
                try connection.respond(headers: [("ETag", etag)] + headers, body: body)
            }
        }
    }

    /// Sends `request` on `client` and reads the final response.
    static func exchange(_ client: RawClient, _ request: String) throws -> RawResponse {
        try client.send(request)
        return try client.readFinalResponse(forHEAD: request.hasPrefix("HEAD "))
    }

    static func exchange(_ client: RawClient, _ request: [UInt8]) throws -> RawResponse {
        try client.send(request)
        return try client.readFinalResponse()
    }

    /// The response's `Cache-Status` value, or "" when it has none.
    static func cacheStatus(_ response: RawResponse) -> String { response.header("Cache-Status") ?? "" }

    /// Whether `Cache-Status` says the response came from the cache without going forward.
    static func isHit(_ response: RawResponse) -> Bool {
        cacheStatus(response).split(separator: ";").map { $0.trimmingSpaces }.contains("hit")
    }

    /// The `Cache-Status` parameter `name`'s value (`fwd` → `miss`), or nil.
    static func parameter(_ name: String, of response: RawResponse) -> String? {
        for member in cacheStatus(response).split(separator: ";").map({ $0.trimmingSpaces }) {
            let parts = member.split(separator: "=", maxSplits: 1)
            if parts.count == 2 && parts[0] == name { return String(parts[1]) }
        }
        return nil
    }

    /// Whether `Cache-Status` says the response was stored.
    static func isStored(_ response: RawResponse) -> Bool {
        cacheStatus(response).split(separator: ";").map { $0.trimmingSpaces }.contains("stored")
    }

    static func pause(_ seconds: Double) { Thread.sleep(forTimeInterval: seconds) }

    // MARK: - Hits

    /// Pipelined hits are answered in a loop: thousands of them in one read once overflowed the
    /// stack, one frame per hit, and crashed the proxy (a remote crash for any client).
    @Test func thousandsOfPipelinedHitsAreAllAnswered() throws {
        let origin = try Self.numberingOrigin(headers: [("Cache-Control", "max-age=60")])
        defer { origin.stop() }
        let proxy = try PorticoProcess(ProxyConfig(origin: origin.port))
        defer { proxy.stop() }
        let client = try RawClient(port: proxy.port)
        #expect(try Self.exchange(client, Wire.get("/pipelined")).bodyText == "response 1")

        let count = 5000
        try client.send(String(repeating: Wire.get("/pipelined"), count: count))
        for index in 1...count {
            let response = try client.readResponse()
            guard response.status == 200, response.bodyText == "response 1" else {
                Issue.record("response \(index): \(response)")
                return
            }
        }
        #expect(origin.headCount == 1)
        #expect(try RawClient.request(port: proxy.port, Wire.get("/pipelined")).status == 200, "the proxy is gone")
    }

    /// A client that pipelines hits and never reads gets no more answers than fit the output's
    /// high watermark and the sockets' buffers: Portico stops reading it (TCP pushes back) instead
    /// of answering on and growing its memory by kilobytes a request.
    @Test func aClientThatNeverReadsCannotGrowTheOutput() throws {
        let origin = try ScriptedOrigin { _, connection in
            try connection.respond(
                headers: [("Cache-Control", "max-age=60")], body: String(repeating: "b", count: 16384))
        }
        defer { origin.stop() }
        let proxy = try PorticoProcess(ProxyConfig(origin: origin.port))
        defer { proxy.stop() }
        #expect(try RawClient.request(port: proxy.port, Wire.get("/never-read")).status == 200)
        let before = try #require(proxy.residentBytes)

        let client = try RawClient(port: proxy.port)
        let block = String(repeating: Wire.get("/never-read"), count: 1000)
        for _ in 0..<40 {
            do { try client.send(block, timeout: 0.5) } catch { break }  // the proxy stopped reading
        }
        Self.pause(0.5)
        let grown = try #require(proxy.residentBytes) - before
        #expect(grown < 24 << 20, "RSS grew by \(grown >> 20) MiB for a client that never reads")
        #expect(try RawClient.request(port: proxy.port, Wire.get("/never-read")).status == 200)
    }

    @Test func missThenHit() throws {
        let origin = try Self.numberingOrigin(headers: [("Cache-Control", "max-age=60"), ("X-From", "origin")])
        defer { origin.stop() }
        let proxy = try PorticoProcess(ProxyConfig(origin: origin.port))
        defer { proxy.stop() }

        let client = try RawClient(port: proxy.port)
        let first = try Self.exchange(client, Wire.get("/page"))
        #expect(first.status == 200)
        #expect(first.bodyText == "response 1")
        #expect(Self.parameter("fwd", of: first) == "miss", "Cache-Status: \(Self.cacheStatus(first))")
        #expect(Self.parameter("fwd-status", of: first) == "200")
        #expect(Self.isStored(first), "Cache-Status: \(Self.cacheStatus(first))")

        let second = try Self.exchange(client, Wire.get("/page"))
        #expect(second.status == 200)
        #expect(second.bodyText == "response 1")
        #expect(second.header("X-From") == "origin")
        #expect(Self.isHit(second), "Cache-Status: \(Self.cacheStatus(second))")
        let age = try #require(second.header("Age"), "a hit carries Age (RFC 9111 §5.1)")
        #expect(Int(age) != nil && Int(age)! >= 0, "Age: \(age)")
        #expect(second.values("Cache-Status").count == 1)
        #expect(origin.requestCount == 1)

        // A fresh connection (possibly another worker) sees the same stored response.
        let third = try RawClient.request(port: proxy.port, Wire.get("/page"))
        #expect(third.bodyText == "response 1")
        #expect(Self.isHit(third))
        #expect(origin.requestCount == 1)
    }

    @Test func ageGrowsWhileStored() throws {
        let origin = try Self.numberingOrigin(headers: [("Cache-Control", "max-age=60")])
        defer { origin.stop() }
        let proxy = try PorticoProcess(ProxyConfig(origin: origin.port))
        defer { proxy.stop() }

        let client = try RawClient(port: proxy.port)
        _ = try Self.exchange(client, Wire.get("/aging"))
        Self.pause(1.1)
        let hit = try Self.exchange(client, Wire.get("/aging"))
        #expect(Self.isHit(hit), "Cache-Status: \(Self.cacheStatus(hit))")
        let age = try #require(hit.header("Age").flatMap { Int($0) }, "Age: \(hit.values("Age"))")
        #expect(age >= 1 && age <= 10, "Age: \(age)")
        let ttl = try #require(Self.parameter("ttl", of: hit).flatMap { Int($0) }, "\(Self.cacheStatus(hit))")
        #expect(ttl <= 59 && ttl >= 50, "ttl: \(ttl)")
        #expect(origin.requestCount == 1)
    }

    @Test func keyIncludesQueryAndHost() throws {
        let origin = try ScriptedOrigin { request, connection in
            try connection.respond(
                headers: [("Cache-Control", "max-age=60")],
                body: "\(request.header("Host") ?? "-") \(request.target)")
        }
        defer { origin.stop() }
        let proxy = try PorticoProcess(ProxyConfig(origin: origin.port))
        defer { proxy.stop() }

        let client = try RawClient(port: proxy.port)
        let requests = [
            ("/a?x=1", "a.example"), ("/a?x=2", "a.example"), ("/a", "a.example"), ("/a?x=1", "b.example"),
        ]
        for (target, host) in requests {
            let response = try Self.exchange(client, Wire.get(target, host: host))
            #expect(response.bodyText == "\(host) \(target)")
            #expect(!Self.isHit(response), "\(host) \(target) was a hit")
        }
        #expect(origin.requestCount == 4)
        // Each of them is stored under its own key.
        for (target, host) in requests {
            let response = try Self.exchange(client, Wire.get(target, host: host))
            #expect(response.bodyText == "\(host) \(target)")
            #expect(Self.isHit(response), "\(host) \(target): \(Self.cacheStatus(response))")
        }
        // The host's case and a default port do not make a new key (RFC 3986 §6.2.2.1, §6.2.3).
        let spelled = try Self.exchange(client, Wire.get("/a?x=1", host: "A.Example:80"))
        #expect(spelled.bodyText == "a.example /a?x=1")
        #expect(Self.isHit(spelled))
        #expect(origin.requestCount == 4)
    }

    // MARK: - Not stored

    struct Unstorable: Sendable, CustomTestStringConvertible {
        var name: String
        var responseHeaders: [(String, String)]
        var requestFields = ""
        var testDescription: String { name }
    }

    static let unstorable: [Unstorable] = [
        // RFC 9111 §5.2.2.5
        Unstorable(name: "response no-store", responseHeaders: [("Cache-Control", "no-store, max-age=60")]),
        // §5.2.2.7: a shared cache MUST NOT store a private response.
        Unstorable(name: "response private", responseHeaders: [("Cache-Control", "private, max-age=60")]),
        // §5.2.1.5
        Unstorable(
            name: "request no-store", responseHeaders: [("Cache-Control", "max-age=60")],
            requestFields: "Cache-Control: no-store\r\n"),
        // §3.5: Authorization, and a response without public, s-maxage or must-revalidate.
        Unstorable(
            name: "request Authorization", responseHeaders: [("Cache-Control", "max-age=60")],
            requestFields: "Authorization: Bearer secret\r\n"),
    ]

    @Test(arguments: unstorable)
    func responseIsNotStored(_ example: Unstorable) throws {
        let origin = try Self.numberingOrigin(headers: example.responseHeaders)
        defer { origin.stop() }
        let proxy = try PorticoProcess(ProxyConfig(origin: origin.port))
        defer { proxy.stop() }

        let client = try RawClient(port: proxy.port)
        for number in 1...2 {
            let response = try Self.exchange(client, Wire.get("/unstorable", extra: example.requestFields))
            #expect(response.bodyText == "response \(number)")
            #expect(!Self.isHit(response), "Cache-Status: \(Self.cacheStatus(response))")
            #expect(!Self.isStored(response), "Cache-Status: \(Self.cacheStatus(response))")
        }
        #expect(origin.requestCount == 2)
        // Nor is either response served to a plain request afterwards.
        let plain = try Self.exchange(client, Wire.get("/unstorable"))
        #expect(plain.bodyText == "response 3")
        #expect(origin.requestCount == 3)
    }

    /// §3.5: `public`, `s-maxage` or `must-revalidate` let a shared cache store a response to a
    /// request with Authorization.
    @Test(arguments: ["public, max-age=60", "s-maxage=60", "max-age=60, must-revalidate"])
    func authorizedResponseMarkedShareableIsStored(_ cacheControl: String) throws {
        let origin = try Self.numberingOrigin(headers: [("Cache-Control", cacheControl)])
        defer { origin.stop() }
        let proxy = try PorticoProcess(ProxyConfig(origin: origin.port))
        defer { proxy.stop() }

        let client = try RawClient(port: proxy.port)
        let authorization = "Authorization: Basic dXNlcjpwYXNz\r\n"
        let first = try Self.exchange(client, Wire.get("/shared", extra: authorization))
        #expect(Self.isStored(first), "Cache-Status: \(Self.cacheStatus(first))")
        let second = try Self.exchange(client, Wire.get("/shared", extra: authorization))
        #expect(second.bodyText == "response 1")
        #expect(Self.isHit(second), "Cache-Status: \(Self.cacheStatus(second))")
        #expect(origin.requestCount == 1)
    }

    @Test func postResponsesAreNotReused() throws {
        let origin = try Self.numberingOrigin(headers: [("Cache-Control", "max-age=60")])
        defer { origin.stop() }
        let proxy = try PorticoProcess(ProxyConfig(origin: origin.port))
        defer { proxy.stop() }

        let client = try RawClient(port: proxy.port)
        for number in 1...2 {
            let response = try Self.exchange(client, Wire.post("/form", body: Array("q=1".utf8)))
            #expect(response.status == 200)
            #expect(response.bodyText == "response \(number)")
        }
        #expect(origin.requestCount == 2)
        // Nor does a GET get the POST's response.
        let get = try Self.exchange(client, Wire.get("/form"))
        #expect(get.bodyText == "response 3")
        #expect(origin.requests.map(\.method) == ["POST", "POST", "GET"])
    }

    // MARK: - Validation

    @Test func staleResponseIsRevalidatedWithItsETag() throws {
        // The 304's fields replace the stored ones (RFC 9111 §4.3.4), freshness included.
        let origin = try Self.validatingOrigin(
            etag: "\"v1\"", headers: [("Cache-Control", "max-age=1"), ("X-Version", "1")], body: "body v1",
            notModified: [("Cache-Control", "max-age=60"), ("X-Version", "2")])
        defer { origin.stop() }
        let proxy = try PorticoProcess(ProxyConfig(origin: origin.port))
        defer { proxy.stop() }

        let client = try RawClient(port: proxy.port)
        let first = try Self.exchange(client, Wire.get("/doc"))
        #expect(first.bodyText == "body v1")
        #expect(Self.isStored(first))
        Self.pause(1.2)

        let revalidated = try Self.exchange(client, Wire.get("/doc"))
        #expect(origin.requestCount == 2)
        let conditional = try #require(origin.requests.last)
        #expect(conditional.header("If-None-Match") == "\"v1\"")
        #expect(revalidated.status == 200)
        #expect(revalidated.bodyText == "body v1")
        #expect(revalidated.values("X-Version") == ["2"])
        #expect(revalidated.header("Content-Length") == "7")
        #expect(Self.parameter("fwd", of: revalidated) == "stale", "\(Self.cacheStatus(revalidated))")
        #expect(Self.parameter("fwd-status", of: revalidated) == "304", "\(Self.cacheStatus(revalidated))")

        let hit = try Self.exchange(client, Wire.get("/doc"))
        #expect(Self.isHit(hit), "Cache-Status: \(Self.cacheStatus(hit))")
        #expect(hit.bodyText == "body v1")
        #expect(hit.values("X-Version") == ["2"])
        #expect(origin.requestCount == 2)
    }

    @Test func staleResponseIsReplacedWhenTheOriginSendsANewOne() throws {
        let tally = Tally()
        let origin = try ScriptedOrigin { _, connection in
            let number = tally.next()
            try connection.respond(
                headers: [("ETag", "\"v\(number)\""), ("Cache-Control", number == 1 ? "max-age=1" : "max-age=60")],
                body: "body v\(number)")
        }
        defer { origin.stop() }
        let proxy = try PorticoProcess(ProxyConfig(origin: origin.port))
        defer { proxy.stop() }

        let client = try RawClient(port: proxy.port)
        _ = try Self.exchange(client, Wire.get("/changing"))
        Self.pause(1.2)
        let changed = try Self.exchange(client, Wire.get("/changing"))
        #expect(origin.requests.last?.header("If-None-Match") == "\"v1\"")
        #expect(changed.bodyText == "body v2")
        #expect(changed.header("ETag") == "\"v2\"")
        let hit = try Self.exchange(client, Wire.get("/changing"))
        #expect(hit.bodyText == "body v2")
        #expect(Self.isHit(hit), "Cache-Status: \(Self.cacheStatus(hit))")
        #expect(origin.requestCount == 2)
    }

    @Test func clientConditionalIsAnsweredFromTheCache() throws {
        let origin = try ScriptedOrigin { _, connection in
            try connection.respond(
                headers: [("ETag", "\"v1\""), ("Cache-Control", "max-age=60"), ("X-Extra", "yes")], body: "body v1")
        }
        defer { origin.stop() }
        let proxy = try PorticoProcess(ProxyConfig(origin: origin.port))
        defer { proxy.stop() }

        let client = try RawClient(port: proxy.port)
        _ = try Self.exchange(client, Wire.get("/cond"))

        let notModified = try Self.exchange(client, Wire.get("/cond", extra: "If-None-Match: \"v0\", \"v1\"\r\n"))
        #expect(notModified.status == 304)
        #expect(notModified.body.isEmpty)
        #expect(notModified.header("ETag") == "\"v1\"")
        #expect(notModified.header("Cache-Control") == "max-age=60")
        #expect(Self.isHit(notModified), "Cache-Status: \(Self.cacheStatus(notModified))")

        // A weak comparison matches too (RFC 9110 §13.1.2).
        let weak = try Self.exchange(client, Wire.get("/cond", extra: "If-None-Match: W/\"v1\"\r\n"))
        #expect(weak.status == 304)

        let other = try Self.exchange(client, Wire.get("/cond", extra: "If-None-Match: \"v0\"\r\n"))
        #expect(other.status == 200)
        #expect(other.bodyText == "body v1")
        #expect(Self.isHit(other))
        #expect(origin.requestCount == 1)
    }

    @Test func noCacheResponseIsRevalidatedEveryTime() throws {
        let origin = try Self.validatingOrigin(
            etag: "\"n1\"", headers: [("Cache-Control", "no-cache, max-age=60")], body: "stored body")
        defer { origin.stop() }
        let proxy = try PorticoProcess(ProxyConfig(origin: origin.port))
        defer { proxy.stop() }

        let client = try RawClient(port: proxy.port)
        let first = try Self.exchange(client, Wire.get("/nocache"))
        #expect(first.bodyText == "stored body")
        #expect(Self.isStored(first), "Cache-Status: \(Self.cacheStatus(first))")
        for _ in 1...3 {
            let response = try Self.exchange(client, Wire.get("/nocache"))
            #expect(response.status == 200)
            #expect(response.bodyText == "stored body", "the stored body answers the 304")
            #expect(!Self.isHit(response), "Cache-Status: \(Self.cacheStatus(response))")
        }
        #expect(origin.requestCount == 4)
        #expect(origin.requests.dropFirst().allSatisfy { $0.header("If-None-Match") == "\"n1\"" })
        #expect(origin.requests.first?.has("If-None-Match") == false)
    }

    // MARK: - Vary

    @Test func varySelectsTheVariantForTheRequest() throws {
        let origin = try ScriptedOrigin { request, connection in
            try connection.respond(
                headers: [("Cache-Control", "max-age=60"), ("Vary", "Accept-Language")],
                body: "lang=\(request.header("Accept-Language") ?? "none")")
        }
        defer { origin.stop() }
        let proxy = try PorticoProcess(ProxyConfig(origin: origin.port))
        defer { proxy.stop() }

        let client = try RawClient(port: proxy.port)
        for language in ["en", "de"] {
            let response = try Self.exchange(client, Wire.get("/greeting", extra: "Accept-Language: \(language)\r\n"))
            #expect(response.bodyText == "lang=\(language)")
            #expect(!Self.isHit(response))
        }
        #expect(origin.requestCount == 2)
        for language in ["en", "de", "en"] {
            let response = try Self.exchange(client, Wire.get("/greeting", extra: "Accept-Language: \(language)\r\n"))
            #expect(response.bodyText == "lang=\(language)")
            #expect(Self.isHit(response), "\(language): \(Self.cacheStatus(response))")
        }
        #expect(origin.requestCount == 2)
        // No Accept-Language at all is a third variant.
        let none = try Self.exchange(client, Wire.get("/greeting"))
        #expect(none.bodyText == "lang=none")
        #expect(origin.requestCount == 3)
    }

    @Test func varyStarIsNeverAHit() throws {
        let origin = try Self.numberingOrigin(headers: [("Cache-Control", "max-age=60"), ("Vary", "*")])
        defer { origin.stop() }
        let proxy = try PorticoProcess(ProxyConfig(origin: origin.port))
        defer { proxy.stop() }

        let client = try RawClient(port: proxy.port)
        for number in 1...3 {
            let response = try Self.exchange(client, Wire.get("/star"))
            #expect(response.bodyText == "response \(number)")
            #expect(!Self.isHit(response))
        }
        #expect(origin.requestCount == 3)
    }

    // MARK: - Methods

    @Test func headIsAnsweredFromAStoredGet() throws {
        let body = Bytes.pattern(count: 1234)
        let origin = try ScriptedOrigin { _, connection in
            try connection.respond(
                headers: [("Cache-Control", "max-age=60"), ("Content-Type", "application/octet-stream")], body: body)
        }
        defer { origin.stop() }
        let proxy = try PorticoProcess(ProxyConfig(origin: origin.port))
        defer { proxy.stop() }

        let client = try RawClient(port: proxy.port)
        let get = try Self.exchange(client, Wire.get("/file"))
        #expect(get.body == body)
        let head = try Self.exchange(client, "HEAD /file HTTP/1.1\r\nHost: test.example\r\n\r\n")
        #expect(head.status == 200)
        #expect(head.header("Content-Length") == "1234")
        #expect(head.header("Content-Type") == "application/octet-stream")
        #expect(Self.isHit(head), "Cache-Status: \(Self.cacheStatus(head))")
        // Had body bytes followed the HEAD response, this one would not parse.
        let again = try Self.exchange(client, Wire.get("/file"))
        #expect(again.body == body)
        #expect(Self.isHit(again))
        #expect(origin.requestCount == 1)
    }

    struct Unsafe: Sendable, CustomTestStringConvertible {
        var method: String
        var status: Int
        var testDescription: String { "\(method) answered \(status)" }
    }

    @Test(arguments: [
        Unsafe(method: "POST", status: 200), Unsafe(method: "POST", status: 204), Unsafe(method: "PUT", status: 201),
        Unsafe(method: "DELETE", status: 204),
    ])
    func unsafeMethodInvalidatesTheStoredResponse(_ unsafe: Unsafe) throws {
        let tally = Tally()
        let origin = try ScriptedOrigin { request, connection in
            if request.method == "GET" {
                try connection.respond(headers: [("Cache-Control", "max-age=60")], body: "response \(tally.next())")
            } else {
                try connection.respond(status: unsafe.status, body: unsafe.status == 204 ? "" : "done")
            }
        }
        defer { origin.stop() }
        let proxy = try PorticoProcess(ProxyConfig(origin: origin.port))
        defer { proxy.stop() }

        let client = try RawClient(port: proxy.port)
        _ = try Self.exchange(client, Wire.get("/item"))
        let hit = try Self.exchange(client, Wire.get("/item"))
        #expect(Self.isHit(hit))
        _ = try Self.exchange(client, Wire.get("/other"))

        let changed = try Self.exchange(
            client, "\(unsafe.method) /item HTTP/1.1\r\nHost: test.example\r\nContent-Length: 2\r\n\r\n{}")
        #expect(changed.status == unsafe.status)

        let after = try Self.exchange(client, Wire.get("/item"))
        #expect(after.bodyText == "response 3", "RFC 9111 §4.4: the stored response was invalidated")
        #expect(!Self.isHit(after))
        // Another URI is untouched.
        let other = try Self.exchange(client, Wire.get("/other"))
        #expect(other.bodyText == "response 2")
        #expect(Self.isHit(other))
        #expect(origin.requests.map(\.method) == ["GET", "GET", unsafe.method, "GET"])
    }

    // MARK: - Errors

    struct StaleOnError: Sendable, CustomTestStringConvertible {
        var name: String
        var validator: [(String, String)]
        var stopOrigin: Bool
        var testDescription: String { name }
    }

    @Test(arguments: [
        StaleOnError(name: "500, with ETag", validator: [("ETag", "\"e1\"")], stopOrigin: false),
        StaleOnError(name: "origin down, with ETag", validator: [("ETag", "\"e1\"")], stopOrigin: true),
    ])
    func staleIfErrorServesTheStaleResponse(_ example: StaleOnError) throws {
        try checkStaleIfError(example)
    }

    @Test(
        arguments: [
            StaleOnError(name: "500, no validator", validator: [], stopOrigin: false),
            StaleOnError(name: "origin down, no validator", validator: [], stopOrigin: true),
        ])
    func staleIfErrorServesAStaleResponseWithoutValidator(_ example: StaleOnError) throws {
        try checkStaleIfError(example)
    }

    private func checkStaleIfError(_ example: StaleOnError) throws {
        let tally = Tally()
        let origin = try ScriptedOrigin { _, connection in
            if tally.next() == 1 {
                try connection.respond(
                    headers: example.validator + [("Cache-Control", "max-age=1, stale-if-error=60")], body: "good body")
            } else {
                try connection.respond(status: 500, body: "origin failed")
            }
        }
        defer { origin.stop() }
        let proxy = try PorticoProcess(ProxyConfig(origin: origin.port))
        defer { proxy.stop() }

        let client = try RawClient(port: proxy.port)
        let first = try Self.exchange(client, Wire.get("/fragile"))
        #expect(Self.isStored(first), "Cache-Status: \(Self.cacheStatus(first))")
        Self.pause(1.2)
        if example.stopOrigin { origin.stop() }

        let stale = try Self.exchange(client, Wire.get("/fragile"))
        #expect(stale.status == 200)
        #expect(stale.bodyText == "good body")
        #expect(Self.parameter("fwd", of: stale) == "stale", "Cache-Status: \(Self.cacheStatus(stale))")
        let ttl = Self.parameter("ttl", of: stale).flatMap { Int($0) }
        #expect(ttl != nil && ttl! < 0, "a stale response has a negative ttl: \(Self.cacheStatus(stale))")
        if !example.stopOrigin { #expect(origin.requestCount == 2) }
    }

    @Test(arguments: [false, true])
    func mustRevalidateForbidsServingStaleOnError(_ stopOrigin: Bool) throws {
        let tally = Tally()
        let origin = try ScriptedOrigin { _, connection in
            if tally.next() == 1 {
                try connection.respond(
                    headers: [("ETag", "\"m1\""), ("Cache-Control", "max-age=1, must-revalidate, stale-if-error=60")],
                    body: "good body")
            } else {
                try connection.respond(status: 500, body: "origin failed")
            }
        }
        defer { origin.stop() }
        let proxy = try PorticoProcess(ProxyConfig(origin: origin.port))
        defer { proxy.stop() }

        let client = try RawClient(port: proxy.port)
        _ = try Self.exchange(client, Wire.get("/strict"))
        Self.pause(1.2)
        if stopOrigin { origin.stop() }
        let response = try RawClient.request(port: proxy.port, Wire.get("/strict"))
        #expect(response.status >= 500, "RFC 9111 §4.2.4: \(response)")
        // §5.2.2.2: a disconnected cache generates a 504; an origin's own 500 is passed on.
        #expect(response.status == (stopOrigin ? 504 : 500), "\(response)")
        #expect(response.bodyText != "good body")
        if !stopOrigin { #expect(origin.requestCount == 2) }
    }

    // MARK: - Request directives

    @Test func requestNoCacheGoesToTheOrigin() throws {
        let origin = try Self.numberingOrigin(headers: [("Cache-Control", "max-age=60")])
        defer { origin.stop() }
        let proxy = try PorticoProcess(ProxyConfig(origin: origin.port))
        defer { proxy.stop() }

        let client = try RawClient(port: proxy.port)
        _ = try Self.exchange(client, Wire.get("/reload"))
        let forced = try Self.exchange(client, Wire.get("/reload", extra: "Cache-Control: no-cache\r\n"))
        #expect(forced.bodyText == "response 2")
        #expect(Self.parameter("fwd", of: forced) == "request", "Cache-Status: \(Self.cacheStatus(forced))")
        // §5.4: Pragma: no-cache without Cache-Control means the same.
        let pragma = try Self.exchange(client, Wire.get("/reload", extra: "Pragma: no-cache\r\n"))
        #expect(pragma.bodyText == "response 3")
        #expect(origin.requestCount == 3)
        // The response to the forced request replaced the stored one.
        let hit = try Self.exchange(client, Wire.get("/reload"))
        #expect(hit.bodyText == "response 3")
        #expect(Self.isHit(hit))
    }

    @Test func onlyIfCached() throws {
        let origin = try Self.numberingOrigin(headers: [("Cache-Control", "max-age=60")])
        defer { origin.stop() }
        let proxy = try PorticoProcess(ProxyConfig(origin: origin.port))
        defer { proxy.stop() }

        let client = try RawClient(port: proxy.port)
        let miss = try Self.exchange(client, Wire.get("/offline", extra: "Cache-Control: only-if-cached\r\n"))
        #expect(miss.status == 504, "RFC 9111 §5.2.1.7")
        #expect(origin.requestCount == 0)

        _ = try Self.exchange(client, Wire.get("/offline"))
        let hit = try Self.exchange(client, Wire.get("/offline", extra: "Cache-Control: only-if-cached\r\n"))
        #expect(hit.status == 200)
        #expect(hit.bodyText == "response 1")
        #expect(origin.requestCount == 1)
    }

    @Test func requestMaxAgeZeroForcesRevalidation() throws {
        let origin = try Self.validatingOrigin(etag: "\"z1\"", headers: [("Cache-Control", "max-age=60")], body: "zero")
        defer { origin.stop() }
        let proxy = try PorticoProcess(ProxyConfig(origin: origin.port))
        defer { proxy.stop() }

        let client = try RawClient(port: proxy.port)
        _ = try Self.exchange(client, Wire.get("/max-age"))
        // Age counts whole seconds: wait for the stored response to be at least one second old.
        Self.pause(1.1)
        let revalidated = try Self.exchange(client, Wire.get("/max-age", extra: "Cache-Control: max-age=0\r\n"))
        #expect(revalidated.status == 200)
        #expect(revalidated.bodyText == "zero")
        #expect(origin.requestCount == 2)
        #expect(origin.requests.last?.header("If-None-Match") == "\"z1\"")
        #expect(Self.parameter("fwd-status", of: revalidated) == "304", "\(Self.cacheStatus(revalidated))")
        // A generous max-age is satisfied by the stored response.
        let hit = try Self.exchange(client, Wire.get("/max-age", extra: "Cache-Control: max-age=30\r\n"))
        #expect(Self.isHit(hit))
        #expect(origin.requestCount == 2)
    }

    /// RFC 9211 §2.2: `fwd=request` when a fresh stored response was selected but the request's
    /// directives did not allow its use; `fwd=stale` is for a stored response that was stale.
    @Test
    func revalidationForTheRequestSaysFwdRequest() throws {
        let origin = try Self.validatingOrigin(
            etag: "\"f1\"", headers: [("Cache-Control", "max-age=60")], body: "fresh")
        defer { origin.stop() }
        let proxy = try PorticoProcess(ProxyConfig(origin: origin.port))
        defer { proxy.stop() }

        let client = try RawClient(port: proxy.port)
        _ = try Self.exchange(client, Wire.get("/fresh"))
        let forced = try Self.exchange(client, Wire.get("/fresh", extra: "Cache-Control: no-cache\r\n"))
        #expect(origin.requests.last?.header("If-None-Match") == "\"f1\"")
        #expect(forced.bodyText == "fresh")
        #expect(Self.parameter("fwd", of: forced) == "request", "Cache-Status: \(Self.cacheStatus(forced))")
        #expect(Self.parameter("fwd-status", of: forced) == "304")
    }

    @Test func requestMaxStaleAcceptsAStaleResponse() throws {
        let origin = try Self.numberingOrigin(headers: [("Cache-Control", "max-age=1")])
        defer { origin.stop() }
        let proxy = try PorticoProcess(ProxyConfig(origin: origin.port))
        defer { proxy.stop() }

        let client = try RawClient(port: proxy.port)
        _ = try Self.exchange(client, Wire.get("/old"))
        Self.pause(1.2)
        let stale = try Self.exchange(client, Wire.get("/old", extra: "Cache-Control: max-stale=60\r\n"))
        #expect(stale.bodyText == "response 1", "RFC 9111 §5.2.1.2")
        #expect(Self.isHit(stale), "Cache-Status: \(Self.cacheStatus(stale))")
        #expect(origin.requestCount == 1)
        let fresh = try Self.exchange(client, Wire.get("/old"))
        #expect(fresh.bodyText == "response 2", "without max-stale a stale response is not used")
        #expect(origin.requestCount == 2)
    }

    /// RFC 9111 §4.3.4: a 304 whose validator does not match the stored response updates nothing;
    /// the client, which sent no condition, must get a full response.
    @Test
    func mismatched304IsNotPassedToAnUnconditionalClient() throws {
        let tally = Tally()
        let origin = try ScriptedOrigin { request, connection in
            let number = tally.next()
            if request.has("If-None-Match") {
                try connection.respond(status: 304, headers: [("ETag", "\"other\""), ("Cache-Control", "max-age=60")])
            } else {
                try connection.respond(
                    headers: [("ETag", "\"m\(number)\""), ("Cache-Control", "max-age=1")], body: "body \(number)")
            }
        }
        defer { origin.stop() }
        let proxy = try PorticoProcess(ProxyConfig(origin: origin.port))
        defer { proxy.stop() }

        let client = try RawClient(port: proxy.port)
        _ = try Self.exchange(client, Wire.get("/mismatch"))
        Self.pause(1.2)
        let response = try Self.exchange(client, Wire.get("/mismatch"))
        let requests = origin.requests
        #expect(requests.count == 3, "the miss, the revalidation, and a fetch without conditions")
        #expect(requests.dropLast().last?.header("If-None-Match") == "\"m1\"")
        #expect(requests.last?.header("If-None-Match") == nil)
        #expect(response.status == 200, "\(response)")
        #expect(response.bodyText == "body 3")
    }

    /// The refetch after a mismatched 304 gives back the server slot the 304 held: with
    /// `max_conns=1` every such refetch still gets through (one slot leaked each time, and the
    /// second one was answered 503).
    @Test func mismatched304RefetchGivesBackItsServerSlot() throws {
        let origin = try ScriptedOrigin { request, connection in
            if request.has("If-None-Match") {
                try connection.respond(status: 304, headers: [("ETag", "\"other\"")])
            } else {
                try connection.respond(headers: [("ETag", "\"v1\""), ("Cache-Control", "max-age=0")], body: "full")
            }
        }
        defer { origin.stop() }
        let proxy = try PorticoProcess(
            config: """
                workers 1;
                backend app { server 127.0.0.1:\(origin.port) max_conns=1; response_timeout 2s; }
                """)
        defer { proxy.stop() }
        let client = try RawClient(port: proxy.port)
        for round in 1...4 {
            let response = try Self.exchange(client, Wire.get("/slot"))
            #expect(response.status == 200 && response.bodyText == "full", "round \(round): \(response)")
        }
    }

    // MARK: - Incomplete and large responses

    /// A stored 200 answers a single byte range with a 206 from memory (RFC 9110 §14), for small
    /// bodies and for large, file-backed ones alike; what it cannot answer simply gets the 200.
    @Test(arguments: [1000, 200_000])
    func rangeRequestsAreAnsweredFromTheStoredResponse(_ size: Int) throws {
        let body = Bytes.pattern(count: size)
        let origin = try ScriptedOrigin { _, connection in
            try connection.respond(headers: [("Cache-Control", "max-age=60"), ("ETag", "\"r1\"")], body: body)
        }
        defer { origin.stop() }
        let proxy = try PorticoProcess(ProxyConfig(origin: origin.port))
        defer { proxy.stop() }

        let client = try RawClient(port: proxy.port)
        _ = try Self.exchange(client, Wire.get("/media"))
        let part = try Self.exchange(client, Wire.get("/media", extra: "Range: bytes=100-199\r\n"))
        #expect(part.status == 206)
        #expect(part.header("Content-Range") == "bytes 100-199/\(size)")
        #expect(part.body == Array(body[100..<200]))
        #expect(Self.isHit(part) && part.header("Age") != nil)

        let suffix = try Self.exchange(client, Wire.get("/media", extra: "Range: bytes=-10\r\n"))
        #expect(suffix.status == 206 && suffix.body == Array(body[(size - 10)...]))

        let past = try Self.exchange(client, Wire.get("/media", extra: "Range: bytes=\(size)-\r\n"))
        #expect(past.status == 416)
        #expect(past.header("Content-Range") == "bytes */\(size)")

        let several = try Self.exchange(client, Wire.get("/media", extra: "Range: bytes=0-1,5-6\r\n"))
        #expect(several.status == 200 && several.body.count == size)

        let changed = try Self.exchange(
            client, Wire.get("/media", extra: "Range: bytes=0-9\r\nIf-Range: \"r0\"\r\n"))
        #expect(changed.status == 200 && changed.body == body, "If-Range did not match: the whole response")

        let same = try Self.exchange(client, Wire.get("/media", extra: "Range: bytes=0-9\r\nIf-Range: \"r1\"\r\n"))
        #expect(same.status == 206 && same.body == Array(body[0..<10]))
        #expect(origin.requestCount == 1)
    }

    /// A large stored body is shared by every response that sends it: the bytes must arrive exact,
    /// to pipelined, HTTP/1.0 and concurrent clients alike.
    @Test func largeStoredBodyIsServedIntact() throws {
        let body = Bytes.pattern(count: 1 << 20)
        let origin = try ScriptedOrigin { _, connection in
            try connection.respond(headers: [("Cache-Control", "max-age=60")], body: body)
        }
        defer { origin.stop() }
        let proxy = try PorticoProcess(ProxyConfig(origin: origin.port))
        defer { proxy.stop() }

        let first = try Self.exchange(try RawClient(port: proxy.port), Wire.get("/big"))
        #expect(Bytes.digest(first.body) == Bytes.digest(body))
        #expect(Self.isStored(first))

        let pipelined = try RawClient(port: proxy.port)
        try pipelined.send(Wire.get("/big") + Wire.get("/big") + "HEAD /big HTTP/1.1\r\nHost: test.example\r\n\r\n")
        for _ in 0..<2 {
            let hit = try pipelined.readFinalResponse()
            #expect(Self.isHit(hit))
            #expect(hit.body.count == body.count && Bytes.digest(hit.body) == Bytes.digest(body))
        }
        let head = try pipelined.readFinalResponse(forHEAD: true)
        #expect(head.header("Content-Length") == String(body.count) && head.body.isEmpty)

        let old = try RawClient(port: proxy.port)
        try old.send("GET /big HTTP/1.0\r\nHost: test.example\r\n\r\n")
        let hit10 = try old.readFinalResponse()
        #expect(Bytes.digest(hit10.body) == Bytes.digest(body))

        let results = CoalescingTests.concurrentGets(4, port: proxy.port, target: "/big")
        #expect(results.allSatisfy { $0.0.map { Bytes.digest($0.body) } == Bytes.digest(body) })
        #expect(origin.requestCount == 1)
    }

    @Test(arguments: [false, true])
    func truncatedResponseIsNeverStored(_ chunked: Bool) throws {
        let body = Bytes.pattern(count: 1000)
        let tally = Tally()
        let origin = try ScriptedOrigin { _, connection in
            if tally.next() == 1 {
                if chunked {
                    try connection.sendRaw(
                        "HTTP/1.1 200 OK\r\nCache-Control: max-age=60\r\nTransfer-Encoding: chunked\r\n\r\n1f4\r\n")
                } else {
                    try connection.sendRaw(
                        "HTTP/1.1 200 OK\r\nCache-Control: max-age=60\r\nContent-Length: 1000\r\n\r\n")
                }
                try connection.sendRaw(Array(body[..<500]))
                connection.sleep(0.1)
                connection.close()
            } else {
                try connection.respond(headers: [("Cache-Control", "max-age=60")], body: body)
            }
        }
        defer { origin.stop() }
        let proxy = try PorticoProcess(ProxyConfig(origin: origin.port))
        defer { proxy.stop() }

        let cut = try RawClient(port: proxy.port)
        try cut.send(Wire.get("/cut"))
        #expect(throws: (any Error).self, "the client must see the response cut short") {
            _ = try cut.readResponse()
        }

        let whole = try RawClient.request(port: proxy.port, Wire.get("/cut"))
        #expect(whole.status == 200)
        #expect(whole.body == body)
        #expect(!Self.isHit(whole), "Cache-Status: \(Self.cacheStatus(whole))")
        #expect(origin.requestCount == 2)
    }

    @Test func maxObjectLimitsWhatIsStored() throws {
        let origin = try ScriptedOrigin { request, connection in
            let size = Int(request.path.dropFirst("/size/".count)) ?? 0
            let body = Bytes.pattern(count: size)
            if request.target.hasSuffix("?chunked") {
                try connection.respondChunked(
                    headers: [("Cache-Control", "max-age=60")], chunks: [Array(body[..<1000]), Array(body[1000...])])
            } else {
                try connection.respond(headers: [("Cache-Control", "max-age=60")], body: body)
            }
        }
        defer { origin.stop() }
        var config = ProxyConfig(origin: origin.port)
        config.extra = "cache { max_object 1k; }"
        let proxy = try PorticoProcess(config)
        defer { proxy.stop() }

        let client = try RawClient(port: proxy.port)
        for target in ["/size/4096", "/size/4096?chunked"] {
            for _ in 1...2 {
                let response = try Self.exchange(client, Wire.get(target))
                #expect(response.body.count == 4096)
                #expect(!Self.isHit(response), "\(target): \(Self.cacheStatus(response))")
            }
        }
        #expect(origin.requestCount == 4)
        let small = try Self.exchange(client, Wire.get("/size/512"))
        #expect(Self.isStored(small))
        let smallAgain = try Self.exchange(client, Wire.get("/size/512"))
        #expect(smallAgain.body == Bytes.pattern(count: 512))
        #expect(Self.isHit(smallAgain), "Cache-Status: \(Self.cacheStatus(smallAgain))")
        #expect(origin.requestCount == 5)
    }

    @Test func memoryBudgetBoundsTheProcessAndEvictsTheOldest() throws {
        let objectSize = 200 * 1024
        let body = Bytes.pattern(count: objectSize)
        let origin = try ScriptedOrigin { _, connection in
            try connection.respond(headers: [("Cache-Control", "max-age=3600")], body: body)
        }
        defer { origin.stop() }
        var config = ProxyConfig(origin: origin.port)
        config.extra = "cache { memory 4m; max_object 256k; }"
        let proxy = try PorticoProcess(config)
        defer { proxy.stop() }

        let client = try RawClient(port: proxy.port)
        for index in 0..<5 {
            #expect(try Self.exchange(client, Wire.get("/warmup/\(index)")).body.count == objectSize)
        }
        let baseline = try #require(proxy.residentBytes)

        let count = 200  // 40 MiB of distinct objects through a 4 MiB cache
        for index in 0..<count {
            let response = try Self.exchange(client, Wire.get("/object/\(index)"))
            #expect(response.body.count == objectSize)
        }
        let after = try #require(proxy.residentBytes)
        let growth = after - baseline
        // Measured: about 2 MiB of growth. Without the budget it would be the 40 MiB sent.
        #expect(
            growth < 12 * 1024 * 1024,
            "RSS grew by \(growth / 1024) KiB (baseline \(baseline / 1024) KiB, after \(after / 1024) KiB)")
        #expect(origin.requestCount == 5 + count)

        let latest = try Self.exchange(client, Wire.get("/object/\(count - 1)"))
        #expect(Self.isHit(latest), "the latest object is still stored: \(Self.cacheStatus(latest))")
        #expect(origin.requestCount == 5 + count)
        let earliest = try Self.exchange(client, Wire.get("/object/0"))
        #expect(!Self.isHit(earliest), "the earliest object was evicted: \(Self.cacheStatus(earliest))")
        #expect(earliest.body.count == objectSize)
        #expect(origin.requestCount == 5 + count + 1)
    }
}
