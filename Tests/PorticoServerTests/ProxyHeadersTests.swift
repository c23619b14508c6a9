import PorticoHTTP
import Testing

@testable import PorticoServer

@Suite struct ProxyHeadersTests {
    private func parse(_ text: String) throws -> RequestHead {
        var parser = RequestParser(limits: ParseLimits())
        let bytes = Array(text.utf8)
        let result = try bytes.withUnsafeBytes { try parser.parse($0) }
        guard case .head(let head, _) = result else { throw ParseIncomplete() }
        return head
    }

    private struct ParseIncomplete: Error {}

    private func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    /// The client's head for `response`, as the server appends it to a connection's output.
    private func clientHead(
        _ response: ResponseHead, framing: ProxyHeaders.ClientFraming, keepAlive: Bool = true,
        clientVersion: HTTPVersion = .http11, date: String = "d"
    ) -> String {
        let output = EventBuffer()
        ProxyHeaders.appendClientResponse(
            response, framing: framing, keepAlive: keepAlive, clientVersion: clientVersion, date: date,
            cacheStatus: .forward(.miss, status: 200), to: output)
        return output.withContiguousBytes { String(decoding: $0, as: UTF8.self) }
    }

    private func parseResponse(_ text: String) throws -> ResponseHead {
        var parser = ResponseParser(limits: ParseLimits())
        let bytes = Array(text.utf8)
        let result = try bytes.withUnsafeBytes { try parser.parse($0, requestMethod: "GET") }
        guard case .head(let head, _) = result else { throw ParseIncomplete() }
        return head
    }

    @Test func hopByHopFieldsAndThoseNamedInConnectionAreRemoved() throws {
        let request = try parse(
            "GET /a?b HTTP/1.1\r\nHost: shop.example\r\nConnection: keep-alive, X-Secret\r\nX-Secret: 1\r\n"
                + "Keep-Alive: timeout=5\r\nTE: trailers\r\nUpgrade: websocket\r\nProxy-Connection: close\r\nAccept: */*\r\n\r\n"
        )
        let head = text(ProxyHeaders.upstreamRequest(request, clientAddress: "10.0.0.7"))
        #expect(head.hasPrefix("GET /a?b HTTP/1.1\r\n"))
        for gone in ["Connection", "X-Secret", "Keep-Alive", "TE:", "Upgrade", "Proxy-Connection"] {
            #expect(!head.contains(gone), "\(gone) should not be forwarded")
        }
        #expect(head.contains("Accept: */*\r\n"))
        #expect(head.contains("Via: 1.1 portico\r\n"))
    }

    @Test func forwardingFieldsAreAppendedOrSetByTheProxy() throws {
        let request = try parse(
            "GET / HTTP/1.1\r\nHost: shop.example\r\nX-Forwarded-For: 192.0.2.1\r\nX-Forwarded-Host: evil.example\r\n"
                + "X-Forwarded-Proto: https\r\nVia: 1.0 edge\r\n\r\n"
        )
        let head = text(ProxyHeaders.upstreamRequest(request, clientAddress: "10.0.0.7"))
        #expect(head.contains("X-Forwarded-For: 192.0.2.1, 10.0.0.7\r\n"))
        #expect(head.contains("X-Forwarded-Host: shop.example\r\n"))
        #expect(!head.contains("evil.example"))
        #expect(head.contains("X-Forwarded-Proto: http\r\n"))
        #expect(head.contains("Via: 1.0 edge, 1.1 portico\r\n"))
    }

    @Test func absoluteFormTargetBecomesOriginFormWithItsHost() throws {
        let request = try parse("GET http://example.com:8080/x?y HTTP/1.1\r\nHost: other\r\n\r\n")
        let head = text(ProxyHeaders.upstreamRequest(request, clientAddress: "127.0.0.1"))
        #expect(head.hasPrefix("GET /x?y HTTP/1.1\r\n"))
        #expect(head.contains("Host: example.com:8080\r\n"))
        #expect(!head.contains("Host: other"))
    }

    /// Portico answers the expectation of an HTTP/1.1 upload itself and ignores it otherwise
    /// (RFC 9110 §10.1.1: an HTTP/1.0 one MUST be ignored); forwarded as HTTP/1.1, it would make
    /// the backend hold the body back for a 100 that no one relays.
    @Test(arguments: [
        "POST /u HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n",
        "POST /u HTTP/1.0\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n",
        "GET /u HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\n\r\n",
    ])
    func continueExpectationIsNeverForwarded(_ wire: String) throws {
        let head = text(ProxyHeaders.upstreamRequest(try parse(wire), clientAddress: "127.0.0.1"))
        #expect(!head.contains("Expect"))
        #expect(head.contains("Host: h\r\n"))
    }

    @Test func chunkedRequestIsForwardedChunked() throws {
        let request = try parse("POST /u HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n")
        let head = text(ProxyHeaders.upstreamRequest(request, clientAddress: "127.0.0.1"))
        #expect(head.contains("Transfer-Encoding: chunked\r\n"))
        #expect(!head.contains("Content-Length"))
    }

