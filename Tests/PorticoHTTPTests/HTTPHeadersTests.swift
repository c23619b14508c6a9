import PorticoHTTP
import Testing

/// The bytes `writeForwarded` writes for `headers`.
private func forwardedBytes(_ headers: HTTPHeaders, omitting omitted: ProxyFields = []) -> [UInt8] {
    withUnsafeTemporaryAllocation(byteCount: max(1, headers.forwardedSizeBound), alignment: 1) { buffer in
        var writer = ByteWriter(buffer)
        _ = headers.writeForwarded(to: &writer, omitting: omitted)
        return Array(writer.written)
    }
}

/// The fields a proxy passes on (`writeForwarded`), read back.
private func forwarded(_ headers: HTTPHeaders) -> HTTPHeaders {
    let text = String(decoding: forwardedBytes(headers), as: UTF8.self)
    let lines = text.split(separator: "\r\n").map { $0.split(separator: ":", maxSplits: 1) }
    return HTTPHeaders(lines.map { HeaderField(name: String($0[0]), value: String($0[1].dropFirst())) })
}

@Suite struct HTTPHeadersTests {
    private var sample: HTTPHeaders {
        HTTPHeaders([
            HeaderField(name: "Host", value: "example.com"),
            HeaderField(name: "Set-Cookie", value: "a=1"),
            HeaderField(name: "Accept", value: "*/*"),
            HeaderField(name: "set-cookie", value: "b=2"),
        ])
    }

    /// The fields of `bytes` (a field section without the final CRLF), as the request parser
    /// makes them.
    private func parsed(_ fieldLines: [UInt8]) throws -> HTTPHeaders {
        var parser = RequestParser(limits: ParseLimits())
        let input = Array("GET / HTTP/1.1\r\nHost: h\r\n".utf8) + fieldLines + Array("\r\n".utf8)
        let result = try input.withUnsafeBytes { try parser.parse($0) }
        guard case .head(let head, _) = result else { throw ParseIncomplete() }
        return head.headers
    }

    private struct ParseIncomplete: Error {}

    /// Obs-text (RFC 9110 §5.5) reads as one scalar per byte (`FieldText`): values that differ in
    /// such a byte differ as Strings, and a value read and added again writes the same bytes.
    @Test func obsTextRoundTripsAndStaysDistinct() throws {
        let e9 = try parsed(Array("X-Obs: caf".utf8) + [0xE9] + Array("\r\n".utf8))
        let e8 = try parsed(Array("X-Obs: caf".utf8) + [0xE8] + Array("\r\n".utf8))
        let value = try #require(e9["X-Obs"])
        #expect(value == "caf\u{e9}")
        #expect(value != e8["X-Obs"])
        var copy = HTTPHeaders()
        copy.add("X-Obs", value)
        copy.appendListElement("X-List", value)
        #expect(
            forwardedBytes(copy) == Array("X-Obs: caf".utf8) + [0xE9] + Array("\r\nX-List: caf".utf8) + [0xE9] + [
                13, 10,
            ])
        #expect(HTTPHeaders(Array(e9)) == e9, "rebuilt from its fields, the same bytes")
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

    @Test func forwardingDropsConnectionFieldsAndTheFieldsTheyName() {
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
        headers = forwarded(headers)
        #expect(headers.map(\.name) == ["Host", "Accept", "Cache-Control"])
    }

    @Test func forwardingKeepsEndToEndFields() {
        let fields = [HeaderField(name: "Content-Length", value: "3"), HeaderField(name: "Tea", value: "green")]
        var headers = HTTPHeaders(fields)
        headers = forwarded(headers)
        #expect(headers.fields == fields)
    }
}

/// Headers as the parser makes them: a copy of the field section, read through offsets.
@Suite struct ParsedHeadersTests {
    private static let requestText =
        "GET /p HTTP/1.1\r\nHost: example.com\r\nConnection: keep-alive, X-Secret\r\nX-Secret: 1\r\n"
        + "Accept:   */*  \r\nSet-Cookie: a=1\r\nKeep-Alive: timeout=5\r\nset-cookie: b=2\r\n\r\n"

    private func parsedHeaders(_ text: String = requestText) throws -> HTTPHeaders {
        try #require(parseRequest(bytes(text)).get().head).headers
    }

