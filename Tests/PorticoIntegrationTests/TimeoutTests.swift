import Testing

/// Client-side timeouts: a slow or idle client loses its connection on time, without holding up
/// anybody else (`timeouts { client_header 1s; client_idle 2s; }`).
@Suite("Timeouts", .timeLimit(.minutes(1)))
struct TimeoutTests {
    @Test func incompleteHeadIsClosedAfterClientHeaderWhileOthersAreServed() throws {
        let origin = try ScriptedOrigin { request, connection in try connection.respond(body: request.target) }
        defer { origin.stop() }
        let proxy = try PorticoProcess(ProxyConfig(origin: origin.port))
        defer { proxy.stop() }

        let slow = try RawClient(port: proxy.port)
        let stopwatch = Stopwatch()
        try slow.send("GET / HTTP/1.1\r\n")

        // Meanwhile another client is served normally, on the same proxy.
        let other = try RawClient(port: proxy.port)
        for index in 1...3 {
            try other.send(Wire.get("/other/\(index)"))
            let response = try other.readResponse(timeout: 2)
            #expect(response.status == 200)
            #expect(response.bodyText == "/other/\(index)")
        }

        // The slow client may get a 408 first; either way its connection ends.
        #expect(slow.isClosed(within: 1 + Timing.slack - stopwatch.seconds), "open after \(stopwatch.seconds) s")
        let elapsed = stopwatch.seconds
        #expect(elapsed >= 1 - Timing.early, "closed after \(elapsed) s, client_header is 1s")
        #expect(origin.requests.map(\.target) == ["/other/1", "/other/2", "/other/3"])
    }

    @Test func idleKeepAliveConnectionIsClosedAfterClientIdle() throws {
        let origin = try ScriptedOrigin.responding()
        defer { origin.stop() }
        let proxy = try PorticoProcess(ProxyConfig(origin: origin.port))
        defer { proxy.stop() }

        let client = try RawClient(port: proxy.port)
        try client.send(Wire.get("/"))
        #expect(try client.readResponse().status == 200)
        let stopwatch = Stopwatch()
        #expect(!client.isClosed(within: 2 - Timing.early), "closed after \(stopwatch.seconds) s, client_idle is 2s")
        #expect(client.isClosed(within: Timing.early + Timing.slack), "still open after \(stopwatch.seconds) s")
        #expect(client.unreadBytes.isEmpty, "an idle close sends nothing: \(Bytes.preview(client.unreadBytes))")
    }

    /// The idle timer counts from the last response, not from the first: timers are moved lazily
    /// (`DeadlineTimer`), and one armed for an earlier deadline must wait out the rest, not fire.
    @Test func idleTimeoutCountsFromTheLastResponse() throws {
        let origin = try ScriptedOrigin.responding()
        defer { origin.stop() }
        let proxy = try PorticoProcess(ProxyConfig(origin: origin.port))
        defer { proxy.stop() }

        let client = try RawClient(port: proxy.port)
        try client.send(Wire.get("/"))
        #expect(try client.readResponse().status == 200)
        // Just before client_idle (2s) runs out, one more request: its response restarts the wait.
        #expect(!client.isClosed(within: 1.4))
        try client.send(Wire.get("/again"))
        #expect(try client.readResponse().status == 200)
        let stopwatch = Stopwatch()
        #expect(!client.isClosed(within: 2 - Timing.early), "closed after \(stopwatch.seconds) s, client_idle is 2s")
        #expect(client.isClosed(within: Timing.early + Timing.slack), "still open after \(stopwatch.seconds) s")
    }
}
