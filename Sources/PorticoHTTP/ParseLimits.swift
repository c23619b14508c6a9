/// Size limits applied while a head is parsed, so that a peer cannot make the proxy buffer
/// without bound. Each is enforced as soon as it is exceeded, not when the head is complete.
public struct ParseLimits: Sendable, Equatable {
    /// Bytes of the request-line (or status-line) without its CRLF. Over → 414 for a request.
    public var requestLine: Int = 8192
    /// Bytes of all field lines, CRLFs included, the final empty line excluded. Over → 431.
    public var headerBytes: Int = 32768
    /// Number of field lines. Over → 431.
    public var headerCount: Int = 100
    /// Largest request `Content-Length` accepted. Over → 413 when the head is parsed. Chunked
    /// bodies are counted by the caller as they arrive; responses are not checked (they stream).
    public var body: Int64 = 64 << 20

    public init() {}

    public init(requestLine: Int, headerBytes: Int, headerCount: Int, body: Int64) {
        self.requestLine = requestLine
        self.headerBytes = headerBytes
        self.headerCount = headerCount
        self.body = body
    }
}
