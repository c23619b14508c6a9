import Glibc
import Testing

/// `timeouts { send 1s; }` drops a client that stops reading a response, and the worker keeps
/// serving everybody else meanwhile (README, "Timeouts").
@Suite("Slow clients", .timeLimit(.minutes(1)))
struct SlowClientTests {
    static let size = 64 << 20

    @Test func clientThatStopsReadingIsDroppedAfterSendTimeout() throws {
        let started = Barrier(name: "large response started")
        let origin = try ScriptedOrigin { request, connection in
            guard request.path == "/large" else { return try connection.respond(body: request.target) }
            try connection.sendRaw(
                "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: \(Self.size)\r\n\r\n")
            started.arrive()
            try PatternBody(count: Self.size).forEachBlock { try connection.sendRaw($0) }
        }
        defer { origin.stop() }
        var config = ProxyConfig(origin: origin.port)
        config.workers = 1
        config.timeouts = "client_header 1s; client_idle 10s; send 1s;"
        let proxy = try PorticoProcess(config)
        defer { proxy.stop() }

        let stalled = try RawClient(port: proxy.port)
        try stalled.send(Wire.get("/large"))
        try started.wait(timeout: 5)
        let stopwatch = Stopwatch()

        // Meanwhile, on the same worker, another client is answered promptly, over and over.
        let other = try RawClient(port: proxy.port)
        var index = 0
        while stopwatch.seconds < 1 + 2 {
            index += 1
            let request = Stopwatch()
            try other.send(Wire.get("/other/\(index)"))
            let response = try other.readResponse(timeout: 2)
            #expect(response.status == 200)
            #expect(response.bodyText == "/other/\(index)")
            #expect(request.seconds < 1, "request \(index) took \(request.seconds) s")
            usleep(100_000)
        }

        // By now (send + 2 s) Portico has dropped the stalled client: reading gives what was
        // already buffered, then the end of the connection, not the rest of 64 MiB.
        #expect(stalled.isClosed(within: 2), "the stalled connection is still open \(stopwatch.seconds) s later")
        #expect(stalled.receivedBytes.count < Self.size, "received \(stalled.receivedBytes.count) bytes")
        #expect(proxy.isRunning)
    }
}
