/// A response's status-line and fields, plus the framing the parser derived from them.
public struct ResponseHead: Sendable, Equatable {
    public var version: HTTPVersion
    public var status: Int
    /// The reason-phrase, possibly empty (RFC 9112 §4: clients ignore it).
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

    /// `HTTP/x.y status reason\r\n`, each field as `name: value\r\n`, then `\r\n`.
    public func serialized() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(reason.utf8.count + headers.serializedSize + 18)
        version.append(to: &out)
        out.append(ASCII.sp)
        if (100...999).contains(status) {
            out.append(0x30 + UInt8(status / 100))
            out.append(0x30 + UInt8(status / 10 % 10))
            out.append(0x30 + UInt8(status % 10))
        } else {
            out.append(contentsOf: String(status).utf8)
        }
        out.append(ASCII.sp)
        out.append(contentsOf: reason.utf8)
        out.append(ASCII.cr)
        out.append(ASCII.lf)
        headers.append(to: &out)
        out.append(ASCII.cr)
        out.append(ASCII.lf)
        return out
    }
}
