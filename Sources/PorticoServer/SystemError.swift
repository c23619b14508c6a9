import Glibc

/// A failed system call, named with the operation so a log line says what was attempted.
public struct SystemError: Error, Sendable, CustomStringConvertible {
    public var errno: CInt
    public var operation: String
    /// What went wrong, when the call has its own words for it (getaddrinfo's); else errno's.
    public var reason: String?

    public init(errno: CInt, operation: String, reason: String? = nil) {
        self.errno = errno
        self.operation = operation
        self.reason = reason
    }

    public var description: String { "\(operation): \(reason ?? String(cString: strerror(errno)))" }
}

/// Runs a system call, retrying on EINTR, and throws `SystemError` when it returns -1, so call sites
/// never compare with -1 themselves (swift-nio's `syscall(blocking:where:_:)`).
@discardableResult
func syscall<T: FixedWidthInteger>(_ operation: @autoclosure () -> String, _ body: () -> T) throws(SystemError) -> T {
    while true {
        let result = body()
        if result != -1 { return result }
        let code = errno
        if code == EINTR { continue }
        throw SystemError(errno: code, operation: operation())
    }
}
