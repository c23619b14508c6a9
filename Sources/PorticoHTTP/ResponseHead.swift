/// A response's status-line and fields, plus the framing the parser derived from them.
public struct ResponseHead: Sendable, Equatable {
    public var version: HTTPVersion
    public var status: Int
    /// The reason-phrase, possibly empty (RFC 9112 §4: clients ignore it), as `FieldText`.
    public var reason: String
    public var headers: HTTPHeaders
    /// How the body is delimited, given the request method (RFC 9112 §6.3).
    public var framing: BodyFraming
    /// Whether the connection can carry another exchange after this body: never with
    /// `.untilClose`; HTTP/1.1 unless `Connection: close`; HTTP/1.0 only with
    /// `Connection: keep-alive` (RFC 9112 §9.3).
    public var keepAlive: Bool

    /// A head to send: no body, keep-alive.
    public init(version: HTTPVersion, status: Int, reason: String, headers: HTTPHeaders) {
        self.version = version
        self.status = status
        self.reason = reason
        self.headers = headers
        framing = .none
        keepAlive = true
    }

    /// A parsed head, every property given at once.
    init(
        version: HTTPVersion,
        status: Int,
        reason: String,
        headers: HTTPHeaders,
        framing: BodyFraming,
        keepAlive: Bool
    ) {
        self.version = version
        self.status = status
        self.reason = reason
        self.headers = headers
        self.framing = framing
        self.keepAlive = keepAlive
    }

    /// `HTTP/x.y status reason\r\n`, each field as `name: value\r\n`, then `\r\n`.
    public func serialized() -> [UInt8] {
        let statusCount = (100...999).contains(status) ? 3 : String(status).utf8.count
        let size = version.wireCount + statusCount + FieldText.byteCount(reason) + headers.serializedSize + 6
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: size) { scratch in
            var out = ByteWriter(scratch)
            write(to: &out)
            return out.bytes(expecting: size)
        }
    }

    private func write(to out: inout ByteWriter) {
        writeStatusLine(as: version, to: &out)
        headers.write(to: &out)
        out.write(ASCII.cr, ASCII.lf)
    }

    /// `HTTP/x.y status reason\r\n` with the given version: a proxy answers in its own version,
    /// whatever the backend's was. At most `statusLineBound` bytes.
    public func writeStatusLine(as version: HTTPVersion, to out: inout ByteWriter) {
        version.write(to: &out)
        out.write(ASCII.sp)
        if (100...999).contains(status) {
            out.write(0x30 + UInt8(status / 100))
            out.write(0x30 + UInt8(status / 10 % 10), 0x30 + UInt8(status % 10))
        } else {
            out.write(decimal: status)
        }
        out.write(ASCII.sp)
        FieldText.withBytes(reason) { out.write($0) }
        out.write(ASCII.cr, ASCII.lf)
    }

    public var statusLineBound: Int { reason.utf8.count + ByteWriter.decimalBound + 16 }
}
