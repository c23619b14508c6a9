/// A request as `ScriptedOrigin` received it, body decoded.
struct OriginRequest: HasHeaderFields, Sendable {
    /// How the request body was delimited on the wire.
    enum Framing: Sendable, Equatable {
        case none
        case contentLength(Int)
        case chunked
    }

    var method: String
    var target: String
    var version: String
    /// Header fields in arrival order, names as sent.
    var headers: [(name: String, value: String)]
    var body: [UInt8]
    var trailers: [(name: String, value: String)] = []
    var framing: Framing

    var bodyText: String { String(decoding: body, as: UTF8.self) }

    /// The target's path, without the query.
    var path: String { String(target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[0]) }

    /// Whether the sender asked to close after this exchange (`Connection: close`, or HTTP/1.0
    /// without `keep-alive`).
    var wantsClose: Bool {
        let options = tokens("Connection")
        return version == "HTTP/1.0" ? !options.contains("keep-alive") : options.contains("close")
    }
}
