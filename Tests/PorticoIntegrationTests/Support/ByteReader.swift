/// Buffered reads from a `TestSocket`, each under a deadline, with the HTTP/1.1 framing pieces the
/// client and the origin share: header sections and chunked bodies (RFC 9112 §2, §5, §7.1).
///
/// Written independently of PorticoHTTP on purpose: a parser bug must not hide by checking itself.
/// It is strict about CRLF (a bare LF is reported as malformed) so that the proxy's output is held
/// to what it must send.
final class ByteReader {
    let socket: TestSocket
    private(set) var buffer: [UInt8] = []
    /// Everything received so far, for failure messages.
    private(set) var received: [UInt8] = []
    /// True once the peer closed (or reset) the connection.
    private(set) var reachedEnd = false

    init(socket: TestSocket) { self.socket = socket }

    /// Reads more bytes into the buffer; false at end of stream, throws at the deadline.
    @discardableResult
    func fill(deadline: Deadline, waitingFor what: String) throws -> Bool {
        if reachedEnd { return false }
        guard let bytes = try socket.receive(deadline: deadline) else {
            throw HarnessError.timedOut(waitingFor: what, received: received)
        }
        if bytes.isEmpty {
            reachedEnd = true
            return false
        }
        buffer += bytes
        received += bytes
        return true
    }

    /// One line without its CRLF.
    func readLine(deadline: Deadline, limit: Int = 1 << 20) throws -> String {
        while true {
            if let lf = buffer.firstIndex(of: 10) {
                guard lf > 0, buffer[lf - 1] == 13 else {
                    throw HarnessError.malformed("line ends with a bare LF", received: received)
                }
                let line = String(decoding: buffer[0..<lf - 1], as: UTF8.self)
                buffer.removeFirst(lf + 1)
                return line
            }
            if buffer.count > limit { throw HarnessError.malformed("line longer than \(limit)", received: received) }
            guard try fill(deadline: deadline, waitingFor: "a CRLF-terminated line") else {
                throw HarnessError.closed(waitingFor: "a CRLF-terminated line", received: received)
            }
        }
    }

    /// Exactly `count` bytes.
    func read(count: Int, deadline: Deadline) throws -> [UInt8] {
        while buffer.count < count {
            guard try fill(deadline: deadline, waitingFor: "\(count) body bytes (have \(buffer.count))") else {
                throw HarnessError.closed(waitingFor: "\(count) body bytes (have \(buffer.count))", received: received)
            }
        }
        let result = Array(buffer[0..<count])
        buffer.removeFirst(count)
        return result
    }

    /// Everything up to the end of the stream.
    func readToEnd(deadline: Deadline) throws -> [UInt8] {
        while try fill(deadline: deadline, waitingFor: "the connection to close") {}
        defer { buffer.removeAll() }
        return buffer
    }

    /// A start line and the header fields after it, up to the empty line. Nil when the stream ended
    /// cleanly before the first byte (a keep-alive connection closed between messages).
    func readHead(deadline: Deadline) throws -> (startLine: String, fields: [(name: String, value: String)])? {
        if buffer.isEmpty {
            guard try fill(deadline: deadline, waitingFor: "a message head") else { return nil }
        }
        let startLine = try readLine(deadline: deadline)
        var fields: [(name: String, value: String)] = []
        while true {
            let line = try readLine(deadline: deadline)
            if line.isEmpty { return (startLine, fields) }
            guard let colon = line.firstIndex(of: ":"), colon != line.startIndex else {
                throw HarnessError.malformed("header line without a name: \(line)", received: received)
            }
            let name = String(line[..<colon])
            guard !name.contains(" "), !name.contains("\t"), !line.hasPrefix(" ") else {
                throw HarnessError.malformed("whitespace in or before a field name: \(line)", received: received)
            }
            fields.append((name, line[line.index(after: colon)...].trimmingSpaces))
        }
    }

    /// A chunked body (RFC 9112 §7.1) and its trailer fields.
    func readChunkedBody(deadline: Deadline) throws -> (body: [UInt8], trailers: [(name: String, value: String)]) {
        var body: [UInt8] = []
        while true {
            let line = try readLine(deadline: deadline)
            let sizeText = line.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false)[0]
            guard let size = Int(sizeText, radix: 16), size >= 0, !sizeText.isEmpty else {
                throw HarnessError.malformed("chunk size line \(line)", received: received)
            }
            if size == 0 { break }
            body += try read(count: size, deadline: deadline)
            guard try read(count: 2, deadline: deadline) == [13, 10] else {
                throw HarnessError.malformed("chunk data not followed by CRLF", received: received)
            }
        }
        var trailers: [(name: String, value: String)] = []
        while true {
            let line = try readLine(deadline: deadline)
            if line.isEmpty { return (body, trailers) }
            guard let colon = line.firstIndex(of: ":") else {
                throw HarnessError.malformed("trailer line \(line)", received: received)
            }
            trailers.append((String(line[..<colon]), line[line.index(after: colon)...].trimmingSpaces))
        }
    }
}
