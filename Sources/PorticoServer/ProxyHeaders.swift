import PorticoCache
import PorticoHTTP

/// How a message head changes as it crosses the proxy (RFC 9110 §7.6): hop-by-hop fields go,
/// forwarding fields and `Via` are added, and framing is restated for the next hop.
enum ProxyHeaders {
    /// `Via` for a message received in `version` (RFC 9110 §7.6.3: the protocol as received).
    static func via(_ version: HTTPVersion) -> String {
        version == .http10 ? "1.0 portico" : "1.1 portico"
    }

    /// The head sent to a backend for a client's request, written in one pass over the client's
    /// (`HTTPHeaders.writeForwarded`).
    ///
    /// - `Host` goes first, restated from the parsed request: an absolute-form target overrides the
    ///   field (RFC 9112 §3.2.2), and `Connection: host` must not make the request lose it.
    /// - `X-Forwarded-For` gets the client address appended; `X-Forwarded-Proto` and
    ///   `X-Forwarded-Host` are set by the proxy alone, since a client could otherwise claim any host.
    /// - `Expect` is never forwarded: Portico handles the one expectation it accepts itself
    ///   (`100-continue`: answered for an HTTP/1.1 request with a body, ignored otherwise, as RFC
    ///   9110 §10.1.1 asks of an HTTP/1.0 one) and refuses any other with 417.
    ///
    /// `serverAuthority` is the Host for a request that named none (HTTP/1.0 without Host): a
    /// request to a backend is HTTP/1.1, which must carry one (RFC 9112 §3.2).
    static func upstreamRequest(
        _ request: RequestHead, clientAddress: String, serverAuthority: String = ""
    ) -> [UInt8] {
        let head = UpstreamRequest(request, clientAddress: clientAddress, serverAuthority: serverAuthority)
        return withUnsafeTemporaryAllocation(byteCount: head.bound, alignment: 1) { scratch in
            var out = ByteWriter(scratch)
            head.write(to: &out)
            return Array(out.written)
        }
    }

    /// `upstreamRequest` written straight into `buffer` (a backend connection's output).
    static func appendUpstreamRequest(
        _ request: RequestHead, clientAddress: String, serverAuthority: @autoclosure () -> String,
        to buffer: EventBuffer
    ) {
        let head = UpstreamRequest(
            request, clientAddress: clientAddress,
            serverAuthority: request.host == nil ? serverAuthority() : "")
        buffer.append(bound: head.bound) { head.write(to: &$0) }
    }

    /// What the backend's head is written from: the parts of the client's head it uses (a
    /// closure that captured the whole head would copy it).
    private struct UpstreamRequest {
        let headers: HTTPHeaders
        let method: String
        let path: String
        let framing: BodyFraming
        /// The host the client named (empty: none), for Host and X-Forwarded-Host.
        let host: String
        /// Host when the client named none.
        let serverAuthority: String
        let via: String
        let clientAddress: String
        let omitted: ProxyFields

        init(_ request: RequestHead, clientAddress: String, serverAuthority: String) {
            headers = request.headers
            method = request.method
            path = request.path
            framing = request.framing
            host = request.host ?? ""
            self.serverAuthority = serverAuthority
            via = ProxyHeaders.via(request.version)
            self.clientAddress = clientAddress
            var omitted: ProxyFields = [.via, .xForwardedFor, .xForwardedProto, .xForwardedHost, .expect]
            if !host.isEmpty { omitted.insert(.host) }
            switch framing {
            case .length, .chunked: omitted.insert(.contentLength)
            case .none, .untilClose: break
            }
            self.omitted = omitted
        }

        var bound: Int {
            method.utf8.count + path.utf8.count + 2 * headers.forwardedSizeBound + 2 * host.utf8.count
                + serverAuthority.utf8.count + clientAddress.utf8.count + 160
        }