    @Test func responseToAnOldClientIsDelimitedByClose() {
        var headers = HTTPHeaders()
        headers.add("Transfer-Encoding", "chunked")
        headers.add("Connection", "keep-alive")
        var response = ResponseHead(version: .http11, status: 200, reason: "OK", headers: headers)
        response.framing = .chunked
        let framing = ProxyHeaders.clientFraming(for: response, clientVersion: .http10)
        #expect(framing == .untilClose)
        let head = clientHead(
            response, framing: framing, keepAlive: false, clientVersion: .http10, date: "Fri, 04 Dec 2026 10:00:00 GMT")
        #expect(!head.contains("Transfer-Encoding"))
        #expect(head.contains("Connection: close\r\n"))
        #expect(head.contains("Date: Fri, 04 Dec 2026 10:00:00 GMT\r\n"))
        #expect(head.contains("Via: 1.1 portico\r\n"))
    }

    @Test func responseWithoutLengthIsChunkedForAnHTTP11Client() {
        var response = ResponseHead(version: .http10, status: 200, reason: "OK", headers: HTTPHeaders())
        response.framing = .untilClose
        let framing = ProxyHeaders.clientFraming(for: response, clientVersion: .http11)
        #expect(framing == .chunked)
        let head = clientHead(response, framing: framing)
        #expect(head.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(head.contains("Transfer-Encoding: chunked\r\n"))
    }

    @Test func responseLosesHopByHopFieldsKeepsItsOwnAndExtendsVia() throws {
        let response = try parseResponse(
            "HTTP/1.0 200 OK\r\nDate: Thu, 03 Dec 2026 09:00:00 GMT\r\nConnection: keep-alive, X-Trace\r\n"
                + "Via: 1.0 origin-cache\r\nX-Trace:   abc  \r\nContent-Length: 5\r\nContent-Length: 5\r\n"
                + "Set-Cookie: a=1\r\nKeep-Alive: timeout=5\r\nSet-Cookie:b=2\r\n\r\n")
        let head = clientHead(response, framing: ProxyHeaders.clientFraming(for: response, clientVersion: .http11))
        #expect(
            head == "HTTP/1.1 200 OK\r\nDate: Thu, 03 Dec 2026 09:00:00 GMT\r\nSet-Cookie: a=1\r\n"
                + "Set-Cookie: b=2\r\nContent-Length: 5\r\nVia: 1.0 origin-cache, 1.0 portico\r\n"
                + "Cache-Status: portico; fwd=miss; fwd-status=200\r\n\r\n")
    }

    /// RFC 9110 §8.6: a 204 carries no Content-Length, whatever the origin sent.
    @Test func noContentLosesItsContentLength() throws {
        let response = try parseResponse("HTTP/1.1 204 No Content\r\nContent-Length: 5\r\nX-A: 1\r\n\r\n")
        let head = clientHead(response, framing: ProxyHeaders.clientFraming(for: response, clientVersion: .http11))
        #expect(head.hasPrefix("HTTP/1.1 204 No Content\r\nX-A: 1\r\n"))
        #expect(!head.contains("Content-Length"))
    }

    /// RFC 9110 §7.6.3: Via names the protocol a message was received in; RFC 9112 §3.2: the
    /// HTTP/1.1 request to the backend has a Host even when the HTTP/1.0 client sent none.
    @Test func http10RequestWithoutHostGetsTheServersAuthorityAndVia10() throws {
        let request = try parse("GET /old HTTP/1.0\r\nAccept: */*\r\n\r\n")
        let head = text(
            ProxyHeaders.upstreamRequest(
                request, clientAddress: "10.0.0.7", serverAuthority: "10.0.0.1:8080"))
        #expect(head.hasPrefix("GET /old HTTP/1.1\r\nHost: 10.0.0.1:8080\r\n"))
        #expect(head.contains("Via: 1.0 portico\r\n"))
        #expect(!head.contains("X-Forwarded-Host"))
    }

    @Test func responseWithoutBodyKeepsTheContentLengthItAnnounces() throws {
        let response = try parseResponse("HTTP/1.1 304 Not Modified\r\nContent-Length: 120\r\nETag: \"x\"\r\n\r\n")
        let head = clientHead(response, framing: .passThrough)
        #expect(head.hasPrefix("HTTP/1.1 304 Not Modified\r\nContent-Length: 120\r\nETag: \"x\"\r\nDate: d\r\n"))
    }

    @Test func hostGoesFirstAndEveryOtherFieldKeepsItsOrder() throws {
        let request = try parse(
            "GET /p HTTP/1.1\r\nAccept: */*\r\nHost: shop.example\r\nCookie: a=1\r\nConnection: Cookie2\r\n"
                + "Cookie2: x\r\nUser-Agent:curl\r\n\r\n")
        let head = text(ProxyHeaders.upstreamRequest(request, clientAddress: "10.0.0.7"))
        #expect(
            head == "GET /p HTTP/1.1\r\nHost: shop.example\r\nAccept: */*\r\nCookie: a=1\r\nUser-Agent: curl\r\n"
                + "X-Forwarded-For: 10.0.0.7\r\nX-Forwarded-Proto: http\r\nX-Forwarded-Host: shop.example\r\n"
                + "Via: 1.1 portico\r\n\r\n")
    }
}
