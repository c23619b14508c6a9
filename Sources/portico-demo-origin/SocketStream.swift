import Glibc

/// A connected blocking socket with a read buffer; every read waits at most until a deadline.
final class SocketStream {
    enum Failure: Error {
        /// The peer closed the connection (or reset it).
        case closed
        /// The deadline passed before the bytes arrived.
        case timedOut
        /// More bytes than allowed arrived without the expected delimiter.
        case tooLong
    }

    let fd: CInt
    private var buffer: [UInt8] = []
    private var start = 0

    init(fd: CInt) { self.fd = fd }

    deinit { close(fd) }

    /// True when buffered bytes are waiting (a pipelined next request).
    var hasBufferedBytes: Bool { start < buffer.count }

    /// Waits until bytes are available (buffered or on the socket) or the deadline passes.
    func waitForData(until deadline: Deadline) throws {
        if hasBufferedBytes { return }
        try fill(until: deadline)
    }

    /// Reads up to and including `delimiter`, returning the bytes before it; at most `limit` bytes.
    func read(through delimiter: [UInt8], limit: Int, until deadline: Deadline) throws -> [UInt8] {
        var searchFrom = start
        while true {
            if let end = firstIndex(of: delimiter, from: searchFrom) {
                let result = Array(buffer[start..<end])
                start = end + delimiter.count
                return result
            }
            if buffer.count - start > limit { throw Failure.tooLong }
            searchFrom = max(start, buffer.count - delimiter.count + 1)
            try fill(until: deadline)
        }
    }

    /// Reads exactly `count` bytes.
    func read(count: Int, until deadline: Deadline) throws -> [UInt8] {
        while buffer.count - start < count { try fill(until: deadline) }
        let result = Array(buffer[start..<start + count])
        start += count
        return result
    }

    /// Writes all of `bytes`; false when the peer went away.
    @discardableResult
    func write(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { raw in
                send(fd, raw.baseAddress! + offset, raw.count - offset, CInt(MSG_NOSIGNAL))
            }
            if written < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += written
        }
        return true
    }

    private func firstIndex(of delimiter: [UInt8], from index: Int) -> Int? {
        guard buffer.count >= delimiter.count else { return nil }
        var position = index
        while position + delimiter.count <= buffer.count {
            if buffer[position] == delimiter[0]
                && buffer[position..<position + delimiter.count].elementsEqual(delimiter)
            {
                return position
            }
            position += 1
        }
        return nil
    }

    private func fill(until deadline: Deadline) throws {
        if start > 0 && start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
        }
        while true {
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, deadline.remainingMilliseconds)
            if ready < 0 {
                if errno == EINTR { continue }
                throw Failure.closed
            }
            if ready == 0 { throw Failure.timedOut }
            var chunk = [UInt8](repeating: 0, count: 64 * 1024)
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { throw Failure.closed }
            buffer.append(contentsOf: chunk[0..<count])
            return
        }
    }
}
