import Glibc

/// One accepted connection of a `ScriptedOrigin`, as its script sees it: VTC's `rxreq`,
/// `txresp`, `send`, `barrier sync`, `delay` and closing.
///
/// Used only by the thread that runs the connection's script.
final class OriginConnection {
    /// Time allowed for a request to arrive once its first byte is there.
    static let requestTimeout = 10.0
    /// Time a connection may sit idle between requests (the proxy pools connections).
    static let idleTimeout = 60.0

    private let socket: TestSocket
    private let reader: ByteReader
    private let state: OriginState
    private let sendsContinue: Bool
    private var lastMethod = ""
    private(set) var isClosed = false

    init(socket: TestSocket, state: OriginState, sendsContinue: Bool) {
        self.socket = socket
        self.reader = ByteReader(socket: socket)
        self.state = state
        self.sendsContinue = sendsContinue
    }

    /// Reads the next request, its body decoded (Content-Length or chunked). Nil when the peer
    /// closed the connection between requests, or the origin is stopping. On `Expect:
    /// 100-continue` it sends `100 Continue` before reading the body, as most origins do.
    ///
    /// A request whose body never completes counts in `ScriptedOrigin.incompleteRequestCount`,
    /// never in `requests`.
    func readRequest() throws -> OriginRequest? {
        let idle = Deadline.after(OriginConnection.idleTimeout)
        while reader.buffer.isEmpty {
            if state.isStopped || idle.hasPassed { return nil }
            do {
                guard try reader.fill(deadline: .after(0.1), waitingFor: "a request") else { return nil }
            } catch HarnessError.timedOut {
                continue
            }
        }
        let deadline = Deadline.after(OriginConnection.requestTimeout)
        guard let head = try reader.readHead(deadline: deadline) else { return nil }
        let parts = head.startLine.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 3 else {
            throw HarnessError.malformed("request line \(head.startLine)", received: reader.received)
        }
        var request = OriginRequest(
            method: String(parts[0]),
            target: String(parts[1]),
            version: String(parts[2]),
            headers: head.fields,
            body: [],
            framing: .none
        )
        state.headReceived()
        do {
            try readBody(into: &request, deadline: deadline)
        } catch {
            state.recordIncomplete(request)
            throw error
        }
        lastMethod = request.method
        state.record(request)
        return request
    }

    /// Reads a request's head and leaves its body unread (an origin that answers early); the
    /// request line, or nil when the peer closed first.
    func readHeadOnly() throws -> String? {
        guard let head = try reader.readHead(deadline: .after(OriginConnection.requestTimeout)) else { return nil }
        state.headReceived()
        return head.startLine
    }

