import CLibevent
import Glibc
import PorticoCache
import Synchronization

// Large stored bodies live in memfd files, mapped read-only for anyone who reads their bytes.
// Hits hand the file to libevent as a file segment, and the kernel sends it with sendfile:
// the page-cache pages go to the socket without the copy that `writev` of user memory costs
// (LIBEVENT-NOTES.md, "Shared bodies"; nginx serves its cache the same way). Small bodies stay in
// plain memory: for them two syscalls per response (writev of the head, sendfile of the body)
// cost more than the copy saves.
//
// Each file-backed body holds a descriptor, so they are rationed: at most a quarter of the
// process's descriptor limit (`RLIMIT_NOFILE`, which the server raises to its hard limit at
// start) is spent on them, and past that bodies stay in memory. Clients and backends always have
// the rest.
//
// A memfd is memory, not disk: creating and filling one never waits on I/O, so it is safe on an
// event loop. The pages are charged to the cache's budget like any other body's, and since they
// are written through the mapping they show in the process's RSS too.

/// Moves large bodies into memfd files.
enum FileBackedBody {
    /// Bodies at least this large are file-backed.
    static let threshold = 64 * 1024

    /// File-backed bodies alive now, and how many may be.
    private static let live = Atomic<Int>(0)
    private static let limit: Int = {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 256 }
        return Int(min(limit.rlim_cur, 1 << 20)) / 4
    }()

    /// `body` copied into a memfd when it is at least `threshold` bytes; `body` itself when it is
    /// smaller, already file-backed, or the kernel refuses (then it is simply sent by copy).
    static func ifLarge(_ body: CacheBody) -> CacheBody {
        guard body.count >= threshold, body.fileDescriptor < 0, let source = body.baseAddress else { return body }
        guard live.add(1, ordering: .relaxed).newValue <= limit else {
            live.subtract(1, ordering: .relaxed)
            return body
        }
        let fd = portico_memfd_create("portico-body")
        guard fd >= 0 else {
            live.subtract(1, ordering: .relaxed)
            return body
        }
        guard ftruncate(fd, off_t(body.count)) == 0,
            let mapping = mmap(nil, body.count, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), mapping != MAP_FAILED
        else {
            Glibc.close(fd)
            live.subtract(1, ordering: .relaxed)
            return body
        }
        mapping.copyMemory(from: source, byteCount: body.count)
        mprotect(mapping, body.count, PROT_READ)
        return CacheBody(mapped: UnsafeRawPointer(mapping), count: body.count, fileDescriptor: fd) { base, count, fd in
            munmap(UnsafeMutableRawPointer(mutating: base), count)
            Glibc.close(fd)
            live.subtract(1, ordering: .relaxed)
        }
    }
}
