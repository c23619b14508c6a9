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

    /// Reads what the socket has, up to `limit` bytes, straight into reserved buffer space (no
    /// FIONREAD ioctl, unlike `evbuffer_read`). Returns the byte count, 0 at end of stream, nil
    /// when the socket has nothing now.
    func read(from fd: CInt, limit: Int = 65536) throws(SystemError) -> Int? {
        var vectors = (iovec(), iovec())
        return try withUnsafeMutablePointer(to: &vectors) { pointer throws(SystemError) -> Int? in
            let vectorPointer = UnsafeMutableRawPointer(pointer).assumingMemoryBound(to: iovec.self)
            let reserved = evbuffer_reserve_space(raw, limit, vectorPointer, 2)
            guard reserved > 0 else { throw SystemError(errno: ENOMEM, operation: "evbuffer_reserve_space") }
            let received: Int
            do throws(SystemError) {
                received = try syscall("read") { readv(fd, vectorPointer, reserved) }
            } catch {
                if error.errno == EAGAIN || error.errno == EWOULDBLOCK { return nil }
                throw error
            }
            var remaining = received
            for index in 0..<Int(reserved) {
                let take = min(remaining, vectorPointer[index].iov_len)
                vectorPointer[index].iov_len = take
                remaining -= take
            }
            evbuffer_commit_space(raw, vectorPointer, reserved)
            return received
        }
    }

    /// Writes as much as the socket takes; returns the byte count (0 when the kernel took nothing).
    func write(to fd: CInt) throws(SystemError) -> Int {
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
        } while hasFileSegments && !isEmpty
        if isEmpty { hasFileSegments = false }
        return total
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
