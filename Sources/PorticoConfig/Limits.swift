/// Bounds on what clients may send and how many may connect: the `limits { … }` block.
public struct Limits: Sendable, Equatable {
    /// Bytes in the request-line; over it, 414.
    public var requestLine = 8192
    /// Bytes in all header fields together; over it, 431.
    public var requestHeaders = 32768
    /// Number of header fields; over it, 431.
    public var headerCount = 100
    /// Bytes in a request body; over it, 413.
    public var requestBody: Int64 = 64 << 20
    /// Open client connections, over all workers; more wait in the kernel's accept queue.
    public var maxConnections = 10000

    public init(
        requestLine: Int = 8192,
        requestHeaders: Int = 32768,
        headerCount: Int = 100,
        requestBody: Int64 = 64 << 20,
        maxConnections: Int = 10000
    ) {
        self.requestLine = requestLine
        self.requestHeaders = requestHeaders
        self.headerCount = headerCount
        self.requestBody = requestBody
        self.maxConnections = maxConnections
    }
}
