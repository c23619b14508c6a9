import CLibevent
import Glibc
import PorticoCache
import PorticoHTTP

/// An owned libevent `evbuffer`: a chain of byte blocks that moves between sockets and other
/// buffers without copying where libevent can hand over whole blocks.
final class EventBuffer {
    let raw: OpaquePointer

    init() {
        raw = evbuffer_new()
    }

    deinit { evbuffer_free(raw) }

    var count: Int { evbuffer_get_length(raw) }
    var isEmpty: Bool { count == 0 }

    func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { _ = evbuffer_add(raw, $0.baseAddress, $0.count) }
    }

    func append(_ string: StaticString) {
        _ = evbuffer_add(raw, string.utf8Start, string.utf8CodeUnitCount)
    }

    /// Lets `write` put up to `bound` bytes straight into the buffer's free space: one reserve, no
    /// copy, however many pieces the bytes are written in.
    func append(bound: Int, _ write: (inout ByteWriter) -> Void) {
        var extent = iovec()
        let extents = evbuffer_reserve_space(raw, bound, &extent, 1)
        precondition(extents == 1 && extent.iov_len >= bound, "evbuffer_reserve_space failed")
        var writer = ByteWriter(UnsafeMutableRawBufferPointer(start: extent.iov_base, count: bound))
        write(&writer)
        extent.iov_len = writer.count
        let committed = evbuffer_commit_space(raw, &extent, 1)
        precondition(committed == 0, "evbuffer_commit_space failed")
    }

    /// Appends a stored body without copying it: libevent keeps a reference, and the body stays
    /// alive (retained here, released by libevent's cleanup call) until the last byte is written,
    /// even if the cache evicts its entry meanwhile. `range` (the whole body by default) selects
    /// the bytes to send.
    ///
    /// Bodies of every size go out this way, copied by the kernel from the shared memory into
    /// the socket. Large ones used to sit in memfd files sent with sendfile; on these machines
    /// (kernel 6.18, 2 vCPUs) that cost more: hit-1m took 315 µs of CPU a request against
    /// 216 µs for the copy, hit-256k 11k requests a second against 17k (one bench run each).
    func appendReference(_ body: CacheBody, range: Range<Int>? = nil) {
        let range = range ?? 0..<body.count
        guard let base = body.baseAddress, !range.isEmpty, range.upperBound <= body.count else { return }
        let context = Unmanaged.passRetained(body).toOpaque()
        _ = evbuffer_add_reference(raw, base + range.lowerBound, range.count, releaseCacheBody, context)
    }

    /// Calls `body` with the first `count` bytes of the buffer, block by block, without copying.
    func forEachSegment(upTo count: Int, _ body: (UnsafeRawBufferPointer) -> Void) {
        var remaining = min(count, self.count)
        guard remaining > 0 else { return }
        var vectors = [iovec](repeating: iovec(), count: 8)
        let filled = Int(evbuffer_peek(raw, remaining, nil, &vectors, 8))
        for index in 0..<min(filled, 8) where remaining > 0 {
            let take = min(remaining, vectors[index].iov_len)
            body(UnsafeRawBufferPointer(start: vectors[index].iov_base, count: take))
            remaining -= take
        }
        if remaining > 0 {
            // More blocks than peeked at once: copy the rest out.
            let offset = min(count, self.count) - remaining
            var rest = [UInt8](repeating: 0, count: remaining)
            var position = evbuffer_ptr()
            evbuffer_ptr_set(raw, &position, offset, EVBUFFER_PTR_SET)
            _ = rest.withUnsafeMutableBytes { evbuffer_copyout_from(raw, &position, $0.baseAddress, remaining) }
            rest.withUnsafeBytes { body($0) }
        }
    }

    /// Moves up to `count` bytes from the front of this buffer to the end of `destination`.
    func move(_ count: Int, to destination: EventBuffer) {
        _ = evbuffer_remove_buffer(raw, destination.raw, count)
    }

    /// Bodies up to this size are copied after the head rather than moved (see `copy`).
    static let smallBody = 4096

    /// Copies up to `count` bytes from the front of this buffer to the end of `destination` and
    /// drains them here. For a small body after its head: copied into the head's block (see
    /// `ProxyHeaders.appendClientResponse`), the response goes out in one piece, by `send` rather
    /// than `sendmsg`, and the body's own block is freed at once. Bytes spread over several blocks
    /// are moved instead.
    func copy(_ count: Int, to destination: EventBuffer) {
        var first = iovec()
        guard evbuffer_peek(raw, count, nil, &first, 1) >= 1, first.iov_len >= count else {
            move(count, to: destination)
            return
        }
        _ = evbuffer_add(destination.raw, first.iov_base, count)
        drain(count)
    }

    /// Moves everything to the end of `destination`.
    func moveAll(to destination: EventBuffer) {
        _ = evbuffer_add_buffer(destination.raw, raw)
    }

    func drain(_ count: Int) { _ = evbuffer_drain(raw, count) }

    /// The whole buffer as one contiguous region (libevent copies only if it spans several blocks).
    func withContiguousBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        let length = count
        guard length > 0, let start = evbuffer_pullup(raw, length) else {
            return try body(UnsafeRawBufferPointer(start: nil, count: 0))
        }
        return try body(UnsafeRawBufferPointer(start: start, count: length))
    }

    /// The first block of the buffer, without copying; empty when the buffer is.
    func withFirstSegment<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        var vector = iovec()
        let segments = evbuffer_peek(raw, -1, nil, &vector, 1)
        guard segments > 0 else { return try body(UnsafeRawBufferPointer(start: nil, count: 0)) }
        return try body(UnsafeRawBufferPointer(start: vector.iov_base, count: vector.iov_len))
    }

    /// Bytes a read puts straight into the buffer: with libevent's chain header, a 4 KiB block.
    static let readRoom = 4096 - 64

    /// Reads what the socket has: up to `readRoom` bytes straight into the buffer and, when that
    /// fills, up to `spill.count` more into `spill`, copied in after. Returns the byte count, 0 at
    /// end of stream, nil when the socket has nothing now.
    ///
    /// Why not reserve room for a whole large read: libevent rounds a block up to a power of two,
    /// so 64 KiB of room is a 128 KiB block per read, which glibc maps and unmaps (or trims and
    /// grows its heap for) every time: measured at one page fault per request on pass-1k. Most
    /// reads are a request or a small response and fit the room; only a big read's excess is
    /// copied. `recv`, not `readv` or `evbuffer_read`: the socket call skips the file layer's
    /// checks and notifications, and needs no FIONREAD ioctl to size the room.
    func read(from fd: CInt, spill: UnsafeMutableRawBufferPointer) throws(SystemError) -> Int? {
        var room = iovec()
        guard evbuffer_reserve_space(raw, EventBuffer.readRoom, &room, 1) == 1 else {
            throw SystemError(errno: ENOMEM, operation: "evbuffer_reserve_space")
        }
        let roomSize = room.iov_len
        guard let direct = try receive(fd, room.iov_base, roomSize) else { return nil }
        room.iov_len = direct
        evbuffer_commit_space(raw, &room, 1)
        // A failure after some bytes arrived waits for the next read, so those bytes count.
        guard direct == roomSize, let more = (try? receive(fd, spill.baseAddress, spill.count)) ?? nil, more > 0
        else { return direct }
        evbuffer_add(raw, spill.baseAddress, more)
        return direct + more
    }

    private func receive(_ fd: CInt, _ base: UnsafeMutableRawPointer?, _ count: Int) throws(SystemError) -> Int? {
        do throws(SystemError) {
            return try syscall("read") { recv(fd, base, count, 0) }
        } catch {
            if error.errno == EAGAIN || error.errno == EWOULDBLOCK { return nil }
            throw error
        }
    }

    /// Writes as much as the socket takes; returns the byte count (0 when the kernel took nothing).
    ///
    /// With `send` or `sendmsg` (not libevent's `writev`), for the reason `read` uses `recv`.
    func write(to fd: CInt) throws(SystemError) -> Int {
        var total = 0
        while !isEmpty {
            let written = withUnsafeTemporaryAllocation(of: iovec.self, capacity: 16) { vectors -> (Int, Int) in
                let filled = min(Int(evbuffer_peek(raw, -1, nil, vectors.baseAddress, 16)), 16)
                let offered = vectors[0..<filled].reduce(0) { $0 + $1.iov_len }
                if filled == 1 {
                    return (send(fd, vectors[0].iov_base, vectors[0].iov_len, Int32(MSG_NOSIGNAL)), offered)
                }
                var message = msghdr()
                message.msg_iov = vectors.baseAddress
                message.msg_iovlen = filled
                return (sendmsg(fd, &message, Int32(MSG_NOSIGNAL)), offered)
            }
            if written.0 < 0 {
                let code = errno
                if code == EINTR { continue }
                if code == EAGAIN || code == EWOULDBLOCK { break }
                throw SystemError(errno: code, operation: "write")
            }
            evbuffer_drain(raw, written.0)
            total += written.0
            // The kernel took less than offered: its buffer is full.
            if written.0 < written.1 || written.0 == 0 { break }
        }
        return total
    }
}

private func releaseCacheBody(_ data: UnsafeRawPointer?, _ length: Int, _ context: UnsafeMutableRawPointer?) {
    Unmanaged<CacheBody>.fromOpaque(context!).release()
}
