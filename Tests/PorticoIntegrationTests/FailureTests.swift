import Testing

/// What a client sees when the origin fails: 502 for no or bad responses, 504 for a silent origin,
/// and never a padded or completed body after the origin broke off (RFC 9110 §15.6.3, §15.6.5).
@Suite("Failures", .timeLimit(.minutes(1)))
struct FailureTests {
    @Test func nothingListeningGives502() throws {
        let port = try TestSocket.unusedPort()
        let proxy = try PorticoProcess(ProxyConfig(origin: port))
        defer { proxy.stop() }

        let stopwatch = Stopwatch()
        let response = try RawClient.request(port: proxy.port, Wire.get("/"))
        #expect(response.status == 502)
        #expect(!response.body.isEmpty)
        #expect(stopwatch.seconds < 1 + Timing.slack, "connect_timeout is 1s")
    }

    @Test func silentOriginGives504AfterResponseTimeout() throws {
        let origin = try ScriptedOrigin(connectionScript: { connection in
            _ = try connection.readRequest()
            connection.hold()
        })
        defer { origin.stop() }
        let proxy = try PorticoProcess(ProxyConfig(origin: origin.port))
        defer { proxy.stop() }

        let client = try RawClient(port: proxy.port)
        let stopwatch = Stopwatch()
        try client.send(Wire.get("/slow"))
        let response = try client.readResponse(timeout: 10)
        let elapsed = stopwatch.seconds
        #expect(response.status == 504)
        #expect(!response.body.isEmpty)
        #expect(elapsed >= 2 - Timing.early, "504 after \(elapsed) s, before response_timeout 2s")
        #expect(elapsed <= 2 + Timing.slack, "504 after \(elapsed) s, response_timeout is 2s")
        #expect(origin.requestCount >= 1)
    }

    @Test func garbageStatusLineGives502() throws {
        let origin = try ScriptedOrigin(connectionScript: { connection in
            _ = try connection.readRequest()
            try connection.sendRaw("HELLO I AM NOT HTTP\r\n\r\n")
            connection.hold(timeout: 10)
        })
        defer { origin.stop() }
        let proxy = try PorticoProcess(ProxyConfig(origin: origin.port))
        defer { proxy.stop() }

        let response = try RawClient.request(port: proxy.port, Wire.get("/"))
        #expect(response.status == 502)
    }

    @Test func truncatedResponseIsNeverPaddedOrCompleted() throws {
        let origin = try ScriptedOrigin(connectionScript: { connection in
            _ = try connection.readRequest()
            try connection.sendRaw(
                "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\n0123456789")
            connection.close()
        })
        defer { origin.stop() }
        let proxy = try PorticoProcess(ProxyConfig(origin: origin.port))
        defer { proxy.stop() }

        let client = try RawClient(port: proxy.port)
        try client.send(Wire.get("/truncated"))
        do {
            // A complete message is fine only if it is the proxy's own error (the head had not
            // been forwarded yet); a complete 200 means the body was padded or re-framed.
            let response = try client.readResponse()
            #expect(response.status != 200, "a complete response was delivered: \(response)")
        } catch let error as HarnessError {
            // Expected: the client saw the connection end before the body did.
            if case .timedOut = error { Issue.record("the proxy kept the connection open: \(error)") }
        }
        #expect(client.isClosed(within: 3), "the client connection must be closed")
        #expect(client.receivedBytes.count < 1000, "received \(client.receivedBytes.count) bytes")
    }

    @Test func abortedRequestBodyNeverCompletesAtOrigin() throws {
        let origin = try ScriptedOrigin { request, connection in
            try connection.respond(body: "got \(request.body.count) bytes")
        }
        defer { origin.stop() }
        let proxy = try PorticoProcess(ProxyConfig(origin: origin.port))
        defer { proxy.stop() }

        let aborting = try RawClient(port: proxy.port)
        try aborting.send("POST /upload HTTP/1.1\r\nHost: test.example\r\nContent-Length: 100000\r\n\r\n")
        try aborting.send(Bytes.pattern(count: 1000))
        aborting.close()
        // If the proxy streamed the partial body, the origin sees it end early.
        origin.waitUntil(timeout: 3) { !$0.incompleteRequests.isEmpty }
        // The proxy still serves, and by now has dealt with the aborted request.
        let after = try RawClient.request(port: proxy.port, Wire.get("/after"))
        #expect(after.status == 200)
        #expect(
            origin.requests.filter { $0.path == "/upload" }.isEmpty,
            "the origin received a complete /upload request: \(origin.requests.map { "\($0.target) \($0.body.count)" })"
        )
    }
}