    @Test func lookupsReadTheParsedBytes() throws {
        let headers = try parsedHeaders()
        #expect(headers.count == 7)
        #expect(headers["accept"] == "*/*")
        #expect(headers.values("SET-COOKIE") == ["a=1", "b=2"])
        #expect(headers.contains("x-secret"))
        #expect(!headers.contains("X-Secre"))
        #expect(headers.tokens("Connection") == ["keep-alive", "x-secret"])
        #expect(headers.hasToken("connection", "X-SECRET"))
        #expect(!headers.hasToken("Connection", "close"))
        #expect(
            headers.map(\.name) == [
                "Host", "Connection", "X-Secret", "Accept", "Set-Cookie", "Keep-Alive", "set-cookie",
            ])
    }

    @Test func removeSetAndAddWorkOnParsedHeaders() throws {
        var headers = try parsedHeaders()
        headers.remove("SET-cookie")
        headers.set("Host", "backend:8080")
        headers.add("Via", "1.1 portico")
        headers.set("Accept", "text/plain")
        let expected = HTTPHeaders([
            HeaderField(name: "Connection", value: "keep-alive, X-Secret"),
            HeaderField(name: "X-Secret", value: "1"),
            HeaderField(name: "Keep-Alive", value: "timeout=5"),
            HeaderField(name: "Host", value: "backend:8080"),
            HeaderField(name: "Via", value: "1.1 portico"),
            HeaderField(name: "Accept", value: "text/plain"),
        ])
        #expect(headers == expected)
        #expect(headers.fields == expected.fields)
    }

    @Test func forwardingWorksOnParsedHeaders() throws {
        var headers = try parsedHeaders()
        headers = forwarded(headers)
        #expect(headers.map(\.name) == ["Host", "Accept", "Set-Cookie", "set-cookie"])
        let head = RequestHead(method: "GET", target: "/p", version: .http11, headers: headers)
        let expected =
            "GET /p HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\nSet-Cookie: a=1\r\nset-cookie: b=2\r\n\r\n"
        #expect(head.serialized() == bytes(expected))
    }

    @Test func forwardingHonoursEveryConnectionLine() throws {
        var headers = try parsedHeaders(
            "GET / HTTP/1.0\r\nA: 1\r\nConnection: b\r\nB: 2\r\nC: 3\r\nconnection: , a ,\r\nD: 4\r\n\r\n")
        headers = forwarded(headers)
        #expect(headers.map(\.name) == ["C", "D"])
    }

    @Test func changesToACopyLeaveTheParsedHeadAlone() throws {
        let parsed = try #require(parseRequest(bytes(Self.requestText)).get().head)
        var headers = parsed.headers
        headers = forwarded(headers)
        headers.add("X-Added", "1")
        #expect(parsed.headers.count == 7)
        #expect(parsed.headers["Connection"] == "keep-alive, X-Secret")
        #expect(!parsed.headers.contains("X-Added"))
        #expect(headers.count == 5)
    }

    @Test func parsedAndHandBuiltHeadersCompareByNamesAndValues() throws {
        let parsed = try parsedHeaders("GET / HTTP/1.1\r\nHost:example.com \r\nX-Empty:\r\nAccept:\t*/*\r\n\r\n")
        let built = HTTPHeaders([
            HeaderField(name: "Host", value: "example.com"),
            HeaderField(name: "X-Empty", value: ""),
            HeaderField(name: "Accept", value: "*/*"),
        ])
        #expect(parsed == built)
        var added = HTTPHeaders()
        added.add("Host", "example.com")
        added.add("X-Empty", "")
        added.add("Accept", "*/*")
        #expect(parsed == added)
        #expect(parsed != HTTPHeaders(Array(built.fields.reversed())))
        #expect(parsed != HTTPHeaders(built.fields.dropLast()))
        var renamed = built
        renamed.set("HOST", "example.com")
        #expect(
            renamed != HTTPHeaders(Array(built.fields.dropFirst()) + [HeaderField(name: "Host", value: "example.com")]))
        #expect(HTTPHeaders() == (try parsedHeaders("GET / HTTP/1.0\r\n\r\n")))
    }

    @Test func obsTextSurvivesParseAndSerializeUnchanged() throws {
        // "é" in UTF-8, then bytes that are not UTF-8 at all (RFC 9110 §5.5 obs-text).
        let value: [UInt8] = Array("caf".utf8) + [0xC3, 0xA9, 0x20, 0xFF, 0x80, 0xFE] + Array("!".utf8)
        let request = bytes("GET / HTTP/1.1\r\nHost: h\r\nX-Text: ") + value + bytes("\r\nConnection: close\r\n\r\n")
        let head = try #require(parseRequest(request).get().head)
        #expect(head.headers["X-Text"] == "caf\u{c3}\u{a9} \u{ff}\u{80}\u{fe}!", "one scalar per byte")
        let expected = bytes("Host: h\r\nX-Text: ") + value + bytes("\r\n")
        #expect(forwardedBytes(head.headers) == expected)

        let response = bytes("HTTP/1.1 200 OK\r\nX-Text: ") + value + bytes("\r\nContent-Length: 0\r\n\r\n")
        let responseHead = try #require(parseResponse(response).get().head)
        #expect(responseHead.serialized() == response)
    }

    @Test func serializationNormalizesWhitespaceAroundValues() throws {
        let text = "GET / HTTP/1.1\r\nHost:h\r\nA: \t 1 \t\r\nB:2\r\nC: 3\r\n\r\n"
        let head = try #require(parseRequest(bytes(text)).get().head)
        #expect(head.serialized() == bytes("GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n"))
    }

    @Test func trailersAreHeadersToo() throws {
        let decoded = try decodeChunked(bytes("0\r\nX-Sum: abc\r\nx-sum:  def \r\n\r\n")).get()
        let trailers = try #require(decoded.trailers)
        #expect(trailers.values("X-Sum") == ["abc", "def"])
        #expect(
            trailers
                == HTTPHeaders([HeaderField(name: "X-Sum", value: "abc"), HeaderField(name: "x-sum", value: "def")]))
    }
}

