import Testing

/// Cases a black-box RFC 9112 / RFC 9110 probe found wrong, through the binary: framing a client
/// could misread, hosts no backend should see, and requests that must still be answered.
@Suite("Messaging conformance", .timeLimit(.minutes(1)))
struct MessagingConformanceTests {
    /// RFC 9110 §9.3.2: Portico's own answer to HEAD has no body, or the next response on the
    /// connection would be read from the middle of it.
    @Test func errorAnswerToHeadHasNoBodyAndKeepsThePipelineInStep() throws {
        let port = try TestSocket.unusedPort()
        let proxy = try PorticoProcess(ProxyConfig(origin: port))
        defer { proxy.stop() }

        let client = try RawClient(port: proxy.port)
        try client.send(
            "HEAD /dead HTTP/1.1\r\nHost: test.example\r\n\r\nGET /after HTTP/1.1\r\nHost: test.example\r\n\r\n")
        let head = try client.readResponse(forHEAD: true)
        #expect(head.status == 502)
        let next = try client.readResponse()
        #expect(next.status == 502, "the GET's own answer, read where it starts")
        #expect(next.bodyText.hasPrefix("502 Bad Gateway"), "\(next)")
    }

    /// RFC 9110 §4.2.2: an `https://` target on this plain listener is not answered from (or
    /// stored under) the `http://` resource of the same name: 421, and the connection goes on.
    @Test func httpsTargetOnThePlainListenerIsMisdirected() throws {
        let origin = try ScriptedOrigin { _, connection in
            try connection.respond(headers: [("Cache-Control", "max-age=60")], body: "plain")
        }
        defer { origin.stop() }
        let proxy = try PorticoProcess(ProxyConfig(origin: origin.port))
        defer { proxy.stop() }

        let client = try RawClient(port: proxy.port)
        try client.send("GET http://s.test/x HTTP/1.1\r\nHost: s.test\r\n\r\n")
        #expect(try client.readResponse().bodyText == "plain")
        for target in ["https://s.test/x", "HTTPS://s.test/x"] {
            try client.send("GET \(target) HTTP/1.1\r\nHost: s.test\r\n\r\n")
            let misdirected = try client.readResponse()
            #expect(misdirected.status == 421, "\(misdirected)")
            #expect(misdirected.header("Cache-Status") == "portico; fwd=bypass", "\(misdirected)")
        }
        try client.send("GET /x HTTP/1.1\r\nHost: s.test\r\n\r\n")
        #expect(try client.readResponse().bodyText == "plain", "the connection goes on")
        #expect(origin.headCount == 1)
    }

    /// RFC 9112 §6.1: a transfer coding Portico cannot undo is not passed on unlabelled.
    @Test(arguments: ["gzip, chunked", "gzip"])
    func responseWithAnotherTransferCodingIsRefused(_ codings: String) throws {
        let origin = try ScriptedOrigin(connectionScript: { connection in
            _ = try connection.readRequest()
            try connection.sendRaw(
                "HTTP/1.1 200 OK\r\nCache-Control: max-age=60\r\nTransfer-Encoding: \(codings)\r\n\r\n5\r\n\u{1f}\u{8b}abc\r\n0\r\n\r\n"
            )
            connection.close()
        })
        defer { origin.stop() }
        let proxy = try PorticoProcess(ProxyConfig(origin: origin.port))
        defer { proxy.stop() }

        let response = try RawClient.request(port: proxy.port, Wire.get("/packed"))
        #expect(response.status == 502, "\(response)")
    }

    /// RFC 9112 §3.2: a Host that is not `uri-host [":" port]` gets a 400 and reaches nobody.
    @Test(arguments: ["a.test:abc", "a.test:80:81", "[::1", ""])
    func invalidHostIsRefused(_ host: String) throws {
        let origin = try ScriptedOrigin.responding()
        defer { origin.stop() }
        let proxy = try PorticoProcess(ProxyConfig(origin: origin.port))
        defer { proxy.stop() }

        let response = try RawClient.request(port: proxy.port, "GET / HTTP/1.1\r\nHost: \(host)\r\n\r\n")
        #expect(response.status == 400)
        #expect(origin.requestCount == 0)
    }

    /// RFC 9112 §3.2: the HTTP/1.1 request to the backend carries a Host even when the HTTP/1.0
    /// client sent none; RFC 9110 §7.6.3: Via says it came in as 1.0.
    @Test func http10RequestWithoutHostReachesTheBackendWithOne() throws {
        let origin = try ScriptedOrigin.responding()
        defer { origin.stop() }
        let proxy = try PorticoProcess(ProxyConfig(origin: origin.port))
        defer { proxy.stop() }

        let response = try RawClient.request(port: proxy.port, "GET /old HTTP/1.0\r\n\r\n")
        #expect(response.status == 200)
        let seen = try #require(origin.requests.first)
        #expect(seen.header("Host") == "127.0.0.1:\(origin.port)")
        #expect(seen.header("Via") == "1.0 portico")
    }

