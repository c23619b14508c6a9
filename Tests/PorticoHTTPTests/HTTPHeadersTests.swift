import PorticoHTTP
import Testing

@Suite struct HTTPHeadersTests {
    private var sample: HTTPHeaders {
        HTTPHeaders([
            HeaderField(name: "Host", value: "example.com"),
            HeaderField(name: "Set-Cookie", value: "a=1"),
            HeaderField(name: "Accept", value: "*/*"),
            HeaderField(name: "set-cookie", value: "b=2"),
        ])
    }

    @Test func lookupIgnoresCase() {
        let headers = sample
        #expect(headers["HOST"] == "example.com")
        #expect(headers["set-COOKIE"] == "a=1")
        #expect(headers["Missing"] == nil)
        #expect(headers.values("Set-Cookie") == ["a=1", "b=2"])
        #expect(headers.contains("accept"))
        #expect(!headers.contains("Accept-Encoding"))
        #expect(!headers.contains("Hos"))
        #expect(headers.count == 4)
        #expect(headers.map(\.name) == ["Host", "Set-Cookie", "Accept", "set-cookie"])
    }

    @Test func nonASCIINamesCompareExactly() {
        var headers = HTTPHeaders()
        headers.add("X-\u{c9}", "1")
        #expect(headers["X-\u{c9}"] == "1")
        #expect(headers["X-\u{e9}"] == nil)
    }

    @Test func addSetAndRemoveKeepOrder() {
        var headers = sample
        headers.add("X-New", "1")
        #expect(headers.fields.last == HeaderField(name: "X-New", value: "1"))
        headers.set("set-cookie", "c=3")
        #expect(headers.values("Set-Cookie") == ["c=3"])
        #expect(headers.map(\.name) == ["Host", "Accept", "X-New", "set-cookie"])
        headers.remove("ACCEPT")
        #expect(headers.map(\.name) == ["Host", "X-New", "set-cookie"])
        headers.remove("Absent")
        #expect(headers.count == 3)
    }

    @Test func tokensSpanLinesTrimAndLowercase() {
        let headers = HTTPHeaders([
            HeaderField(name: "Connection", value: "Keep-Alive, ,Upgrade ,"),
            HeaderField(name: "Other", value: "x"),
            HeaderField(name: "connection", value: "\tX-Private\t"),
            HeaderField(name: "Connection", value: ""),
        ])
        #expect(headers.tokens("Connection") == ["keep-alive", "upgrade", "x-private"])
        #expect(headers.tokens("Missing") == [])
    }

    @Test func removeHopByHopDropsConnectionFieldsAndTheFieldsTheyName() {
        var headers = HTTPHeaders([
            HeaderField(name: "Host", value: "example.com"),
            HeaderField(name: "Connection", value: "keep-alive, X-Secret"),
            HeaderField(name: "Keep-Alive", value: "timeout=5"),
            HeaderField(name: "x-secret", value: "1"),
            HeaderField(name: "Proxy-Connection", value: "keep-alive"),
            HeaderField(name: "TE", value: "trailers"),
            HeaderField(name: "Transfer-Encoding", value: "chunked"),
            HeaderField(name: "Upgrade", value: "websocket"),
            HeaderField(name: "Trailer", value: "X-Checksum"),
            HeaderField(name: "Accept", value: "*/*"),
            HeaderField(name: "Cache-Control", value: "no-cache"),
        ])
        headers.removeHopByHop()
        #expect(headers.map(\.name) == ["Host", "Accept", "Cache-Control"])
    }

    @Test func removeHopByHopKeepsEndToEndFields() {
        let fields = [HeaderField(name: "Content-Length", value: "3"), HeaderField(name: "Tea", value: "green")]
        var headers = HTTPHeaders(fields)
        headers.removeHopByHop()
        #expect(headers.fields == fields)
    }
}

@Suite struct HeadSerializationTests {
    @Test func requestHeadIsWrittenAsGiven() {
        var headers = HTTPHeaders()
        headers.add("Host", "example.com")
        headers.add("X-Forwarded-For", "10.0.0.1, 10.0.0.2")
        let head = RequestHead(method: "GET", target: "/a?b", version: .http11, headers: headers)
        #expect(head.path == "/a?b")
        #expect(head.framing == .none)
        let expected = "GET /a?b HTTP/1.1\r\nHost: example.com\r\nX-Forwarded-For: 10.0.0.1, 10.0.0.2\r\n\r\n"
        #expect(head.serialized() == bytes(expected))
    }

    @Test func responseHeadIsWrittenAsGiven() {
        let head = ResponseHead(
            version: .http10,
            status: 503,
            reason: "Service Unavailable",
            headers: HTTPHeaders([HeaderField(name: "Content-Length", value: "0")])
        )
        #expect(head.serialized() == bytes("HTTP/1.0 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n"))
        let bare = ResponseHead(version: .http11, status: 204, reason: "", headers: HTTPHeaders())
        #expect(bare.serialized() == bytes("HTTP/1.1 204 \r\n\r\n"))
    }

    @Test func versionDescription() {
        #expect(HTTPVersion.http11.description == "HTTP/1.1")
        #expect(HTTPVersion.http10.description == "HTTP/1.0")
        #expect(HTTPVersion(major: 2, minor: 0).description == "HTTP/2.0")
        let head = RequestHead(
            method: "GET", target: "/", version: HTTPVersion(major: 1, minor: 12), headers: HTTPHeaders())
        #expect(head.serialized() == bytes("GET / HTTP/1.12\r\n\r\n"))
    }
}

@Suite struct ParseLimitsTests {
    @Test func defaultsMatchTheDocumentedLimits() {
        let limits = ParseLimits()
        #expect(limits.requestLine == 8192)
        #expect(limits.headerBytes == 32768)
        #expect(limits.headerCount == 100)
        #expect(limits.body == 64 << 20)
        #expect(ParseLimits(requestLine: 8192, headerBytes: 32768, headerCount: 100, body: 64 << 20) == limits)
    }
}
