import Testing

/// Large and differently framed bodies arrive intact in both directions (RFC 9112 §6, §7).
@Suite("Bodies", .timeLimit(.minutes(1)))
struct BodyTests {
    enum Framing: String, CaseIterable, Sendable {
        case contentLength, chunked
    }

    static let mebibyte = 1 << 20

    @Test(arguments: Framing.allCases)
    func oneMebibyteRequestBodyArrivesIntact(framing: Framing) throws {
        let origin = try ScriptedOrigin { request, connection in
            try connection.respond(body: Bytes.digest(request.body))
        }
        defer { origin.stop() }
        let proxy = try PorticoProcess(ProxyConfig(origin: origin.port))
        defer { proxy.stop() }

        let body = Bytes.pattern(count: Self.mebibyte, seed: 7)
        let client = try RawClient(port: proxy.port)
        switch framing {
        case .contentLength: try client.send(Wire.post("/upload", body: body), timeout: 10)
        case .chunked: try client.send(Wire.postChunked("/upload", body: body, chunkSize: 10_000), timeout: 10)
        }
        let response = try client.readResponse(timeout: 10)
        #expect(response.status == 200)
        #expect(response.bodyText == Bytes.digest(body), "the origin saw a different body")
        #expect(origin.requests.first.map { Bytes.digest($0.body) } == Bytes.digest(body))
    }

    @Test(arguments: Framing.allCases)
    func oneMebibyteResponseBodyArrivesIntact(framing: Framing) throws {
        let body = Bytes.pattern(count: Self.mebibyte, seed: 11)
        let origin = try ScriptedOrigin { _, connection in
            switch framing {
            case .contentLength:
                try connection.respond(headers: [("Content-Type", "application/octet-stream")], body: body)
            case .chunked:
                let chunks = stride(from: 0, to: body.count, by: 65_537).map {
                    Array(body[$0..<min($0 + 65_537, body.count)])
                }
                try connection.respondChunked(chunks: chunks)
            }
        }
        defer { origin.stop() }
        let proxy = try PorticoProcess(ProxyConfig(origin: origin.port))
        defer { proxy.stop() }

        let client = try RawClient(port: proxy.port)
        try client.send(Wire.get("/download"))
        let response = try client.readResponse(timeout: 10)
        #expect(response.status == 200)
        #expect(Bytes.digest(response.body) == Bytes.digest(body))
        // And the connection is still usable afterwards.
        try client.send(Wire.get("/download"))
        #expect(try client.readResponse(timeout: 10).body.count == body.count)
    }

    @Test func closeDelimitedResponseArrivesIntact() throws {
        let body = Bytes.pattern(count: 256 * 1024, seed: 13)
        let origin = try ScriptedOrigin { _, connection in
            try connection.respond(
                headers: [("Content-Type", "application/octet-stream")], body: body, contentLength: false)
            connection.close()
        }
        defer { origin.stop() }
        let proxy = try PorticoProcess(ProxyConfig(origin: origin.port))
        defer { proxy.stop() }

        let response = try RawClient.request(port: proxy.port, Wire.get("/stream"), timeout: 10)
        #expect(response.status == 200)
        #expect(Bytes.digest(response.body) == Bytes.digest(body))
    }
}