    /// RFC 9112 §3.2.4: `OPTIONS http://host` asks about the server as a whole: `OPTIONS *`.
    @Test func optionsForTheWholeServerIsForwardedAsAsterisk() throws {
        let origin = try ScriptedOrigin.responding()
        defer { origin.stop() }
        let proxy = try PorticoProcess(ProxyConfig(origin: origin.port))
        defer { proxy.stop() }

        let response = try RawClient.request(
            port: proxy.port, "OPTIONS http://opt.test HTTP/1.1\r\nHost: opt.test\r\n\r\n")
        #expect(response.status == 200)
        #expect(origin.requests.first?.target == "*")
    }

    /// A client that pipelines and then shuts its side still gets every answer it asked for.
    @Test func pipelinedRequestsAreAllAnsweredAfterTheClientHalfCloses() throws {
        let origin = try ScriptedOrigin { request, connection in try connection.respond(body: request.target) }
        defer { origin.stop() }
        let proxy = try PorticoProcess(ProxyConfig(origin: origin.port))
        defer { proxy.stop() }

        let client = try RawClient(port: proxy.port)
        try client.send(Wire.get("/1") + Wire.get("/2") + Wire.get("/3"))
        client.shutdownWrite()
        for index in 1...3 {
            let response = try client.readResponse()
            #expect(response.bodyText == "/\(index)")
        }
        #expect(client.isClosed(within: 2))
    }

    /// A pipelined upload the client abandons by half-closing: the request before it is
    /// answered, and the backend never sees the upload as complete.
    @Test func abandonedPipelinedUploadStillAnswersTheRequestBeforeIt() throws {
        let origin = try ScriptedOrigin { request, connection in try connection.respond(body: request.target) }
        defer { origin.stop() }
        let proxy = try PorticoProcess(ProxyConfig(origin: origin.port))
        defer { proxy.stop() }

        let client = try RawClient(port: proxy.port)
        try client.send(
            Wire.get("/first") + "POST /upload HTTP/1.1\r\nHost: test.example\r\nContent-Length: 10\r\n\r\nhello")
        client.shutdownWrite()
        let first = try client.readResponse()
        #expect(first.bodyText == "/first")
        #expect(client.isClosed(within: 3))
        #expect(!origin.requests.contains { $0.target == "/upload" && $0.body.count == 10 })
    }

    /// `client_idle` runs from the head of a request with a body: a chunked upload that stalls
    /// after its first size line, before any data, is not held open forever.
    @Test func uploadStalledBeforeItsFirstByteIsClosedAfterClientIdle() throws {
        let origin = try ScriptedOrigin.responding()
        defer { origin.stop() }
        let proxy = try PorticoProcess(ProxyConfig(origin: origin.port))
        defer { proxy.stop() }

        let client = try RawClient(port: proxy.port)
        try client.send("PUT /stall HTTP/1.1\r\nHost: test.example\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n")
        let stopwatch = Stopwatch()
        #expect(client.isClosed(within: 2 + Timing.slack), "open after \(stopwatch.seconds) s; client_idle is 2s")
    }

    /// RFC 9110 §9.3.2: a HEAD refused by the parser gets its error without a body too.
    @Test func headRefusedByTheParserGetsNoBody() throws {
        let proxy = try PorticoProcess(ProxyConfig(origin: try TestSocket.unusedPort()))
        defer { proxy.stop() }

        let client = try RawClient(port: proxy.port)
        try client.send("HEAD / HTTP/1.1\r\nHost: a.test:abc\r\n\r\n")
        let response = try client.readResponse(forHEAD: true)
        #expect(response.status == 400)
        #expect(try client.readAll().isEmpty, "bytes after the head of a HEAD answer")
    }

    /// An HTTP/1.0 client that asked to keep its connection is told so by Portico's own answers.
    @Test func errorToAKeepAliveHTTP10ClientSaysKeepAlive() throws {
        let proxy = try PorticoProcess(ProxyConfig(origin: try TestSocket.unusedPort()))
        defer { proxy.stop() }

        let client = try RawClient(port: proxy.port)
        try client.send("GET /dead HTTP/1.0\r\nHost: test.example\r\nConnection: keep-alive\r\n\r\n")
        let response = try client.readResponse()
        #expect(response.status == 502)
        #expect(response.header("Connection")?.lowercased() == "keep-alive", "\(response)")
    }
}
