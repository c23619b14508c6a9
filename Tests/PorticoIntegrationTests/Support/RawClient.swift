/// A test client that sends exact bytes to 127.0.0.1:PORT and reads responses with its own
/// minimal HTTP/1.1 reader (status line, header fields, body by Content-Length, chunked or until
/// close), independent of PorticoHTTP. Every read has a deadline.
///
///     let client = try RawClient(port: proxy.port)
///     try client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
///     let response = try client.readResponse()
///     #expect(response.status == 200)
///
/// Not thread-safe: one client belongs to one test.
final class RawClient {
    /// Default deadline for one read, in seconds.
    static let defaultTimeout = 5.0

    let port: UInt16
    private let socket: TestSocket
    private let reader: ByteReader

    init(port: UInt16, connectTimeout: Double = defaultTimeout) throws {
        self.port = port
        self.socket = try TestSocket.connect(port: port, deadline: .after(connectTimeout))
        self.reader = ByteReader(socket: socket)
    }

    deinit { socket.close() }

    /// Sends `text` as UTF-8 bytes exactly as written (no CRLF fix-ups).
    func send(_ text: String, timeout: Double = defaultTimeout) throws {
        try send(Array(text.utf8), timeout: timeout)
    }

    func send(_ bytes: [UInt8], timeout: Double = defaultTimeout) throws {
        try socket.send(bytes, deadline: .after(timeout))
    }

    /// Reads one response. 1xx responses are returned on their own (call again for the final one,
    /// or use `readFinalResponse`). `forHEAD` says the request was HEAD, so there is no body
    /// whatever the header fields announce.
    func readResponse(forHEAD: Bool = false, timeout: Double = defaultTimeout) throws -> RawResponse {
        let deadline = Deadline.after(timeout)
        guard let head = try reader.readHead(deadline: deadline) else {
            throw HarnessError.closed(waitingFor: "a response", received: reader.received)
        }
        let parts = head.startLine.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), parts[1].count == 3, let status = Int(parts[1]) else {
            throw HarnessError.malformed("status line \(head.startLine)", received: reader.received)
        }
        var response = RawResponse(
            version: String(parts[0]),
            status: status,
            reason: parts.count > 2 ? String(parts[2]) : "",
            headers: head.fields,
            body: [],
            framing: .none
        )
        // RFC 9112 §6.3, in order.
        if forHEAD || response.isInterim || status == 204 || status == 304 {
            return response
        }
        if response.has("Transfer-Encoding") {
            guard response.tokens("Transfer-Encoding").last == "chunked" else {
                throw HarnessError.malformed("Transfer-Encoding without final chunked", received: reader.received)
            }
            let (body, trailers) = try reader.readChunkedBody(deadline: deadline)
            response.body = body
            response.trailers = trailers
            response.framing = .chunked
        } else if response.has("Content-Length") {
            let lengths = Set(response.tokens("Content-Length"))
            guard lengths.count == 1, let length = Int(lengths.first!), length >= 0 else {
                throw HarnessError.malformed(
                    "Content-Length \(response.values("Content-Length"))", received: reader.received)
            }
            response.body = try reader.read(count: length, deadline: deadline)
            response.framing = .contentLength(length)
        } else {
            response.body = try reader.readToEnd(deadline: deadline)
            response.framing = .untilClose
        }
        return response
    }

    /// Reads responses until a final (non-1xx) one and returns it.
    func readFinalResponse(forHEAD: Bool = false, timeout: Double = defaultTimeout) throws -> RawResponse {
        let deadline = Deadline.after(timeout)
        while true {
            let response = try readResponse(forHEAD: forHEAD, timeout: deadline.remainingSeconds)
            if !response.isInterim { return response }
        }
    }

    /// Every remaining byte until the server closes the connection; throws if it stays open past
    /// the deadline.
    func readAll(timeout: Double = defaultTimeout) throws -> [UInt8] {
        try reader.readToEnd(deadline: .after(timeout))
    }

    /// True when the server closes (or resets) the connection within `seconds`. Bytes that arrive
    /// meanwhile are kept in the buffer (see `unreadBytes`).
    func isClosed(within seconds: Double) -> Bool {
        let deadline = Deadline.after(seconds)
        do {
            while try reader.fill(deadline: deadline, waitingFor: "the connection to close") {}
            return true
        } catch {
            return false
        }
    }

    /// Bytes received but not consumed by a read call yet.
    var unreadBytes: [UInt8] { reader.buffer }

    /// Everything received on this connection so far.
    var receivedBytes: [UInt8] { reader.received }

    /// Sends FIN: the server reads end of stream; responses can still be read.
    func shutdownWrite() { socket.shutdownWrite() }

    func close() { socket.close() }

    /// One request on a fresh connection: connect, send `text`, read the final response, close.
    static func request(port: UInt16, _ text: String, timeout: Double = defaultTimeout) throws -> RawResponse {
        let client = try RawClient(port: port)
        defer { client.close() }
        try client.send(text)
        return try client.readFinalResponse(forHEAD: text.hasPrefix("HEAD "), timeout: timeout)
    }
}
