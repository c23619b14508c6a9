import Glibc

/// Reads HTTP/1.1 messages from a `TestSocket` through one reused buffer, so a body of any size
/// passes without being stored. `ByteReader` keeps every byte for failure messages, which is right
/// for small messages and impossible for a 1 GiB body.
///
/// Used by one thread at a time.
final class StreamReader {
    let socket: TestSocket
    private var buffer: [UInt8]
    /// Unread bytes are `buffer[start..<end]`.
    private var start = 0
    private var end = 0
    /// True once the peer closed (or reset) the connection.
    private(set) var reachedEnd = false

    init(socket: TestSocket, bufferSize: Int = 64 * 1024) {
        self.socket = socket
        self.buffer = [UInt8](repeating: 0, count: bufferSize)
    }

    /// Hands up to `maximum` bytes to `body` without copying them; returns how many (0 at the end
    /// of the stream). Throws `HarnessError.timedOut` when nothing arrives before the deadline.
    @discardableResult
    func read(upTo maximum: Int, deadline: Deadline, _ body: (UnsafeRawBufferPointer) throws -> Void) throws -> Int {
        if start == end {
            try fill(deadline: deadline)
            if reachedEnd { return 0 }
        }
        let count = min(maximum, end - start)
        let from = start
        try buffer.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[from..<from + count])) }
        start += count
        return count
    }

    /// Reads a body of `length` bytes, handing each piece to `body`; returns how many bytes arrived
    /// before the stream ended (less than `length` for a truncated body). Each read waits at most
    /// `timeoutPerRead` seconds, so a steady transfer may take as long as it needs.
    @discardableResult
    func readBody(length: Int, timeoutPerRead: Double, _ body: (UnsafeRawBufferPointer) throws -> Void) throws -> Int {
        var total = 0
        while total < length {
            let count = try read(upTo: length - total, deadline: .after(timeoutPerRead), body)
            if count == 0 { break }
            total += count
        }
        return total
    }

    /// A start line and its header fields, up to the empty line. Nil when the stream ended before
    /// the first byte (a keep-alive connection closed between messages).
    func readHead(deadline: Deadline, limit: Int = 64 * 1024) throws -> StreamedHead? {
        var head: [UInt8] = []
        while true {
            if start == end {
                try fill(deadline: deadline)
                if reachedEnd {
                    if head.isEmpty { return nil }
                    throw HarnessError.closed(waitingFor: "the rest of a message head", received: head)
                }
            }
            while start < end {
                head.append(buffer[start])
                start += 1
                if head.count >= 4 && head[head.count - 4..<head.count].elementsEqual([13, 10, 13, 10]) {
                    return try StreamedHead(parsing: head)
                }
            }
            if head.count > limit { throw HarnessError.malformed("head longer than \(limit)", received: head) }
        }
    }

    /// Receives into the buffer; sets `reachedEnd` at the end of the stream (or a reset).
    private func fill(deadline: Deadline) throws {
        if reachedEnd { return }
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(socket.fd, $0.baseAddress!, $0.count, 0) }
            if count > 0 {
                start = 0
                end = count
                return
            }
            if count == 0 {
                reachedEnd = true
                return
            }
            switch errno {
            case EINTR:
                continue
            case EAGAIN:
                var descriptor = pollfd(fd: socket.fd, events: Int16(POLLIN), revents: 0)
                let ready = poll(&descriptor, 1, deadline.remainingMilliseconds)
                if ready == 0 { throw HarnessError.timedOut(waitingFor: "bytes from the peer", received: []) }
                if ready < 0 && errno != EINTR { throw HarnessError.system("poll", errno: errno) }
            case ECONNRESET, EPIPE, ENOTCONN:
                reachedEnd = true
                return
            default:
                throw HarnessError.system("recv", errno: errno)
            }
        }
    }
}

/// A message head as `StreamReader` read it.
struct StreamedHead: HasHeaderFields, Sendable {
    var startLine: String
    var headers: [(name: String, value: String)]

    /// The status code of a response's start line.
    var status: Int? {
        let parts = startLine.split(separator: " ", maxSplits: 2)
        return parts.count >= 2 && parts[0].hasPrefix("HTTP/1.") ? Int(parts[1]) : nil
    }

    /// The single Content-Length value, if there is one.
    var contentLength: Int? { header("Content-Length").flatMap { Int($0) } }

    init(parsing bytes: [UInt8]) throws {
        let lines = String(decoding: bytes.dropLast(4), as: UTF8.self).components(separatedBy: "\r\n")
        startLine = lines[0]
        headers = []
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":"), colon != line.startIndex else {
                throw HarnessError.malformed("header line \(line)", received: bytes)
            }
            headers.append((String(line[..<colon]), line[line.index(after: colon)...].trimmingSpaces))
        }
    }
}

/// A client for transfers too large to hold: it sends from the caller's buffers and reads through
/// a `StreamReader`.
///
///     let client = try StreamingClient(port: proxy.port)
///     try client.send(Wire.get("/big"))
///     let head = try client.readHead()
///     var digest = StreamDigest()
///     let count = try client.reader.readBody(length: size, timeoutPerRead: 5) { digest.update($0) }
final class StreamingClient {
    let socket: TestSocket
    let reader: StreamReader

    init(port: UInt16, connectTimeout: Double = 5) throws {
        socket = try TestSocket.connect(port: port, deadline: .after(connectTimeout))
        reader = StreamReader(socket: socket)
    }

    deinit { socket.close() }

    func send(_ text: String, timeout: Double = 5) throws {
        try socket.send(Array(text.utf8), deadline: .after(timeout))
    }

    func send(_ bytes: [UInt8], timeout: Double = 5) throws { try socket.send(bytes, deadline: .after(timeout)) }

    /// Sends as much of `bytes[start...]` as the peer takes before the deadline; returns how many
    /// bytes that was (all of them, or fewer when the peer stopped reading).
    func sendSome(_ bytes: [UInt8], from start: Int = 0, deadline: Deadline) throws -> Int {
        var offset = start
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { raw in
                Glibc.send(socket.fd, raw.baseAddress! + offset, raw.count - offset, CInt(MSG_NOSIGNAL))
            }
            if written >= 0 {
                offset += written
                continue
            }
            switch errno {
            case EINTR:
                continue
            case EAGAIN:
                var descriptor = pollfd(fd: socket.fd, events: Int16(POLLOUT), revents: 0)
                if poll(&descriptor, 1, deadline.remainingMilliseconds) == 0 { return offset - start }
            default:
                throw HarnessError.system("send (after \(offset) of \(bytes.count) bytes)", errno: errno)
            }
        }
        return offset - start
    }

    /// The next response head; throws when the connection closes first.
    func readHead(timeout: Double = 5) throws -> StreamedHead {
        guard let head = try reader.readHead(deadline: .after(timeout)) else {
            throw HarnessError.closed(waitingFor: "a response head", received: [])
        }
        return head
    }

    /// A small Content-Length body, as text.
    func readSmallBody(of head: StreamedHead, timeout: Double = 5) throws -> String {
        var bytes: [UInt8] = []
        let length = head.contentLength ?? 0
        guard length <= 1 << 20 else {
            throw HarnessError.malformed("body of \(length) bytes is not small", received: [])
        }
        try reader.readBody(length: length, timeoutPerRead: timeout) { bytes += $0 }
        return String(decoding: bytes, as: UTF8.self)
    }

    func close() { socket.close() }
}
