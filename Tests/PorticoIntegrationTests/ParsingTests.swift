import Testing

/// Requests the strict parser must refuse, through the real binary: the client gets the error
/// status and a closed connection, and nothing reaches the origin (RFC 9112 §2.2, §3, §5, §6).
@Suite("Parsing", .timeLimit(.minutes(1)))
struct ParsingTests {
    struct Rejection: Sendable, CustomTestStringConvertible {
        let name: String
        let request: String
        let status: Int
        var testDescription: String { "\(name) → \(status)" }
    }

    static let rejections: [Rejection] = [
        Rejection(
            name: "Content-Length and Transfer-Encoding",  // §6.3: request smuggling vector
            request: "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            status: 400
        ),
        Rejection(
            name: "two differing Content-Length values",  // §6.3
            request: "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
            status: 400
        ),
        Rejection(
            name: "obs-fold",  // §5.2
            request: "GET / HTTP/1.1\r\nHost: x\r\nX-Folded: one\r\n two\r\n\r\n",
            status: 400
        ),
        Rejection(
            name: "bare LF line endings",  // §2.2 allows leniency; Portico is strict
            request: "GET / HTTP/1.1\nHost: x\n\n",
            status: 400
        ),
        Rejection(
            name: "whitespace between field name and colon",  // §5.1: MUST reject
            request: "GET / HTTP/1.1\r\nHost : x\r\n\r\n",
            status: 400
        ),
        Rejection(
            name: "unknown transfer coding",  // RFC 9112 §6.1: 501 Not Implemented
            request: "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n",
            status: 501
        ),
        Rejection(
            name: "request line over request_line 8k",
            request: "GET /" + String(repeating: "a", count: 9000) + " HTTP/1.1\r\nHost: x\r\n\r\n",
            status: 414
        ),
        Rejection(
            name: "150 header fields over header_count 100",
            request: "GET / HTTP/1.1\r\nHost: x\r\n" + (1...150).map { "X-Field-\($0): v\r\n" }.joined() + "\r\n",
            status: 431
        ),
        Rejection(
            // No line end ever comes: the method's first byte is enough to answer, at once
            // rather than when client_header runs out (the read below waits 5 s at most).
            name: "TLS handshake on the plain port",
            request: "\u{16}\u{03}\u{01}\u{02}\u{00}\u{01}\u{00}\u{01}\u{7F}\u{03}\u{03}"
                + String(repeating: "Z", count: 200),
            status: 400
        ),
        Rejection(
            name: "Content-Length over request_body 64m",
            request: "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: \(64 * 1024 * 1024 + 1)\r\n\r\n",
            status: 413
        ),
    ]

    @Test(arguments: rejections)
    func rejected(_ rejection: Rejection) throws {
        let origin = try ScriptedOrigin.responding()
        defer { origin.stop() }
        let proxy = try PorticoProcess(ProxyConfig(origin: origin.port))
        defer { proxy.stop() }

        let client = try RawClient(port: proxy.port)
        try client.send(rejection.request)
        let response = try client.readResponse()
        #expect(response.status == rejection.status, "\(response)")
        #expect(!response.body.isEmpty, "error responses carry a short plain-text body")
        #expect(client.isClosed(within: 2), "the connection stays open after a rejected request")
        #expect(origin.headCount == 0, "the origin received \(origin.headCount) request(s)")
    }

    @Test func validRequestOnTheSameProxyStillWorks() throws {
        let origin = try ScriptedOrigin.responding(body: "fine")
        defer { origin.stop() }
        let proxy = try PorticoProcess(ProxyConfig(origin: origin.port))
        defer { proxy.stop() }

        let bad = try RawClient(port: proxy.port)
        try bad.send("GET / HTTP/1.1\r\nHost : x\r\n\r\n")
        #expect(try bad.readResponse().status == 400)
        let good = try RawClient.request(port: proxy.port, Wire.get("/"))
        #expect(good.status == 200)
        #expect(good.bodyText == "fine")
    }
}
