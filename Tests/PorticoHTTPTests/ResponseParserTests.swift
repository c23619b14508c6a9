import PorticoHTTP
import Testing

/// A response head, the method of the request it answers, and the framing it must get.
struct FramingCase: Sendable, CustomTestStringConvertible {
    var name: String
    var method: String
    var text: String
    var framing: BodyFraming
    var keepAlive: Bool

    init(_ name: String, _ method: String, _ text: String, _ framing: BodyFraming, keepAlive: Bool) {
        self.name = name
        self.method = method
        self.text = text
        self.framing = framing
        self.keepAlive = keepAlive
    }

    var testDescription: String { name }
}

struct InvalidResponse: Sendable, CustomTestStringConvertible {
    var name: String
    var text: String
    var error: HTTPParseError

    init(_ name: String, _ text: String, _ error: HTTPParseError) {
        self.name = name
        self.text = text
        self.error = error
    }

    var testDescription: String { name }
}

private let framingCases: [FramingCase] = [
    FramingCase("Content-Length", "GET", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", .length(5), keepAlive: true),
    FramingCase("chunked", "GET", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", .chunked, keepAlive: true),
    FramingCase(
        "HEAD ignores other codings", "HEAD", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", .none,
        keepAlive: true),
    FramingCase("no length runs until close", "GET", "HTTP/1.1 200 OK\r\n\r\n", .untilClose, keepAlive: false),
    FramingCase(
        "HEAD ignores Content-Length", "HEAD", "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", .none, keepAlive: true),
    FramingCase(
        "HEAD ignores chunked", "HEAD", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", .none, keepAlive: true),
    FramingCase("HEAD without length", "HEAD", "HTTP/1.1 200 OK\r\n\r\n", .none, keepAlive: true),
    FramingCase("204", "GET", "HTTP/1.1 204 No Content\r\n\r\n", .none, keepAlive: true),
    FramingCase(
        "304 with Content-Length", "GET", "HTTP/1.1 304 Not Modified\r\nContent-Length: 42\r\n\r\n", .none,
        keepAlive: true),
    FramingCase("100 Continue", "POST", "HTTP/1.1 100 Continue\r\n\r\n", .none, keepAlive: true),
    FramingCase(
        "103 Early Hints", "GET", "HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n", .none,
        keepAlive: true),
    FramingCase("101", "GET", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n", .none, keepAlive: true),
    FramingCase("2xx to CONNECT is a tunnel", "CONNECT", "HTTP/1.1 200 OK\r\n\r\n", .none, keepAlive: false),
    FramingCase(
        "404 with length", "GET", "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", .length(0), keepAlive: true),
    FramingCase(
        "Connection: close",
        "GET",
        "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nConnection: close\r\n\r\n",
        .length(1),
        keepAlive: false
    ),
    FramingCase("HTTP/1.0 closes", "GET", "HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\n", .length(1), keepAlive: false),
    FramingCase(
        "HTTP/1.0 keep-alive",
        "GET",
        "HTTP/1.0 200 OK\r\nContent-Length: 1\r\nConnection: Keep-Alive\r\n\r\n",
        .length(1),
        keepAlive: true
    ),
    FramingCase(
        "HTTP/1.0 keep-alive until close is not reusable",
        "GET",
        "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\n",
        .untilClose,
        keepAlive: false
    ),
]

private let invalidResponses: [InvalidResponse] = [
    InvalidResponse(
        "TE with CL",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n",
        .contentLengthWithTransferEncoding
    ),
    InvalidResponse(
        "TE in HTTP/1.0", "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", .transferEncodingInHTTP10),
    InvalidResponse("chunked twice", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", .chunkedTwice),
    // Codings the proxy cannot undo would reach the client unlabelled (RFC 9112 §6.1).
    InvalidResponse(
        "gzip then chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", .unsupportedTransferCoding),
    InvalidResponse(
        "gzip until close", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", .unsupportedTransferCoding),
    InvalidResponse(
        "chunked not last", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", .unsupportedTransferCoding),
    InvalidResponse(
        "differing CL", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\n", .conflictingContentLength),
    InvalidResponse("signed CL", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", .invalidContentLength),
    InvalidResponse(
        "invalid CL on a 304", "HTTP/1.1 304 Not Modified\r\nContent-Length: x\r\n\r\n", .invalidContentLength),
    InvalidResponse("two-digit status", "HTTP/1.1 20 OK\r\n\r\n", .badStatusLine),
    InvalidResponse("four-digit status", "HTTP/1.1 2000 OK\r\n\r\n", .badStatusLine),
    InvalidResponse("status below 100", "HTTP/1.1 099 Odd\r\n\r\n", .badStatusLine),
    InvalidResponse("no space before reason", "HTTP/1.1 200OK\r\n\r\n", .badStatusLine),
    InvalidResponse("HTTP/2", "HTTP/2 200 OK\r\n\r\n", .badStatusLine),
    InvalidResponse("HTTP/2.0", "HTTP/2.0 200 OK\r\n\r\n", .badStatusLine),
    InvalidResponse("lowercase version", "http/1.1 200 OK\r\n\r\n", .badStatusLine),
    InvalidResponse("double space", "HTTP/1.1  200 OK\r\n\r\n", .badStatusLine),
    InvalidResponse("control in reason", "HTTP/1.1 200 O\u{1}K\r\n\r\n", .badStatusLine),
    InvalidResponse("empty status line", "\r\nHTTP/1.1 200 OK\r\n\r\n", .badStatusLine),
    InvalidResponse("not HTTP at all", "<html>\r\n\r\n", .badStatusLine),
    InvalidResponse("bare LF", "HTTP/1.1 200 OK\nContent-Length: 0\n\n", .bareLF),
    InvalidResponse("obs-fold", "HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n", .obsFold),
    InvalidResponse("space before colon", "HTTP/1.1 200 OK\r\nContent-Length : 0\r\n\r\n", .whitespaceBeforeColon),
]

@Suite struct ResponseParserTests {
    @Test func statusLineParts() throws {
        let text = "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 9\r\n\r\n"
        let head = try #require(try parseResponse(bytes(text)).get().head)
        #expect(head.version == .http11)
        #expect(head.status == 404)
        #expect(head.reason == "Not Found")
        #expect(head.headers["content-type"] == "text/plain")
        #expect(head.serialized() == bytes(text))
    }

    @Test(arguments: ["HTTP/1.1 200\r\n\r\n", "HTTP/1.1 200 \r\n\r\n"])
    func reasonMayBeMissing(_ text: String) throws {
        let head = try #require(try parseResponse(bytes(text), method: "HEAD").get().head)
        #expect(head.status == 200)
        #expect(head.reason == "")
    }

    /// Common reason phrases come back as literals (`InternedStrings`); others of the same
    /// length must still come back as sent.
    @Test(arguments: [
        "OK", "ok", "Found", "Not Found", "Not Founx", "No Content", "Not Modified", "Not modified", "Partial Content",
        "Moved Permanently", "Moved Permanentlx",
    ])
    func reasonComesBackAsSent(_ reason: String) throws {
        let head = try #require(
            try parseResponse(bytes("HTTP/1.1 200 \(reason)\r\nContent-Length: 0\r\n\r\n")).get().head)
        #expect(head.reason == reason)
    }

    /// Obs-text in a reason is one scalar per byte (`FieldText`), and is written back unchanged.
    @Test func reasonKeepsSpacesAndObsText() throws {
        let input = Array("HTTP/1.1 599 Tr".utf8) + [0xE8] + Array("s  bien\t!\r\n\r\n".utf8)
        let head = try #require(try parseResponse(input).get().head)
        #expect(head.reason == "Tr\u{e8}s  bien\t!")
        #expect(head.serialized() == input)
    }

    @Test func laterMinorVersionIsTreatedAsHTTP11() throws {
        let head = try #require(try parseResponse(bytes("HTTP/1.7 200 OK\r\nContent-Length: 0\r\n\r\n")).get().head)
        #expect(head.version == .http11)
    }

    @Test(arguments: framingCases)
    func framingFollowsRFC9112(_ example: FramingCase) throws {
        let input = bytes(example.text)
        let outcome = parseResponse(input, method: example.method)
        let head = try #require(try outcome.get().head)
        #expect(head.framing == example.framing)
        #expect(head.keepAlive == example.keepAlive)
        #expect(outcome.success?.consumed == input.count)
        for cuts in cutPatterns(input.count) {
            #expect(parseResponse(input, method: example.method, cuts: cuts) == outcome)
        }
    }

    @Test(arguments: invalidResponses)
    func invalidResponseIsRefused(_ example: InvalidResponse) {
        let input = bytes(example.text)
        #expect(parseResponse(input) == .failure(example.error))
        #expect(parseResponse(input, cuts: Array(1..<input.count)) == .failure(example.error))
    }

    @Test func longStatusLineIsRefusedBeforeItsCRLF() {
        let limits = ParseLimits(requestLine: 64, headerBytes: 1000, headerCount: 10, body: 10)
        let input = bytes("HTTP/1.1 200 " + String(repeating: "x", count: 100))
        #expect(parseResponse(input, limits: limits) == .failure(.statusLineTooLong))
        #expect(HTTPParseError.statusLineTooLong.status == 502)
    }

    @Test func responseBodyIsNotLimited() throws {
        let limits = ParseLimits(requestLine: 64, headerBytes: 1000, headerCount: 10, body: 10)
        let input = bytes("HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n")
        #expect(try parseResponse(input, limits: limits).get().head?.framing == .length(1_000_000))
    }

    @Test func interimResponsesAreFollowedByTheFinalOne() throws {
        var input = bytes("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok")
        var parser = ResponseParser(limits: ParseLimits())
        var statuses: [Int] = []
        while true {
            let result = try input.withUnsafeBytes { buffer in try parser.parse(buffer, requestMethod: "POST") }
            guard case .head(let head, let consumed) = result else { break }
            statuses.append(head.status)
            input.removeFirst(consumed)
            if head.status >= 200 { break }
        }
        #expect(statuses == [100, 201])
        #expect(input == bytes("ok"))
    }
}

extension Result {
    var success: Success? {
        if case .success(let value) = self { return value }
        return nil
    }
}
