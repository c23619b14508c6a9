/// A response as `RawClient` read it off the wire.
struct RawResponse: HasHeaderFields, Sendable {
    /// How the body was delimited (RFC 9112 §6.3).
    enum Framing: Sendable, Equatable {
        /// No body by definition: HEAD, 1xx, 204, 304.
        case none
        case contentLength(Int)
        case chunked
        /// Read until the server closed the connection.
        case untilClose
    }

    var version: String
    var status: Int
    var reason: String
    var headers: [(name: String, value: String)]
    var body: [UInt8]
    var trailers: [(name: String, value: String)] = []
    var framing: Framing

    var bodyText: String { String(decoding: body, as: UTF8.self) }

    /// True for 1xx responses, which precede the final one.
    var isInterim: Bool { (100..<200).contains(status) }
}

extension RawResponse: CustomStringConvertible {
    var description: String {
        var text = "\(version) \(status) \(reason)\n"
        for (name, value) in headers { text += "\(name): \(value)\n" }
        return text + "[\(body.count) body bytes, \(framing)] \(Bytes.preview(body, limit: 200))"
    }
}
