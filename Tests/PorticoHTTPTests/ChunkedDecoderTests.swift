import PorticoHTTP
import Testing

struct ValidChunkedBody: Sendable, CustomTestStringConvertible {
    var name: String
    var text: String
    var payload: String
    var trailers: [HeaderField] = []

    var testDescription: String { name }
}

struct InvalidChunkedBody: Sendable, CustomTestStringConvertible {
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

private let validBodies: [ValidChunkedBody] = [
    ValidChunkedBody(name: "one chunk", text: "5\r\nhello\r\n0\r\n\r\n", payload: "hello"),
    ValidChunkedBody(name: "empty body", text: "0\r\n\r\n", payload: ""),
    ValidChunkedBody(
        name: "several chunks",
        text: "5\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\n\r\n",
        payload: "hello world"
    ),
    ValidChunkedBody(
        name: "hex sizes in both cases",
        text: "a\r\n0123456789\r\nB\r\nabcdefghijk\r\n0\r\n\r\n",
        payload: "0123456789abcdefghijk"
    ),
    ValidChunkedBody(name: "leading zeros", text: "0005\r\nhello\r\n000\r\n\r\n", payload: "hello"),
    ValidChunkedBody(
        name: "extensions",
        text: "5;name=value\r\nhello\r\n6 ; a=\"b;c\" ;flag\r\n world\r\n0;last\r\n\r\n",
        payload: "hello world"
    ),
    ValidChunkedBody(
        name: "trailers",
        text: "3\r\nabc\r\n0\r\nX-Checksum: 900150983cd24fb0\r\nX-Other:  d \r\n\r\n",
        payload: "abc",
        trailers: [
            HeaderField(name: "X-Checksum", value: "900150983cd24fb0"),
            HeaderField(name: "X-Other", value: "d"),
        ]
    ),
    ValidChunkedBody(
        name: "CRLF inside chunk data is payload",
        text: "4\r\n\r\n\r\n\r\n0\r\n\r\n",
        payload: "\r\n\r\n"
    ),
]

private let invalidBodies: [InvalidChunkedBody] = [
    InvalidChunkedBody("17 hex digits", "10000000000000000\r\n", .chunkSizeOverflow),
    InvalidChunkedBody("17 digits with leading zeros", "00000000000000001\r\n", .chunkSizeOverflow),
    InvalidChunkedBody("over Int64", "8000000000000000\r\n", .chunkSizeOverflow),
    InvalidChunkedBody("invalid hex", "g\r\nhello\r\n", .badChunk),
    InvalidChunkedBody("hex prefix", "0x5\r\nhello\r\n0\r\n\r\n", .badChunk),
    InvalidChunkedBody("negative size", "-5\r\nhello\r\n", .badChunk),
    InvalidChunkedBody("empty size", "\r\nhello\r\n", .badChunk),
    InvalidChunkedBody("space before size", " 5\r\nhello\r\n", .badChunk),
    InvalidChunkedBody("whitespace after size without extension", "5 \r\nhello\r\n0\r\n\r\n", .badChunk),
    InvalidChunkedBody("missing CRLF after data", "5\r\nhelloX\r\n0\r\n\r\n", .missingChunkCRLF),
    InvalidChunkedBody("data longer than size", "3\r\nhello\r\n0\r\n\r\n", .missingChunkCRLF),
    InvalidChunkedBody("LF alone after data", "5\r\nhello\n0\r\n\r\n", .missingChunkCRLF),
    InvalidChunkedBody("CR alone after data", "5\r\nhello\r0\r\n\r\n", .missingChunkCRLF),
    InvalidChunkedBody("bare LF after size", "5\nhello\r\n0\r\n\r\n", .bareLF),
    InvalidChunkedBody("bare LF in extension", "5;a\nhello\r\n0\r\n\r\n", .bareLF),
    InvalidChunkedBody("bare CR in extension", "5;a\rb\r\nhello\r\n0\r\n\r\n", .bareCR),
    InvalidChunkedBody("control byte in extension", "5;a=\u{1}\r\nhello\r\n0\r\n\r\n", .badChunk),
    InvalidChunkedBody("NUL in extension", "5;a=\u{0}\r\nhello\r\n0\r\n\r\n", .badChunk),
    InvalidChunkedBody(
        "extension over 4 KiB",
        "5;" + String(repeating: "x", count: 5000) + "\r\nhello\r\n0\r\n\r\n",
        .chunkExtensionTooLong
    ),
    InvalidChunkedBody("bare LF ending the body", "0\r\n\n", .bareLF),
    InvalidChunkedBody("bare CR ending the body", "0\r\n\rX", .bareCR),
    InvalidChunkedBody("obs-fold in trailers", "0\r\nX: a\r\n b\r\n\r\n", .obsFold),
    InvalidChunkedBody("bare LF in trailers", "0\r\nX: a\n\r\n", .bareLF),
    InvalidChunkedBody("space before colon in trailers", "0\r\nX : a\r\n\r\n", .whitespaceBeforeColon),
    InvalidChunkedBody("NUL in trailer value", "0\r\nX: a\u{0}\r\n\r\n", .badHeaderValue),
    InvalidChunkedBody("trailer without colon", "0\r\nX\r\n\r\n", .missingColon),
]

@Suite struct ChunkedDecoderTests {
    @Test(arguments: validBodies)
    func validBodyDecodes(_ example: ValidChunkedBody) throws {
        let input = bytes(example.text)
        let decoded = try decodeChunked(input).get()
        #expect(decoded.payload == bytes(example.payload))
        #expect(decoded.trailers == HTTPHeaders(example.trailers))
        #expect(decoded.consumed == input.count)
    }

