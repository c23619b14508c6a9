import PorticoCache
import PorticoHTTP

/// How a message head changes as it crosses the proxy (RFC 9110 §7.6): hop-by-hop fields go,
/// forwarding fields and `Via` are added, and framing is restated for the next hop.
enum ProxyHeaders {
    static let via = "1.1 portico"

    /// The head sent to a backend for a client's request.
    ///
    /// - `X-Forwarded-For` gets the client address appended; `X-Forwarded-Proto` and
    ///   `X-Forwarded-Host` are set by the proxy alone, since a client could otherwise claim any host.
    /// - `Expect` is dropped when the proxy answered `100 Continue` itself.
    static func upstreamRequest(_ request: RequestHead, clientAddress: String, answeredContinue: Bool) -> [UInt8] {
        var headers = request.headers
        headers.removeHopByHop()
        headers.remove("X-Forwarded-Proto")
        headers.remove("X-Forwarded-Host")
        if answeredContinue { headers.remove("Expect") }
        // Host is restated from the parsed request: an absolute-form target overrides the field
        // (RFC 9112 §3.2.2), and `Connection: host` must not make the request lose it.
        let host = request.host ?? ""
        let originForm = request.target.utf8.first == UInt8(ascii: "/")
        if !host.isEmpty && !(originForm && headers.contains("Host")) { headers.set("Host", host) }
        switch request.framing {
        case .length(let length):
            headers.set("Content-Length", String(length))
        case .chunked:
            headers.remove("Content-Length")
            headers.add("Transfer-Encoding", "chunked")
        case .none, .untilClose:
            break
        }
        headers.appendListElement("X-Forwarded-For", clientAddress)
        headers.add("X-Forwarded-Proto", "http")
        if !host.isEmpty { headers.add("X-Forwarded-Host", host) }
        appendVia(&headers)
        let head = RequestHead(method: request.method, target: request.path, version: .http11, headers: headers)
        return head.serialized()
    }

    /// How the response body travels to the client.
    enum ClientFraming {
        /// As received: no body, or a body of known length.
        case passThrough
        /// Re-chunked: the backend's body was chunked or ran until close, and the client speaks 1.1.
        case chunked
        /// Raw bytes until the connection closes (HTTP/1.0 clients).
        case untilClose
    }

    /// The framing for the client, given the backend's framing and the client's version.
    static func clientFraming(for response: ResponseHead, clientVersion: HTTPVersion) -> ClientFraming {
        switch response.framing {
        case .none, .length: return .passThrough
        case .chunked, .untilClose: return clientVersion == .http10 ? .untilClose : .chunked
        }
    }

    /// The head sent to the client for a backend's response.
    static func clientResponse(
        _ response: ResponseHead,
        framing: ClientFraming,
        keepAlive: Bool,
        clientVersion: HTTPVersion,
        date: String,
        cacheStatus: CacheStatus? = nil
    ) -> [UInt8] {
        var headers = response.headers
        headers.removeHopByHop()
        switch framing {
        case .passThrough:
            if case .length(let length) = response.framing { headers.set("Content-Length", String(length)) }
        case .chunked:
            headers.remove("Content-Length")
            headers.add("Transfer-Encoding", "chunked")
        case .untilClose:
            headers.remove("Content-Length")
        }
        // RFC 9110 §6.6.1: a recipient with a clock adds Date when the origin sent none.
        if !headers.contains("Date") { headers.add("Date", date) }
        appendVia(&headers)
        if let cacheStatus {
            var value: [UInt8] = []
            value.reserveCapacity(80)
            cacheStatus.appendFieldValue(to: &value)
            headers.add("Cache-Status", bytes: value)
        }
        if !keepAlive {
            headers.add("Connection", "close")
        } else if clientVersion == .http10 {
            headers.add("Connection", "keep-alive")
        }
        let head = ResponseHead(version: .http11, status: response.status, reason: response.reason, headers: headers)
        return head.serialized()
    }

    private static func appendVia(_ headers: inout HTTPHeaders) {
        headers.appendListElement("Via", via)
    }
}
