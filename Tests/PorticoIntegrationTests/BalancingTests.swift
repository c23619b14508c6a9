import Testing

/// Requests are spread over a backend's servers by weight (smooth weighted round robin, which is
/// deterministic per worker), and a server that cannot be connected to costs the client nothing:
/// the request goes to the next server, whatever its method, since nothing was sent (README,
/// "Retries").
@Suite("Balancing", .timeLimit(.minutes(1)))
struct BalancingTests {
    static func origin(named name: String) throws -> ScriptedOrigin {
        try ScriptedOrigin { request, connection in
            try connection.respond(body: request.method == "POST" ? "\(name) \(Bytes.digest(request.body))" : name)
        }
    }

    @Test func weightsThreeToOneGiveExactlyThreeToOne() throws {
        let heavy = try Self.origin(named: "a")
        defer { heavy.stop() }
        let light = try Self.origin(named: "b")
        defer { light.stop() }
        var config = ProxyConfig(servers: [(heavy.port, 3), (light.port, 1)])
        config.workers = 1
        let proxy = try PorticoProcess(config)
        defer { proxy.stop() }

        let client = try RawClient(port: proxy.port)
        var sequence = ""
        for index in 0..<400 {
            try client.send(Wire.get("/\(index)"))
            let response = try client.readResponse()
            try #require(response.status == 200, "request \(index): \(response)")
            sequence += response.bodyText
        }
        #expect(heavy.requestCount == 300)
        #expect(light.requestCount == 100)
        // Smooth: every group of four has the 3:1 split, never a burst of one server.
        let groups = stride(from: 0, to: 400, by: 4).map { Array(sequence.dropFirst($0).prefix(4)) }
        let uneven = groups.enumerated().filter { $0.element.filter { $0 == "b" }.count != 1 }
        #expect(uneven.isEmpty, "groups of four without exactly one b: \(uneven.prefix(5)) in \(sequence.prefix(40))…")
    }

    @Test func connectFailureIsRetriedOnTheOtherServer() throws {
        let dead = try TestSocket.unusedPort()
        let live = try Self.origin(named: "live")
        defer { live.stop() }
        var config = ProxyConfig(servers: [(dead, 1), (live.port, 1)])
        config.workers = 1
        let proxy = try PorticoProcess(config)
        defer { proxy.stop() }

        let client = try RawClient(port: proxy.port)
        for index in 1...20 {
            try client.send(Wire.get("/\(index)"))
            let response = try client.readResponse()
            #expect(response.status == 200, "request \(index): \(response)")
            #expect(response.bodyText == "live")
        }
        #expect(live.requestCount == 20)
    }

    /// The dead server is listed first, so it wins the first pick (ties go to the first server)
    /// and every second one after; a body must reach the live server whole each time.
    @Test func postIsRetriedWhenTheDeadServerIsPickedFirst() throws {
        let dead = try TestSocket.unusedPort()
        let live = try Self.origin(named: "live")
        defer { live.stop() }
        var config = ProxyConfig(servers: [(dead, 1), (live.port, 1)])
        config.workers = 1
        let proxy = try PorticoProcess(config)
        defer { proxy.stop() }

        let client = try RawClient(port: proxy.port)
        for index in 1...4 {
            let body = Bytes.pattern(count: 300 * 1024, seed: UInt64(index))
            try client.send(Wire.post("/upload/\(index)", body: body), timeout: 10)
            let response = try client.readResponse(timeout: 10)
            #expect(response.status == 200, "POST \(index): \(response)")
            #expect(response.bodyText == "live \(Bytes.digest(body))", "POST \(index)")
        }
        #expect(live.requests.map(\.target) == (1...4).map { "/upload/\($0)" })
        #expect(proxy.stderr.contains("127.0.0.1:\(dead)"), "the dead server was never tried:\n\(proxy.stderr)")
    }
}
