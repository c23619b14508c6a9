import CLibevent
import Glibc
import PorticoConfig

/// A resolved socket address, ready for bind(2) or connect(2).
struct ResolvedAddress: Sendable {
    var storage: sockaddr_storage
    var length: socklen_t
    var family: CInt { CInt(storage.ss_family) }

    /// Resolves numeric addresses and names with getaddrinfo. Blocking: call it at start-up or on a
    /// reload thread, never on an event loop.
    init(_ address: SocketAddress) throws(SystemError) {
        var hints = addrinfo()
        hints.ai_socktype = CInt(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_ADDRCONFIG | AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let host = address.host == "*" ? "0.0.0.0" : address.host
        let status = getaddrinfo(host, String(address.port), &hints, &list)
        guard status == 0, let first = list else {
            throw SystemError(
                errno: EINVAL, operation: "resolve \(address)", reason: String(cString: gai_strerror(status)))
        }
        defer { freeaddrinfo(list) }
        storage = sockaddr_storage()
        length = first.pointee.ai_addrlen
        withUnsafeMutableBytes(of: &storage) { target in
            target.copyMemory(
                from: UnsafeRawBufferPointer(start: first.pointee.ai_addr, count: Int(first.pointee.ai_addrlen)))
        }
    }

    init(storage: sockaddr_storage, length: socklen_t) {
        self.storage = storage
        self.length = length
    }

    func withSockaddr<R, E: Error>(_ body: (UnsafePointer<sockaddr>, socklen_t) throws(E) -> R) throws(E) -> R {
        var copy = storage
        return try withUnsafeBytes(of: &copy) { raw throws(E) -> R in
            try body(raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), length)
        }
    }

    var port: Int {
        withUnsafeBytes(of: storage) { raw in
            if family == AF_INET6 {
                return Int(UInt16(bigEndian: raw.load(as: sockaddr_in6.self).sin6_port))
            }
            return Int(UInt16(bigEndian: raw.load(as: sockaddr_in.self).sin_port))
        }
    }

    /// The address without port: "127.0.0.1" or "::1", as X-Forwarded-For carries it.
    var host: String {
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        withUnsafeBytes(of: storage) { raw in
            if family == AF_INET6 {
                var address = raw.load(as: sockaddr_in6.self).sin6_addr
                _ = inet_ntop(AF_INET6, &address, &text, socklen_t(text.count))
            } else {
                var address = raw.load(as: sockaddr_in.self).sin_addr
                _ = inet_ntop(AF_INET, &address, &text, socklen_t(text.count))
            }
        }
        return String(cString: text)
    }

    /// "127.0.0.1:8080" or "[::1]:8080".
    var description: String { family == AF_INET6 ? "[\(host)]:\(port)" : "\(host):\(port)" }

    func withPort(_ port: Int) -> ResolvedAddress {
        var copy = self
        withUnsafeMutableBytes(of: &copy.storage) { raw in
            if family == AF_INET6 {
                raw.baseAddress!.assumingMemoryBound(to: sockaddr_in6.self).pointee.sin6_port = UInt16(port).bigEndian
            } else {
                raw.baseAddress!.assumingMemoryBound(to: sockaddr_in.self).pointee.sin_port = UInt16(port).bigEndian
            }
        }
        return copy
    }
}
