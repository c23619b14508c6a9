import Foundation
import Testing

/// A request goes through portico to the origin and back: what the origin and the client see
/// (RFC 9110 §7.6 hop-by-hop fields and Via, RFC 9112 §9 persistence and pipelining).
@Suite("Forwarding", .timeLimit(.minutes(1)))
struct ForwardingTests {
    /// An origin that answers every request with its target as the body.
    static func echoTargetOrigin() throws -> ScriptedOrigin {
        try ScriptedOrigin { request, connection in
            try connection.respond(headers: [("Content-Type", "text/plain")], body: request.target)
        }
    }

    /// An origin that answers every request with `got: ` and the body it received.
    static func echoBodyOrigin() throws -> ScriptedOrigin {
        try ScriptedOrigin { request, connection in
            try connection.respond(body: "got: \(request.bodyText)")
        }
    }

    @Test func getIsForwardedAndAnswered() throws {
        let origin = try ScriptedOrigin { request, connection in
            try connection.respond(
                headers: [("Content-Type", "text/plain"), ("X-Served-By", "s1")],
                body: "hello \(request.target)"
            )
        }
        defer { origin.stop() }
        let proxy = try PorticoProcess(ProxyConfig(origin: origin.port))
        defer { proxy.stop() }

        let response = try RawClient.request(port: proxy.port, Wire.get("/greeting?lang=en"))
        #expect(response.status == 200)
        #expect(response.bodyText == "hello /greeting?lang=en")
        #expect(response.header("Content-Type") == "text/plain")
        #expect(response.header("X-Served-By") == "s1")
        let seen = try #require(origin.requests.first)
        #expect(seen.method == "GET")
        #expect(seen.target == "/greeting?lang=en")
        #expect(origin.requestCount == 1)
    }

