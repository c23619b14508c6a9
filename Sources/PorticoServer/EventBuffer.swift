import CLibevent
import Glibc
import PorticoCache
import PorticoHTTP

/// An owned libevent `evbuffer`: a chain of byte blocks that moves between sockets and other
/// buffers without copying where libevent can hand over whole blocks.
final class EventBuffer {
    let raw: OpaquePointer
    /// Whether the buffer only ever drains to a socket (a client's output): then file-backed
    /// bodies go into it as sendfile segments (libevent's EVBUFFER_FLAG_DRAINS_TO_FD).
    private let drainsToSocket: Bool
    /// A sendfile segment was added since the buffer was last empty: `write` then loops, since
    /// libevent writes the chains before such a segment and the segment itself in separate calls.
    private var hasFileSegments = false

    init(drainsToSocket: Bool = false) {
        raw = evbuffer_new()
        self.drainsToSocket = drainsToSocket
        if drainsToSocket { evbuffer_set_flags(raw, UInt64(EVBUFFER_FLAG_DRAINS_TO_FD)) }
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
    /// even if the cache evicts its entry meanwhile.
    ///
    /// A file-backed body, in a buffer that drains to a socket, becomes a file segment that the
    /// kernel sends with sendfile; the segment keeps the body (and so its file) alive instead.
    /// `range` (the whole body by default) selects the bytes to send.
    func appendReference(_ body: CacheBody, range: Range<Int>? = nil) {
        let range = range ?? 0..<body.count
        guard let base = body.baseAddress, !range.isEmpty, range.upperBound <= body.count else { return }
        if drainsToSocket, body.fileDescriptor >= 0,
            let segment = evbuffer_file_segment_new(
                body.fileDescriptor, 0, Int64(body.count), UInt32(EVBUF_FS_DISABLE_MMAP | EVBUF_FS_DISABLE_LOCKING))
        {
            evbuffer_file_segment_add_cleanup_cb(
                segment, releaseFileSegmentBody, Unmanaged.passRetained(body).toOpaque())
            let added = evbuffer_add_file_segment(raw, segment, Int64(range.lowerBound), Int64(range.count))
            // The buffer holds its own reference to the segment; this drops ours.
            evbuffer_file_segment_free(segment)
            if added == 0 {
                hasFileSegments = true
                if range.count >= EventBuffer.corkedSegment { wantsCork = true }
                return
            }
        }
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
    /// With memory blocks only, `send` or `sendmsg` (not libevent's `writev`), for the reason
    /// `read` uses `recv`. A buffer with sendfile segments goes through libevent, which sends them.
    func write(to fd: CInt) throws(SystemError) -> Int {
        if hasFileSegments { return try writeSegments(to: fd) }
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

    /// The socket is corked (TCP_CORK) until the file segments now in the buffer are written.
    private var isCorked = false
    /// A file segment of at least `corkedSegment` bytes was added since the buffer was last empty.
    private var wantsCork = false
    static let corkedSegment = 512 * 1024

    /// Corked while a response with a large sendfile segment goes out, as nginx's `tcp_nopush`
    /// does: the head and the body's pieces then leave in full segments instead of a short one
    /// after each call. Uncorking once the buffer is empty sends the tail. Measured against nginx
    /// (64 connections, one worker): on 1 MiB bodies corking took Portico from 5.8k to 9.5k req/s
    /// (nginx 7.0k) at 65 µs of CPU a request (nginx 79); on 256 KiB bodies it raised req/s too
    /// (28.8k to 33.4k) but also CPU (20 to 29 µs) and p99 (2.2 to 3.5 ms, nginx 3.3), so only
    /// segments of `corkedSegment` bytes or more are corked.
    private func writeSegments(to fd: CInt) throws(SystemError) -> Int {
        if wantsCork && !isCorked { isCorked = setCork(fd, true) }
        defer { if isEmpty && isCorked { isCorked = !setCork(fd, false) } }
        var total = 0
        repeat {
            let written = evbuffer_write(raw, fd)
            if written < 0 {
                let code = errno
                if code == EAGAIN || code == EWOULDBLOCK || code == EINTR { break }
                throw SystemError(errno: code, operation: "write")
            }
            if written == 0 { break }
            total += Int(written)
        } while !isEmpty
        if isEmpty {
            hasFileSegments = false
            wantsCork = false
        }
        return total
    }

    private func setCork(_ fd: CInt, _ on: Bool) -> Bool {
        var value: CInt = on ? 1 : 0
        return setsockopt(fd, CInt(IPPROTO_TCP), TCP_CORK, &value, socklen_t(MemoryLayout<CInt>.size)) == 0
    }
}

private func releaseFileSegmentBody(
    _ segment: OpaquePointer?, _ flags: Int32, _ context: UnsafeMutableRawPointer?
) {
    Unmanaged<CacheBody>.fromOpaque(context!).release()
}

private func releaseCacheBody(_ data: UnsafeRawPointer?, _ length: Int, _ context: UnsafeMutableRawPointer?) {
    Unmanaged<CacheBody>.fromOpaque(context!).release()
}