    /// Sends a response. Adds `Content-Length` unless `headers` frame the body themselves
    /// (Content-Length or Transfer-Encoding), `contentLength` is false (then the body is
    /// delimited by closing), or the status has no body (1xx, 204, 304). The body is left out after
    /// a HEAD request.
    func respond(
        status: Int = 200,
        reason: String? = nil,
        headers: [(String, String)] = [],
        body: [UInt8] = [],
        contentLength: Bool = true
    ) throws {
        var head = "HTTP/1.1 \(status) \(reason ?? OriginConnection.reasonPhrase(status))\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        let framed = headers.contains {
            ["content-length", "transfer-encoding"].contains($0.0.lowercased())
        }
        let bodyless = (100..<200).contains(status) || status == 204 || status == 304
        if !framed && !bodyless && contentLength { head += "Content-Length: \(body.count)\r\n" }
        head += "\r\n"
        let includeBody = lastMethod != "HEAD" && !bodyless
        try sendRaw(Array(head.utf8) + (includeBody ? body : []))
    }

    func respond(status: Int = 200, reason: String? = nil, headers: [(String, String)] = [], body: String) throws {
        try respond(status: status, reason: reason, headers: headers, body: Array(body.utf8))
    }

    /// Sends a chunked response, one chunk per element of `chunks`.
    func respondChunked(status: Int = 200, headers: [(String, String)] = [], chunks: [[UInt8]]) throws {
        var bytes = Array("HTTP/1.1 \(status) \(OriginConnection.reasonPhrase(status))\r\n".utf8)
        for (name, value) in headers { bytes += Array("\(name): \(value)\r\n".utf8) }
        bytes += Array("Transfer-Encoding: chunked\r\n\r\n".utf8)
        for chunk in chunks where !chunk.isEmpty {
            bytes += Array((String(chunk.count, radix: 16) + "\r\n").utf8) + chunk + [13, 10]
        }
        try sendRaw(bytes + Array("0\r\n\r\n".utf8))
    }

    /// Sends exact bytes.
    func sendRaw(_ bytes: [UInt8]) throws {
        try socket.send(bytes, deadline: .after(10))
    }

    func sendRaw(_ text: String) throws { try sendRaw(Array(text.utf8)) }

    /// Closes the connection; the script should return afterwards.
    func close() {
        isClosed = true
        socket.close()
    }

    /// Blocks until `barrier` opens; gives up early when the origin stops.
    func wait(_ barrier: Barrier, timeout: Double = 10) throws {
        let deadline = Deadline.after(timeout)
        while true {
            do {
                return try barrier.wait(timeout: min(0.05, deadline.remainingSeconds))
            } catch let timedOut as Barrier.TimedOut {
                if deadline.hasPassed { throw timedOut }
                if state.isStopped {
                    throw HarnessError.closed(waitingFor: "barrier \(barrier.name): origin stopped", received: [])
                }
            }
        }
    }

    /// Sleeps for `seconds`, or less when the origin stops.
    func sleep(_ seconds: Double) {
        let deadline = Deadline.after(seconds)
        while !deadline.hasPassed && !state.isStopped { usleep(UInt32(min(deadline.remainingSeconds, 0.05) * 1e6)) }
    }

    /// Keeps the connection open without answering until the peer closes it, the origin stops, or
    /// `timeout` passes. Returns true when the peer closed. Bytes that arrive meanwhile are kept.
    @discardableResult
    func hold(timeout: Double = 30) -> Bool {
        let deadline = Deadline.after(timeout)
        while !deadline.hasPassed && !state.isStopped {
            do {
                if try !reader.fill(deadline: .after(min(0.1, deadline.remainingSeconds)), waitingFor: "close") {
                    return true
                }
            } catch HarnessError.timedOut {
                continue
            } catch {
                return true
            }
        }
        return false
    }

    private func readBody(into request: inout OriginRequest, deadline: Deadline) throws {
        let transferCodings = request.tokens("Transfer-Encoding")
        let expectsBody = !transferCodings.isEmpty || (Int(request.header("Content-Length") ?? "0") ?? 0) > 0
        if expectsBody && sendsContinue && request.tokens("Expect").contains("100-continue") {
            try sendRaw("HTTP/1.1 100 Continue\r\n\r\n")
        }
        if !transferCodings.isEmpty {
            guard transferCodings.last == "chunked" else {
                throw HarnessError.malformed("request Transfer-Encoding \(transferCodings)", received: reader.received)
            }
            let (body, trailers) = try reader.readChunkedBody(deadline: deadline)
            request.body = body
            request.trailers = trailers
            request.framing = .chunked
        } else if let value = request.header("Content-Length") {
            guard let length = Int(value), length >= 0 else {
                throw HarnessError.malformed("request Content-Length \(value)", received: reader.received)
            }
            request.body = try reader.read(count: length, deadline: deadline)
            request.framing = .contentLength(length)
        }
    }

    static func reasonPhrase(_ status: Int) -> String {
        switch status {
        case 100: "Continue"
        case 200: "OK"
        case 201: "Created"
        case 204: "No Content"
        case 301: "Moved Permanently"
        case 304: "Not Modified"
        case 400: "Bad Request"
        case 404: "Not Found"
        case 500: "Internal Server Error"
        case 503: "Service Unavailable"
        default: "Status \(status)"
        }
    }
}