    @Test func originSeesForwardingHeadersAndNoHopByHopFields() throws {
        let origin = try ScriptedOrigin { _, connection in try connection.respond(body: "ok") }
        defer { origin.stop() }
        let proxy = try PorticoProcess(ProxyConfig(origin: origin.port))
        defer { proxy.stop() }

        let client = try RawClient(port: proxy.port)
        try client.send(
            "GET /headers HTTP/1.1\r\n"
                + "Host: shop.example\r\n"
                + "X-Forwarded-Host: evil.example\r\n"
                + "Connection: close, X-Secret\r\n"
                + "Keep-Alive: timeout=5\r\n"
                + "TE: trailers\r\n"
                + "Upgrade: example/1\r\n"
                + "Proxy-Connection: keep-alive\r\n"
                + "X-Secret: only for the next hop\r\n"
                + "X-End-To-End: kept\r\n"
                + "\r\n"
        )
        let response = try client.readResponse()
        #expect(response.status == 200)
        // The client asked to close: the proxy closes after the response (RFC 9112 §9.6).
        #expect(client.isClosed(within: 2))

        let seen = try #require(origin.requests.first)
        #expect(seen.values("X-Forwarded-For") == ["127.0.0.1"])
        #expect(seen.values("X-Forwarded-Proto") == ["http"])
        #expect(
            seen.values("X-Forwarded-Host") == ["shop.example"], "client-supplied X-Forwarded-Host must be replaced")
        #expect(seen.values("Via").count == 1)
        #expect(seen.header("Via")?.hasPrefix("1.1 portico") == true, "Via: \(seen.values("Via"))")
        for name in ["Keep-Alive", "TE", "Upgrade", "Proxy-Connection", "X-Secret"] {
            #expect(!seen.has(name), "hop-by-hop field \(name) was forwarded: \(seen.values(name))")
        }
        // The proxy may send its own Connection field upstream, but never the client's options.
        #expect(!seen.tokens("Connection").contains("x-secret"))
        #expect(!seen.tokens("Connection").contains("close"), "the client's Connection: close was forwarded")
        #expect(seen.header("X-End-To-End") == "kept")
    }

    @Test func clientSeesViaAndNoHopByHopFieldsFromOrigin() throws {
        let origin = try ScriptedOrigin { _, connection in
            try connection.respond(
                headers: [
                    ("Connection", "X-Internal, upgrade"),
                    ("Keep-Alive", "timeout=5, max=100"),
                    ("X-Internal", "origin secret"),
                    ("Proxy-Connection", "keep-alive"),
                    ("Upgrade", "example/1"),
                    ("X-End-To-End", "kept"),
                ],
                body: "ok"
            )
        }
        defer { origin.stop() }
        let proxy = try PorticoProcess(ProxyConfig(origin: origin.port))
        defer { proxy.stop() }

        let client = try RawClient(port: proxy.port)
        try client.send(Wire.get("/response-headers"))
        let response = try client.readResponse()
        #expect(response.status == 200)
        #expect(response.bodyText == "ok")
        #expect(response.header("Via")?.contains("1.1 portico") == true, "Via: \(response.values("Via"))")
        #expect(response.header("X-End-To-End") == "kept")
        for name in ["Keep-Alive", "X-Internal", "Proxy-Connection", "Upgrade"] {
            #expect(!response.has(name), "hop-by-hop field \(name) reached the client: \(response.values(name))")
        }
        #expect(!response.tokens("Connection").contains("x-internal"))
        #expect(!response.tokens("Connection").contains("upgrade"))
        // The origin's Connection options do not end the client's connection.
        try client.send(Wire.get("/again"))
        #expect(try client.readResponse().status == 200)
    }

    @Test func threeRequestsOnOneKeepAliveConnection() throws {
        let origin = try Self.echoTargetOrigin()
        defer { origin.stop() }
        let proxy = try PorticoProcess(ProxyConfig(origin: origin.port))
        defer { proxy.stop() }

        let client = try RawClient(port: proxy.port)
        for index in 1...3 {
            try client.send(Wire.get("/keep/\(index)"))
            let response = try client.readResponse()
            #expect(response.status == 200)
            #expect(response.bodyText == "/keep/\(index)")
            #expect(!response.tokens("Connection").contains("close"))
        }
        #expect(origin.requests.map(\.target) == ["/keep/1", "/keep/2", "/keep/3"])
    }

    @Test func pipelinedRequestsAreAnsweredInOrder() throws {
        let origin = try ScriptedOrigin { request, connection in
            if request.target == "/pipe/1" { connection.sleep(0.2) }  // the first answer is the slowest
            try connection.respond(body: request.target)
        }
        defer { origin.stop() }
        let proxy = try PorticoProcess(ProxyConfig(origin: origin.port))
        defer { proxy.stop() }

        let client = try RawClient(port: proxy.port)
        try client.send((1...3).map { Wire.get("/pipe/\($0)") }.joined())
        var bodies: [String] = []
        for _ in 1...3 {
            let response = try client.readResponse()
            #expect(response.status == 200)
            bodies.append(response.bodyText)
        }
        #expect(bodies == ["/pipe/1", "/pipe/2", "/pipe/3"])
        #expect(origin.requestCount == 3)
    }

    @Test func http10ClientIsAnsweredAndConnectionClosed() throws {
        let origin = try Self.echoTargetOrigin()
        defer { origin.stop() }
        let proxy = try PorticoProcess(ProxyConfig(origin: origin.port))
        defer { proxy.stop() }

        let client = try RawClient(port: proxy.port)
        try client.send("GET /old HTTP/1.0\r\nHost: shop.example\r\n\r\n")
        let response = try client.readResponse()
        #expect(response.status == 200)
        #expect(response.bodyText == "/old")
        #expect(client.isClosed(within: 2))
    }

    @Test func http10ClientNeverGetsChunkedEncoding() throws {
        let body = Bytes.pattern(count: 50_000)
        let origin = try ScriptedOrigin { _, connection in
            try connection.respondChunked(chunks: [Array(body[..<20_000]), Array(body[20_000...])])
        }
        defer { origin.stop() }
        let proxy = try PorticoProcess(ProxyConfig(origin: origin.port))
        defer { proxy.stop() }

        let client = try RawClient(port: proxy.port)
        try client.send("GET /chunked HTTP/1.0\r\nHost: shop.example\r\n\r\n")
        let response = try client.readResponse()
        #expect(response.status == 200)
        // RFC 9112 §6.1: no Transfer-Encoding in a response to an HTTP/1.0 request.
        #expect(!response.has("Transfer-Encoding"))
        #expect(Bytes.digest(response.body) == Bytes.digest(body))
        #expect(client.isClosed(within: 2))
    }

    @Test func headResponseHasNoBody() throws {
        let body = Bytes.pattern(count: 5000)
        let origin = try ScriptedOrigin { _, connection in
            try connection.respond(headers: [("Content-Type", "application/octet-stream")], body: body)
        }
        defer { origin.stop() }
        let proxy = try PorticoProcess(ProxyConfig(origin: origin.port))
        defer { proxy.stop() }

        let client = try RawClient(port: proxy.port)
        try client.send("HEAD /file HTTP/1.1\r\nHost: shop.example\r\n\r\n")
        let head = try client.readResponse(forHEAD: true)
        #expect(head.status == 200)
        #expect(head.header("Content-Length") == "5000")
        // Had the proxy sent body bytes after the HEAD response, the next response would not parse.
        try client.send(Wire.get("/file"))
        let get = try client.readResponse()
        #expect(get.status == 200)
        #expect(Bytes.digest(get.body) == Bytes.digest(body))
        #expect(client.unreadBytes.isEmpty)
        #expect(origin.requests.map(\.method) == ["HEAD", "GET"])
    }

    @Test func noContentAndNotModifiedHaveNoBodyAndKeepTheConnection() throws {
        let origin = try ScriptedOrigin { request, connection in
            switch request.target {
            case "/204": try connection.respond(status: 204)
            case "/304": try connection.respond(status: 304, headers: [("ETag", "\"v1\"")])
            default: try connection.respond(body: "still here")
            }
        }
        defer { origin.stop() }
        let proxy = try PorticoProcess(ProxyConfig(origin: origin.port))
        defer { proxy.stop() }

        let client = try RawClient(port: proxy.port)
        try client.send(Wire.get("/204"))
        let noContent = try client.readResponse()
        #expect(noContent.status == 204)
        // RFC 9110 §8.6, RFC 9112 §6.1: neither Content-Length nor Transfer-Encoding in a 204.
        #expect(!noContent.has("Content-Length"))
        #expect(!noContent.has("Transfer-Encoding"))

        try client.send(Wire.get("/304", extra: "If-None-Match: \"v1\"\r\n"))
        let notModified = try client.readResponse()
        #expect(notModified.status == 304)
        #expect(notModified.header("ETag") == "\"v1\"")
        #expect(!notModified.has("Transfer-Encoding"))

        try client.send(Wire.get("/after"))
        let after = try client.readResponse()
        #expect(after.status == 200)
        #expect(after.bodyText == "still here")
        #expect(client.unreadBytes.isEmpty)
    }

    @Test func expectContinueGetsInterimResponseThenFinal() throws {
        let origin = try Self.echoBodyOrigin()
        defer { origin.stop() }
        let proxy = try PorticoProcess(ProxyConfig(origin: origin.port))
        defer { proxy.stop() }

        let client = try RawClient(port: proxy.port)
        try client.send(
            "POST /upload HTTP/1.1\r\nHost: shop.example\r\nContent-Length: 11\r\nExpect: 100-continue\r\n\r\n"
        )
        let interim = try client.readResponse()
        #expect(interim.status == 100)
        #expect(interim.version == "HTTP/1.1")
        try client.send("hello world")
        let final = try client.readFinalResponse()
        #expect(final.status == 200)
        #expect(final.bodyText == "got: hello world")
        let seen = try #require(origin.requests.first)
        #expect(seen.bodyText == "hello world")
        #expect(seen.header("Expect") == nil)
    }

    /// RFC 9110 §10.1.1: an HTTP/1.0 request's 100-continue is ignored; the client gets no
    /// interim response (§15.2 forbids one to HTTP/1.0), and the backend gets no expectation.
    @Test func expectContinueFromAnHTTP10ClientIsIgnored() throws {
        let origin = try Self.echoBodyOrigin()
        defer { origin.stop() }
        let proxy = try PorticoProcess(ProxyConfig(origin: origin.port))
        defer { proxy.stop() }

        let client = try RawClient(port: proxy.port)
        defer { client.close() }
        try client.send(
            "POST /upload HTTP/1.0\r\nHost: shop.example\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\nhello")
        let response = try client.readResponse()
        #expect(response.status == 200, "the first response is the final one")
        #expect(response.bodyText == "got: hello")
        let seen = try #require(origin.requests.first)
        #expect(seen.header("Expect") == nil)
    }

    /// RFC 9110 §15.2: a proxy forwards interim responses to HTTP/1.1 clients (its fields, minus
    /// hop-by-hop ones, and none of them in the final response), and never to HTTP/1.0 ones. The
    /// final response is still cached without them.
    @Test func interimResponsesReachHTTP11ClientsOnly() throws {
        let origin = try ScriptedOrigin { request, connection in
            try connection.sendRaw(
                "HTTP/1.1 102 Processing\r\n\r\n"
                    + "HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\nConnection: x-hop\r\n"
                    + "X-Hop: 1\r\nContent-Length: 0\r\n\r\n")
            try connection.respond(headers: [("Cache-Control", "max-age=60")], body: "final \(request.target)")
        }
        defer { origin.stop() }
        let proxy = try PorticoProcess(ProxyConfig(origin: origin.port))
        defer { proxy.stop() }

        let client = try RawClient(port: proxy.port)
        defer { client.close() }
        try client.send(Wire.get("/page"))
        let processing = try client.readResponse()
        #expect(processing.status == 102)
        let hints = try client.readResponse()
        #expect(hints.status == 103)
        #expect(hints.version == "HTTP/1.1")
        #expect(hints.header("Link") == "</a.css>; rel=preload")
        #expect(!hints.has("X-Hop"), "a field the interim response's Connection names is hop-by-hop")
        #expect(hints.header("Via") == "1.1 portico")
        #expect(!hints.has("Content-Length"), "an interim response has no body to frame")
        let final = try client.readResponse()
        #expect(final.status == 200)
        #expect(final.bodyText == "final /page")
        #expect(!final.has("Link"), "the final response takes none of the interim one's fields")

        let old = try RawClient(port: proxy.port)
        defer { old.close() }
        try old.send("GET /old HTTP/1.0\r\nHost: shop.example\r\n\r\n")
        let first = try old.readResponse()
        #expect(first.status == 200, "an HTTP/1.0 client gets the final response first")
        #expect(first.bodyText == "final /old")

        try client.send(Wire.get("/page"))
        let hit = try client.readResponse()
        #expect(hit.status == 200, "a hit has no interim responses")
        #expect(hit.header("Cache-Status")?.hasPrefix("portico; hit") == true)
        #expect(!hit.has("Link"))
        #expect(origin.requests.count == 2)
    }

    /// Interim responses are advice: a client that does not read gets no more of them once its
    /// output is full, so a backend that sends 102s without end (here 5 MB of them, far past what
    /// the sockets hold) cannot grow the proxy's memory. The final response still arrives whole.
    @Test func interimResponsesStopWhileTheClientDoesNotRead() throws {
        let interim = "HTTP/1.1 102 Processing\r\nX-Pad: \(String(repeating: "p", count: 64))\r\n\r\n"
        let count = 50_000
        let origin = try ScriptedOrigin { _, connection in
            try connection.sendRaw(String(repeating: interim, count: count))
            try connection.respond(body: "done")
        }
        defer { origin.stop() }
        let proxy = try PorticoProcess(ProxyConfig(origin: origin.port))
        defer { proxy.stop() }

        let client = try RawClient(port: proxy.port)
        defer { client.close() }
        try client.send(Wire.get("/slow-job"))
        Thread.sleep(forTimeInterval: 1)
        var received = 0
        var response = try client.readResponse(timeout: 20)
        while response.status == 102 {
            received += 1
            response = try client.readResponse(timeout: 20)
        }
        #expect(response.status == 200)
        #expect(response.bodyText == "done")
        #expect(received > 0 && received < count, "\(received) of \(count) interim responses forwarded")
    }

    /// A pooled backend connection that closes after an interim response is not one that closed
    /// before the request arrived: the request is not sent again (the client already has the
    /// 103), and the client gets a 502 after it.
    @Test func backendClosingAfterAnInterimResponseIsNotResent() throws {
        let origin = try ScriptedOrigin { request, connection in
            if request.target == "/hints-then-close" {
                try connection.sendRaw("HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n")
                connection.close()
            } else {
                try connection.respond(body: "first")
            }
        }
        defer { origin.stop() }
        var config = ProxyConfig(origin: origin.port)
        config.workers = 1
        let proxy = try PorticoProcess(config)
        defer { proxy.stop() }

        let client = try RawClient(port: proxy.port)
        defer { client.close() }
        try client.send(Wire.get("/first"))
        #expect(try client.readResponse().bodyText == "first")
        try client.send(Wire.get("/hints-then-close"))
        let hints = try client.readResponse()
        #expect(hints.status == 103)
        let final = try client.readResponse()
        #expect(final.status == 502, "one interim response, then the failure")
        #expect(origin.requests.map(\.target) == ["/first", "/hints-then-close"])
    }

    @Test func absoluteFormTargetIsForwardedAsOriginForm() throws {
        let origin = try Self.echoTargetOrigin()
        defer { origin.stop() }
        let proxy = try PorticoProcess(ProxyConfig(origin: origin.port))
        defer { proxy.stop() }

        // RFC 9112 §3.2.2: the target's authority replaces the Host field.
        let response = try RawClient.request(
            port: proxy.port,
            "GET http://example.com/x?y=1 HTTP/1.1\r\nHost: other.example\r\n\r\n"
        )
        #expect(response.status == 200)
        let seen = try #require(origin.requests.first)
        #expect(seen.target == "/x?y=1")
        #expect(seen.values("Host") == ["example.com"])
    }
}
