import Testing

/// `max_connections`: a worker at its share stops accepting, so a further client waits in the
/// kernel's backlog (its TCP connect succeeds, its request is not read) until a connection closes
/// (README, "Connections limit").
@Suite("Connection limit", .timeLimit(.minutes(1)))
struct ConnectionLimitTests {
    @Test func fifthConnectionWaitsUntilOneOfFourCloses() throws {
        let origin = try ScriptedOrigin { request, connection in try connection.respond(body: request.target) }
        defer { origin.stop() }
        var config = ProxyConfig(origin: origin.port)
        config.workers = 1
        config.limits = "max_connections 4;"
        config.timeouts = "client_header 5s; client_idle 30s; send 5s;"
        let proxy = try PorticoProcess(config)
        defer { proxy.stop() }

        var open: [RawClient] = []
        for index in 1...4 {
            let client = try RawClient(port: proxy.port)
            try client.send(Wire.get("/idle/\(index)"))
            let response = try client.readResponse()
            #expect(response.status == 200)
            #expect(response.bodyText == "/idle/\(index)")
            open.append(client)
        }

        let fifth = try RawClient(port: proxy.port, connectTimeout: 2)
        try fifth.send(Wire.get("/fifth"))
        #expect(!fifth.isClosed(within: 1), "the fifth connection was closed instead of waiting")
        #expect(fifth.unreadBytes.isEmpty, "answered over the limit: \(Bytes.preview(fifth.unreadBytes))")
        #expect(origin.requests.map(\.target).contains("/fifth") == false)

        open.removeFirst().close()
        let stopwatch = Stopwatch()
        let response = try fifth.readResponse(timeout: 2)
        #expect(response.status == 200)
        #expect(response.bodyText == "/fifth")
        #expect(stopwatch.seconds < 2)

        // The remaining connections still work, and so does a new one once another closes.
        for (index, client) in open.enumerated() {
            try client.send(Wire.get("/again/\(index)"))
            #expect(try client.readResponse().bodyText == "/again/\(index)")
        }
        open.removeFirst().close()
        let later = try RawClient.request(port: proxy.port, Wire.get("/later"))
        #expect(later.status == 200)
        #expect(proxy.isRunning)
    }
}
