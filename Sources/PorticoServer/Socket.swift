import CLibevent
import Glibc

/// The socket calls Portico makes, each a one-liner over `syscall`.
enum Socket {
    /// A non-blocking listening socket with SO_REUSEPORT, so every worker can own one on the same
    /// port and the kernel spreads connections between them.
    static func listen(on address: ResolvedAddress, backlog: CInt = 511) throws(SystemError) -> CInt {
        let fd = try syscall("socket") {
            socket(
                address.family, CInt(SOCK_STREAM.rawValue) | CInt(SOCK_NONBLOCK.rawValue) | CInt(SOCK_CLOEXEC.rawValue),
                0)
        }
        do throws(SystemError) {
            try setOption(fd, SOL_SOCKET, SO_REUSEADDR, 1)
            try setOption(fd, SOL_SOCKET, SO_REUSEPORT, 1)
            if address.family == AF_INET6 { try setOption(fd, CInt(IPPROTO_IPV6), IPV6_V6ONLY, 1) }
            // Accepted sockets inherit TCP_NODELAY from their listener on Linux: one call here
            // instead of a setsockopt for every connection.
            try setOption(fd, CInt(IPPROTO_TCP), TCP_NODELAY, 1)
            try address.withSockaddr { pointer, length throws(SystemError) in
                try syscall("bind \(address.description)") { bind(fd, pointer, length) }
            }
            try syscall("listen") { Glibc.listen(fd, backlog) }
            return fd
        } catch {
            close(fd)
            throw error
        }
    }

    /// Throws when something already listens on `address`: binds a socket without SO_REUSEPORT
    /// (only SO_REUSEADDR, which ignores connections in TIME_WAIT) and closes it.
    static func checkUnused(_ address: ResolvedAddress) throws(SystemError) {
        let fd = try syscall("socket") {
            socket(address.family, CInt(SOCK_STREAM.rawValue) | CInt(SOCK_CLOEXEC.rawValue), 0)
        }
        defer { close(fd) }
        try setOption(fd, SOL_SOCKET, SO_REUSEADDR, 1)
        if address.family == AF_INET6 { try setOption(fd, CInt(IPPROTO_IPV6), IPV6_V6ONLY, 1) }
        try address.withSockaddr { pointer, length throws(SystemError) in
            try syscall("bind \(address.description)") { bind(fd, pointer, length) }
        }
    }

    /// The address a socket is bound to (the real port after binding port 0).
    static func localAddress(_ fd: CInt) throws(SystemError) -> ResolvedAddress {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        try withUnsafeMutableBytes(of: &storage) { raw throws(SystemError) in
            try syscall("getsockname") {
                getsockname(fd, raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), &length)
            }
        }
        return ResolvedAddress(storage: storage, length: length)
    }

    /// Accepts one connection; nil when none is waiting.
    static func accept(_ listener: CInt) throws(SystemError) -> (fd: CInt, peer: ResolvedAddress)? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let fd = withUnsafeMutableBytes(of: &storage) { raw in
            portico_accept4(
                listener, raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), &length,
                CInt(SOCK_NONBLOCK.rawValue) | CInt(SOCK_CLOEXEC.rawValue))
        }
        if fd < 0 {
            let code = errno
            if code == EAGAIN || code == EWOULDBLOCK || code == EINTR || code == ECONNABORTED { return nil }
            throw SystemError(errno: code, operation: "accept")
        }
        return (fd, ResolvedAddress(storage: storage, length: length))
    }

    /// Starts a non-blocking connect; true when it completed at once, false when in progress.
    static func connect(to address: ResolvedAddress) throws(SystemError) -> (fd: CInt, connected: Bool) {
        let fd = try syscall("socket") {
            socket(
                address.family, CInt(SOCK_STREAM.rawValue) | CInt(SOCK_NONBLOCK.rawValue) | CInt(SOCK_CLOEXEC.rawValue),
                0)
        }
        try? setOption(fd, CInt(IPPROTO_TCP), TCP_NODELAY, 1)
        let result = address.withSockaddr { pointer, length in Glibc.connect(fd, pointer, length) }
        if result == 0 { return (fd, true) }
        let code = errno
        if code == EINPROGRESS || code == EINTR { return (fd, false) }
        close(fd)
        throw SystemError(errno: code, operation: "connect \(address.description)")
    }

    /// The outcome of a non-blocking connect, read once the socket became writable.
    static func pendingError(_ fd: CInt) -> CInt {
        var code: CInt = 0
        var length = socklen_t(MemoryLayout<CInt>.size)
        if getsockopt(fd, SOL_SOCKET, SO_ERROR, &code, &length) != 0 { return errno }
        return code
    }

    private static func setOption(_ fd: CInt, _ level: CInt, _ name: CInt, _ value: CInt) throws(SystemError) {
        var value = value
        try syscall("setsockopt") { setsockopt(fd, level, name, &value, socklen_t(MemoryLayout<CInt>.size)) }
    }
}