    @Test(arguments: validBodies)
    func validBodyDecodesTheSameInAnyPieces(_ example: ValidChunkedBody) {
        let input = bytes(example.text)
        let whole = decodeChunked(input)
        for cuts in cutPatterns(input.count) {
            #expect(
                decodeChunked(input, cuts: cuts) == whole, "cuts \(cuts.count == 1 ? "at \(cuts[0])" : "byte by byte")")
        }
    }

    @Test(arguments: invalidBodies)
    func invalidBodyIsRefused(_ example: InvalidChunkedBody) {
        let input = bytes(example.text)
        #expect(decodeChunked(input) == .failure(example.error))
        #expect(decodeChunked(input, cuts: Array(1..<input.count)) == .failure(example.error))
    }

    @Test func largestSizeIsAccepted() throws {
        var decoder = ChunkedDecoder()
        let input = bytes("7fffffffffffffff\r\nabc")
        let (consumed, event) = try input.withUnsafeBytes { buffer in try decoder.next(buffer) }
        #expect(event == .data(18..<21))
        #expect(consumed == 21)
    }

    @Test func bytesAfterTheBodyBelongToTheNextMessage() throws {
        let body = "5\r\nhello\r\n0\r\nX: y\r\n\r\n"
        for next in ["", "GET / HTTP/1.1\r\nHost: h\r\n\r\n", "\r\n"] {
            let input = bytes(body + next)
            for cuts in cutPatterns(input.count) + [[]] {
                let decoded = try decodeChunked(input, cuts: cuts).get()
                #expect(decoded.consumed == body.utf8.count)
                #expect(decoded.payload == bytes("hello"))
            }
        }
    }

    @Test func dataIsReportedInPlace() throws {
        var decoder = ChunkedDecoder()
        let input = bytes("3;x=1\r\nabc\r\n2\r\nde")
        try input.withUnsafeBytes { buffer in
            let (consumed, event) = try decoder.next(buffer)
            #expect(event == .data(7..<10))
            #expect(consumed == 10)
            let rest = UnsafeRawBufferPointer(rebasing: buffer[consumed...])
            let (consumed2, event2) = try decoder.next(rest)
            #expect(event2 == .data(5..<7))
            #expect(consumed2 == 7)
        }
    }

    @Test func partialFramingIsKeptInside() throws {
        var decoder = ChunkedDecoder()
        for piece in ["1", "0", ";ext", "\r"] {
            let (consumed, event) = try bytes(piece).withUnsafeBytes { buffer in try decoder.next(buffer) }
            #expect(event == .needMore)
            #expect(consumed == piece.utf8.count)
        }
        let (consumed, event) = try bytes("\n0123456789abcdef").withUnsafeBytes { buffer in try decoder.next(buffer) }
        #expect(event == .data(1..<17))
        #expect(consumed == 17)
    }

    @Test func trailerLimitIsEnforced() {
        // "X-Long: " + 100 bytes + CRLF: 110 bytes of trailer field lines.
        let input = bytes("0\r\nX-Long: " + String(repeating: "v", count: 100) + "\r\n\r\n")
        #expect(decodeChunked(input, maxTrailerBytes: 50) == .failure(.trailersTooLarge))
        #expect(decodeChunked(input, cuts: Array(1..<input.count), maxTrailerBytes: 50) == .failure(.trailersTooLarge))
        #expect((try? decodeChunked(input, maxTrailerBytes: 110).get().consumed) == input.count)
        #expect(decodeChunked(input, maxTrailerBytes: 109) == .failure(.trailersTooLarge))
    }

    @Test func decoderStartsOverAfterTheEnd() throws {
        var decoder = ChunkedDecoder()
        let input = bytes("0\r\n\r\n2\r\nok\r\n0\r\n\r\n")
        try input.withUnsafeBytes { buffer in
            let (first, end) = try decoder.next(buffer)
            #expect(end == .end(trailers: HTTPHeaders()))
            #expect(first == 5)
            let (second, data) = try decoder.next(UnsafeRawBufferPointer(rebasing: buffer[first...]))
            #expect(data == .data(3..<5))
            #expect(second == 5)
        }
    }

    @Test func encodedBodyDecodesToTheSamePayload() throws {
        let payloads: [[UInt8]] = [
            bytes("a"), Array(repeating: 0x41, count: 4096), Array(0...255), bytes("\r\n0\r\n\r\n"),
        ]
        var encoded: [UInt8] = []
        for payload in payloads {
            encoded += ChunkedEncoding.chunkHeader(payload.count) + payload + ChunkedEncoding.chunkEnd
        }
        encoded += ChunkedEncoding.lastChunk
        let decoded = try decodeChunked(encoded).get()
        #expect(decoded.payload == payloads.flatMap { $0 })
        #expect(decoded.consumed == encoded.count)
    }
}

@Suite struct ChunkedEncodingTests {
    @Test(arguments: [
        (1, "1"), (9, "9"), (10, "a"), (26, "1a"), (255, "ff"), (4096, "1000"), (Int.max, "7fffffffffffffff"),
    ])
    func chunkHeaderIsLowercaseHex(_ size: Int, _ hex: String) {
        #expect(ChunkedEncoding.chunkHeader(size) == bytes(hex + "\r\n"))
    }

    @Test func lastChunkEndsTheBody() {
        #expect(ChunkedEncoding.lastChunk == bytes("0\r\n\r\n"))
    }
}
