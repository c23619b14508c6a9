/// A request's start-line and fields, plus what the parser concluded from them.
///
/// `RequestParser` fills every property. Built by hand (to send a request upstream), only
/// `method`, `target`, `version` and `headers` matter: they are what `serialized()` writes.
public struct RequestHead: Sendable, Equatable {
    public var method: String
    /// The request-target exactly as received (RFC 9112 §3.2).
    public var target: String
    public var version: HTTPVersion
    public var headers: HTTPHeaders
    /// The origin-form path and query: the target itself for origin-form; for absolute-form
    /// `http://h:p/x?y` it is `/x?y` (`/` when the path is empty, RFC 9112 §3.2.2); `*` for
    /// asterisk-form; the authority for CONNECT's authority-form.
    public var path: String
    /// The authority of an absolute-form (or CONNECT) target, else the Host field value; nil
    /// when an HTTP/1.0 request has neither. RFC 9112 §3.2.2: with absolute-form, Host is ignored.
    public var host: String?
    /// `.none`, `.length(n)` or `.chunked`; never `.untilClose` (RFC 9112 §6.3 item 7).
    public var framing: BodyFraming
    /// HTTP/1.1 unless `Connection: close`; HTTP/1.0 only with `Connection: keep-alive`
    /// (RFC 9112 §9.3).
    public var keepAlive: Bool
    /// `Expect: 100-continue` on an HTTP/1.1 request (RFC 9110 §10.1.1; ignored for HTTP/1.0).
    public var expectsContinue: Bool

    /// No body follows the head: no framing, or `Content-Length: 0`.
    public var hasNoBody: Bool {
        switch framing {
        case .none, .length(0): true
        default: false
        }
    }

    /// A head to send: `path` is `target`, no host, no body, keep-alive.
    public init(method: String, target: String, version: HTTPVersion, headers: HTTPHeaders) {
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers
        path = target
        host = nil
        framing = .none
        keepAlive = true
        expectsContinue = false
    }

    /// A parsed head, every property given at once.
    init(
        method: String,
        target: String,
        version: HTTPVersion,
        headers: HTTPHeaders,
        path: String,
        host: String?,
        framing: BodyFraming,
        keepAlive: Bool,
        expectsContinue: Bool
    ) {
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers
        self.path = path
        self.host = host
        self.framing = framing
        self.keepAlive = keepAlive
        self.expectsContinue = expectsContinue
    }

    /// `METHOD target HTTP/x.y\r\n`, each field as `name: value\r\n`, then `\r\n`.
    ///
    /// Writes the fields as they are; callers that take values from elsewhere than a parsed head
    /// must not put CR or LF in them.
    public func serialized() -> [UInt8] {
        let size = method.utf8.count + target.utf8.count + version.wireCount + headers.serializedSize + 6
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: size) { scratch in
            var out = ByteWriter(scratch)
            write(to: &out)
            return out.bytes(expecting: size)
        }
    }

    private func write(to out: inout ByteWriter) {
        Self.writeRequestLine(method: method, target: target, version: version, to: &out)
        headers.write(to: &out)
        out.write(ASCII.cr, ASCII.lf)
    }

    /// `method target HTTP/x.y\r\n`: `method.utf8.count + target.utf8.count + 16` bytes at most.
    public static func writeRequestLine(method: String, target: String, version: HTTPVersion, to out: inout ByteWriter)
    {
        out.write(string: method)
        out.write(ASCII.sp)
        out.write(string: target)
        out.write(ASCII.sp)
        version.write(to: &out)
        out.write(ASCII.cr, ASCII.lf)
    }
}