        func write(to out: inout ByteWriter) {
            RequestHead.writeRequestLine(method: method, target: path, version: .http11, to: &out)
            if !host.isEmpty {
                writeLine("Host: ", host, to: &out)
            } else if !serverAuthority.isEmpty {
                writeLine("Host: ", serverAuthority, to: &out)
            }
            let seen = headers.writeForwarded(to: &out, omitting: omitted)
            switch framing {
            case .length(let length):
                out.write("Content-Length: ")
                out.write(decimal: Int(length))
                out.write("\r\n")
            case .chunked:
                out.write("Transfer-Encoding: chunked\r\n")
            case .none, .untilClose:
                break
            }
            headers.writeList(.xForwardedFor, appending: clientAddress, seen: seen, to: &out)
            out.write("X-Forwarded-Proto: http\r\n")
            if !host.isEmpty { writeLine("X-Forwarded-Host: ", host, to: &out) }
            headers.writeList(.via, appending: via, seen: seen, to: &out)
            out.write("\r\n")
        }
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

    /// Appends the head sent to the client for a backend's response to `output`, written there
    /// in one pass over the backend's (`HTTPHeaders.writeForwarded`).
    static func appendClientResponse(
        _ response: ResponseHead,
        framing: ClientFraming,
        keepAlive: Bool,
        clientVersion: HTTPVersion,
        date: String,
        cacheStatus: CacheStatus? = nil,
        to output: EventBuffer
    ) {
        let headers = response.headers
        var omitted: ProxyFields = .via
        // A bodiless response keeps the Content-Length it was sent with (a HEAD or 304 states
        // the representation's), except a 204, which must not have one (RFC 9110 §8.6).
        if case .passThrough = framing, case .none = response.framing, response.status != 204 {
        } else {
            omitted.insert(.contentLength)
        }
        // Room for a small body too, so that it is copied into the head's block (EventBuffer.copy).
        var smallBody = 0
        if case .passThrough = framing, case .length(let length) = response.framing, length <= EventBuffer.smallBody {
            smallBody = Int(length)
        }
        let bound =
            response.statusLineBound + 2 * headers.forwardedSizeBound + date.utf8.count
            + (cacheStatus?.fieldValueBound ?? 0) + 160 + smallBody
        output.append(bound: bound) { out in
            response.writeStatusLine(as: .http11, to: &out)
            let seen = headers.writeForwarded(to: &out, omitting: omitted)
            switch framing {
            case .passThrough:
                if case .length(let length) = response.framing {
                    out.write("Content-Length: ")
                    out.write(decimal: Int(length))
                    out.write("\r\n")
                }
            case .chunked:
                out.write("Transfer-Encoding: chunked\r\n")
            case .untilClose:
                break
            }
            // RFC 9110 §6.6.1: a recipient with a clock adds Date when the origin sent none.
            if !seen.contains(.date) { writeLine("Date: ", date, to: &out) }
            headers.writeList(.via, appending: via(response.version), seen: seen, to: &out)
            if let cacheStatus {
                out.write("Cache-Status: ")
                cacheStatus.write(to: &out)
                out.write("\r\n")
            }
            if !keepAlive {
                out.write("Connection: close\r\n")
            } else if clientVersion == .http10 {
                out.write("Connection: keep-alive\r\n")
            }
            out.write("\r\n")
        }
    }

    /// Appends a backend's interim (1xx) response for the client: its status and end-to-end
    /// fields, as received, with `Via`. It has no body, and the final response that follows
    /// takes none of its fields.
    static func appendInterimResponse(_ response: ResponseHead, to output: EventBuffer) {
        let headers = response.headers
        let bound = response.statusLineBound + 2 * headers.forwardedSizeBound + 40
        output.append(bound: bound) { out in
            response.writeStatusLine(as: .http11, to: &out)
            let seen = headers.writeForwarded(to: &out, omitting: [.via, .contentLength])
            headers.writeList(.via, appending: via(response.version), seen: seen, to: &out)
            out.write("\r\n")
        }
    }

    private static func writeLine(_ prefix: StaticString, _ value: String, to out: inout ByteWriter) {
        out.write(prefix)
        out.write(string: value)
        out.write("\r\n")
    }
}