@Suite struct HTTPHeadersAdditionsTests {
    @Test func appendListElementJoinsEveryLineThenTheElement() {
        var headers = HTTPHeaders([
            HeaderField(name: "Via", value: "1.0 a"),
            HeaderField(name: "Host", value: "h"),
            HeaderField(name: "via", value: "1.1 b, 1.1 c"),
            HeaderField(name: "Via", value: ""),
        ])
        var expected = headers
        let old = expected.values("Via")
        expected.remove("Via")
        expected.add("Via", (old + ["1.1 portico"]).joined(separator: ", "))
        headers.appendListElement("Via", "1.1 portico")
        #expect(headers == expected)
        #expect(headers.fields.last == HeaderField(name: "Via", value: "1.0 a, 1.1 b, 1.1 c, , 1.1 portico"))

        var fresh = HTTPHeaders()
        fresh.appendListElement("X-Forwarded-For", "10.0.0.1")
        #expect(fresh.fields == [HeaderField(name: "X-Forwarded-For", value: "10.0.0.1")])
    }

    @Test func hasTokenMatchesWholeElementsIgnoringCase() {
        let headers = HTTPHeaders([
            HeaderField(name: "Connection", value: "Keep-Alive , Upgrade"),
            HeaderField(name: "connection", value: "\tclose"),
            HeaderField(name: "Other", value: "close"),
        ])
        #expect(headers.hasToken("CONNECTION", "close"))
        #expect(headers.hasToken("Connection", "upgrade"))
        #expect(headers.hasToken("Connection", "keep-alive"))
        #expect(!headers.hasToken("Connection", "keep"))
        #expect(!headers.hasToken("Connection", "alive"))
        #expect(!headers.hasToken("Missing", "close"))
    }

    @Test func manyChangesKeepTheFieldsRight() {
        var headers = HTTPHeaders([HeaderField(name: "Host", value: "h")])
        for round in 0..<4950 {
            headers.set("X-Round", String(repeating: "r", count: round % 50) + String(round))
            if round % 7 == 0 { headers.add("X-Seven", String(round)) }
            if round % 100 == 99 { headers.remove("X-Seven") }
        }
        let sevens = stride(from: 4900, to: 4950, by: 7).map { String($0) }
        #expect(headers.fields.first == HeaderField(name: "Host", value: "h"))
        #expect(headers.values("X-Round") == [String(repeating: "r", count: 49) + "4949"])
        #expect(headers.values("X-Seven") == sevens)
        let head = ResponseHead(version: .http11, status: 200, reason: "OK", headers: headers)
        // The last round sets X-Round (moving it last), then adds X-Seven 4949.
        let expected =
            "HTTP/1.1 200 OK\r\nHost: h\r\n" + sevens.dropLast().map { "X-Seven: \($0)\r\n" }.joined()
            + "X-Round: \(String(repeating: "r", count: 49))4949\r\nX-Seven: 4949\r\n\r\n"
        #expect(String(decoding: head.serialized(), as: UTF8.self) == expected)
    }

    @Test func fieldsCanBeReplacedWhole() {
        var headers = HTTPHeaders([HeaderField(name: "A", value: "1")])
        headers.fields.append(HeaderField(name: "B", value: "2"))
        headers.fields[0].value = "one"
        #expect(headers == HTTPHeaders([HeaderField(name: "A", value: "one"), HeaderField(name: "B", value: "2")]))
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
