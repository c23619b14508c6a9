import Glibc
import Synchronization

/// A non-blocking TCP socket on 127.0.0.1 whose every read, write and accept waits with poll(2)
/// under a deadline. Descriptors are close-on-exec, so portico processes started by tests running in
/// parallel never inherit (and keep open) another test's connections.
///
/// `shutdown()` may be called from any thread to wake a thread blocked on the socket; only the
/// owner calls `close()`.
final class TestSocket: Sendable {
    let fd: CInt
    private let isClosed = Mutex(false)

    private init(fd: CInt) {
        self.fd = fd
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        var one: CInt = 1
        setsockopt(fd, CInt(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<CInt>.size))
    }

    deinit { close() }

    /// Connects to 127.0.0.1:`port`.
    static func connect(port: UInt16, deadline: Deadline) throws -> TestSocket {
        let socket = try TestSocket(fd: newDescriptor())
        var address = loopback(port: port)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(socket.fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        if result == 0 { return socket }
        guard errno == EINPROGRESS else { throw HarnessError.system("connect to 127.0.0.1:\(port)", errno: errno) }
        guard try socket.poll(POLLOUT, deadline: deadline) else {
            throw HarnessError.timedOut(waitingFor: "connect to 127.0.0.1:\(port)", received: [])
        }
        var code: CInt = 0
        var length = socklen_t(MemoryLayout<CInt>.size)
        getsockopt(socket.fd, SOL_SOCKET, SO_ERROR, &code, &length)
        guard code == 0 else { throw HarnessError.system("connect to 127.0.0.1:\(port)", errno: code) }
        return socket
    }

    /// A listening socket on 127.0.0.1:`port` (0: the kernel picks) and its bound port.
    static func listen(port: UInt16 = 0) throws -> (socket: TestSocket, port: UInt16) {
        let socket = try TestSocket(fd: newDescriptor())
        var one: CInt = 1
        setsockopt(socket.fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<CInt>.size))
        var address = loopback(port: port)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(socket.fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0 else { throw HarnessError.system("bind 127.0.0.1:\(port)", errno: errno) }
        guard Glibc.listen(socket.fd, 512) == 0 else { throw HarnessError.system("listen", errno: errno) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket.fd, $0, &length) }
        }
        return (socket, UInt16(bigEndian: address.sin_port))
    }

    /// A loopback port that nothing listens on (bound, then closed again).
    static func unusedPort() throws -> UInt16 {
        let (socket, port) = try listen()
        socket.close()
        return port
    }

    /// The next connection, or nil when none arrived before the deadline.
    func accept(deadline: Deadline) throws -> TestSocket? {
        guard try poll(POLLIN, deadline: deadline) else { return nil }
        let client = Glibc.accept(fd, nil, nil)
        if client < 0 {
            if errno == EAGAIN || errno == EINTR || errno == ECONNABORTED { return nil }
            throw HarnessError.system("accept", errno: errno)
        }
        return TestSocket(fd: client)
    }

    /// Writes all of `bytes`; fails when the peer is gone or the deadline passes.
    func send(_ bytes: [UInt8], deadline: Deadline) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { raw in
                Glibc.send(fd, raw.baseAddress! + offset, raw.count - offset, CInt(MSG_NOSIGNAL))
            }
            if written >= 0 {
                offset += written
                continue
            }
            switch errno {
            case EINTR:
                continue
            case EAGAIN:
                guard try poll(POLLOUT, deadline: deadline) else {
                    throw HarnessError.timedOut(waitingFor: "the peer to read (sent \(offset) bytes)", received: [])
                }
            default:
                throw HarnessError.system("send (after \(offset) of \(bytes.count) bytes)", errno: errno)
            }
        }
    }

    /// Up to `maximum` bytes; empty at end of stream (a reset counts as the end). Nil when the
    /// deadline passed first.
    func receive(maximum: Int = 64 * 1024, deadline: Deadline) throws -> [UInt8]? {
        while true {
            var chunk = [UInt8](repeating: 0, count: maximum)
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
            if count >= 0 { return Array(chunk[0..<count]) }
            switch errno {
            case EINTR:
                continue
            case EAGAIN:
                guard try poll(POLLIN, deadline: deadline) else { return nil }
            case ECONNRESET, EPIPE, ENOTCONN:
                return []
            default:
                throw HarnessError.system("recv", errno: errno)
            }
        }
    }

    /// Half-closes: the peer reads end of stream, we can still read.
    func shutdownWrite() { _ = Glibc.shutdown(fd, CInt(SHUT_WR)) }

    /// Shuts both directions down, waking any thread blocked on this socket. Safe from any thread.
    func shutdown() {
        isClosed.withLock { closed in
            if !closed { _ = Glibc.shutdown(fd, CInt(SHUT_RDWR)) }
        }
    }

    /// Closes the descriptor once; later calls do nothing.
    func close() {
        isClosed.withLock { closed in
            if !closed {
                closed = true
                _ = Glibc.close(fd)
            }
        }
    }

    /// Waits for `events`; false at the deadline. Errors and hang-ups count as ready, so the next
    /// call reports them.
    private func poll(_ events: CInt, deadline: Deadline) throws -> Bool {
        while true {
            var descriptor = pollfd(fd: fd, events: Int16(events), revents: 0)
            let ready = Glibc.poll(&descriptor, 1, deadline.remainingMilliseconds)
            if ready > 0 { return true }
            if ready == 0 { return false }
            if errno != EINTR { throw HarnessError.system("poll", errno: errno) }
        }
    }

    private static func newDescriptor() throws -> CInt {
        let fd = socket(AF_INET, CInt(SOCK_STREAM.rawValue) | CInt(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw HarnessError.system("socket", errno: errno) }
        return fd
    }

    private static func loopback(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }
}
