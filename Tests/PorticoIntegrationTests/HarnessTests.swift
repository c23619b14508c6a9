import Foundation
import Testing

/// Self-tests of the harness: RawClient against ScriptedOrigin directly, no portico involved. If
/// these fail, the integration tests' verdicts mean nothing.
@Suite("Harness", .timeLimit(.minutes(1)))
struct HarnessTests {
    @Test func keepAliveRequestsAreRecordedInOrder() throws {
        let origin = try ScriptedOrigin { request, connection in
            try connection.respond(headers: [("X-Path", request.target)], body: "you asked for \(request.target)")
        }
        defer { origin.stop() }
        let client = try RawClient(port: origin.port)
        for path in ["/a", "/b", "/c"] {
            try client.send("GET \(path) HTTP/1.1\r\nHost: test\r\n\r\n")
            let response = try client.readResponse()
            #expect(response.status == 200)
            #expect(response.header("x-path") == path)
            #expect(response.bodyText == "you asked for \(path)")
            #expect(response.framing == .contentLength(response.body.count))
        }
        #expect(origin.waitForRequests(3))
        #expect(origin.requests.map(\.target) == ["/a", "/b", "/c"])
        #expect(origin.connectionCount == 1)
        #expect(origin.requests[0].header("HOST") == "test")
    }

    @Test func pipelinedRequestsInOneWrite() throws {
        let origin = try ScriptedOrigin { request, connection in try connection.respond(body: request.target) }
        defer { origin.stop() }
        let client = try RawClient(port: origin.port)
        try client.send((1...3).map { "GET /\($0) HTTP/1.1\r\nHost: t\r\n\r\n" }.joined())
        #expect(try (1...3).map { _ in try client.readResponse().bodyText } == ["/1", "/2", "/3"])
    }

    @Test(arguments: [1, 1000, 300_000])
    func chunkedRequestBodyIsDecoded(size: Int) throws {
        let origin = try ScriptedOrigin { request, connection in
            try connection.respond(body: Bytes.digest(request.body))
        }
        defer { origin.stop() }
        let body = Bytes.pattern(count: size)
        let client = try RawClient(port: origin.port)
        try client.send(
            Array("POST /up HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n".utf8)
                + Bytes.chunked(body, chunkSize: 7000)
        )
        #expect(try client.readResponse().bodyText == Bytes.digest(body))
        #expect(origin.requests.first?.framing == .chunked)
    }

    @Test func chunkedAndCloseDelimitedResponsesAreRead() throws {
        let body = Bytes.pattern(count: 100_000)
        let origin = try ScriptedOrigin { request, connection in
            if request.target == "/chunked" {
                try connection.respondChunked(chunks: [Array(body[..<1]), Array(body[1...])])
            } else {
                try connection.respond(body: body, contentLength: false)
                connection.close()
            }
        }
        defer { origin.stop() }
        let client = try RawClient(port: origin.port)
        try client.send("GET /chunked HTTP/1.1\r\nHost: t\r\n\r\n")
        let chunked = try client.readResponse()
        #expect(chunked.framing == .chunked)
        #expect(Bytes.digest(chunked.body) == Bytes.digest(body))
        try client.send("GET /close HTTP/1.1\r\nHost: t\r\n\r\n")
        let delimited = try client.readResponse()
        #expect(delimited.framing == .untilClose)
        #expect(Bytes.digest(delimited.body) == Bytes.digest(body))
    }

    @Test func headAnd204And304HaveNoBody() throws {
        let origin = try ScriptedOrigin { request, connection in
            switch request.target {
            case "/204": try connection.respond(status: 204)
            case "/304": try connection.respond(status: 304, headers: [("ETag", "\"v1\"")])
            default: try connection.respond(body: "twelve bytes")
            }
        }
        defer { origin.stop() }
        let client = try RawClient(port: origin.port)
        try client.send("HEAD / HTTP/1.1\r\nHost: t\r\n\r\n")
        let head = try client.readResponse(forHEAD: true)
        #expect(head.header("Content-Length") == "12")
        #expect(head.body.isEmpty)
        for (target, status) in [("/204", 204), ("/304", 304), ("/", 200)] {
            try client.send("GET \(target) HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try client.readResponse().status == status)
        }
    }

    @Test func expectContinueGetsInterimResponse() throws {
        let origin = try ScriptedOrigin { request, connection in try connection.respond(body: request.body) }
        defer { origin.stop() }
        let client = try RawClient(port: origin.port)
        try client.send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
        #expect(try client.readResponse().status == 100)
        try client.send("hello")
        #expect(try client.readResponse().bodyText == "hello")
    }

    @Test func truncatedResponseThrowsAndCloseIsSeen() throws {
        let origin = try ScriptedOrigin(connectionScript: { connection in
            _ = try connection.readRequest()
            try connection.sendRaw("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n0123456789")
            connection.close()
        })
        defer { origin.stop() }
        let client = try RawClient(port: origin.port)
        try client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(throws: HarnessError.self) { try client.readResponse() }
        #expect(client.isClosed(within: 1))
    }

    @Test func silentServerTimesOutAndIsNotClosed() throws {
        let origin = try ScriptedOrigin(connectionScript: { connection in
            _ = try connection.readRequest()
            connection.hold()
        })
        defer { origin.stop() }
        let client = try RawClient(port: origin.port)
        try client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        let stopwatch = Stopwatch()
        #expect(throws: HarnessError.self) { try client.readResponse(timeout: 0.3) }
        #expect(stopwatch.seconds < 2)
        #expect(!client.isClosed(within: 0.2))
        #expect(origin.requestCount == 1)
    }

    @Test func abortedBodyCountsAsIncomplete() throws {
        let origin = try ScriptedOrigin { request, connection in try connection.respond(body: "got it") }
        defer { origin.stop() }
        let client = try RawClient(port: origin.port)
        try client.send(
            "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\n" + String(repeating: "x", count: 1000))
        client.close()
        #expect(origin.waitUntil { $0.incompleteRequests.count == 1 })
        #expect(origin.requestCount == 0)
        #expect(origin.headCount == 1)
    }

    @Test func barrierOrdersAndTimesOut() throws {
        let barrier = Barrier(count: 2, name: "b1")
        let origin = try ScriptedOrigin { _, connection in
            barrier.arrive()
            try connection.wait(barrier)
            try connection.respond(body: "after barrier")
        }
        defer { origin.stop() }
        let client = try RawClient(port: origin.port)
        try client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(throws: HarnessError.self) { try client.readResponse(timeout: 0.2) }
        barrier.arrive()
        #expect(try client.readResponse().bodyText == "after barrier")
        #expect(throws: Barrier.TimedOut.self) { try Barrier(name: "never").wait(timeout: 0.05) }
    }

    @Test func stopWakesBlockedScripts() throws {
        let origin = try ScriptedOrigin(connectionScript: { connection in
            _ = try connection.readRequest()
            connection.hold(timeout: 60)
        })
        let client = try RawClient(port: origin.port)
        try client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(origin.waitForRequests(1))
        let stopwatch = Stopwatch()
        origin.stop()
        #expect(stopwatch.seconds < 2)
        #expect(client.isClosed(within: 2))
    }

    @Test func connectingToUnusedPortFails() throws {
        let port = try TestSocket.unusedPort()
        #expect(throws: HarnessError.self) { try RawClient(port: port) }
    }
}
