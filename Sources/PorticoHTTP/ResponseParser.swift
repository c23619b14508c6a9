// Response heads from backends (RFC 9112 §4 and §6.3). The same field rules as requests apply;
// a backend that breaks them gets a 502, not a guess, because a misframed response would be
// handed to the wrong client on a reused connection.
//
// Framing, in the order of RFC 9112 §6.3:
// 1. a response to HEAD, and every 1xx, 204 and 304, has no body, whatever its fields say;
//    a 2xx to CONNECT turns the connection into a tunnel, which this proxy does not relay, so
//    it is reported as bodiless and not reusable;
// 2. Transfer-Encoding with Content-Length is refused (item 3: "ought to be handled as an
//    error"), as are Transfer-Encoding in HTTP/1.0 (§6.1) and chunked applied twice;
// 3. Transfer-Encoding: chunked → chunked; any other coding is refused (the proxy re-frames
//    bodies and cannot undo gzip and the like, so it could only pass them on mislabelled);
// 4. a valid Content-Length → that length (an invalid one is an error, item 5);
// 5. otherwise the body runs until close.
// The body limit is not applied: responses stream to the client, whatever their size.

/// An incremental parser for response heads; see `RequestParser` for the calling convention.
public struct ResponseParser: Sendable {
    private var scanner: HeadScanner
    private var line: StatusLine?

    public init(limits: ParseLimits) {
        scanner = HeadScanner(
            startLineLimit: limits.requestLine,
            startLineTooLong: .statusLineTooLong,
            allowsLeadingEmptyLines: false,
            fieldBytesLimit: limits.headerBytes,
            fieldCountLimit: limits.headerCount
        )
    }

    public mutating func reset() {
        scanner.reset()
        line = nil
    }

    /// - Parameter requestMethod: the method of the request this answers; a response to HEAD
    ///   never has a body.
    public mutating func parse(
        _ bytes: UnsafeRawBufferPointer,
        requestMethod: String
    ) throws(HTTPParseError) -> HeadParseResult<ResponseHead> {
        while true {
            switch try scanner.scan(bytes) {
            case .needMore:
                return .needMore
            case .startLine(let range):
                line = try StatusLine(bytes, range)
            case .end(let consumed):
                guard let line else { throw .badStatusLine }
                let head = try Self.makeHead(line, fields: scanner.fields, bytes, requestMethod: requestMethod)
                reset()
                return .head(head, consumed: consumed)
            }
        }
    }

    /// Static, with the field lines passed in, so that building a head does not copy the parser.
    private static func makeHead(
        _ line: StatusLine,
        fields: [FieldLine],
        _ bytes: UnsafeRawBufferPointer,
        requestMethod: String
    ) throws(HTTPParseError) -> ResponseHead {
        let summary = try FieldSummary(fields: fields, bytes: bytes)
        let isHTTP11 = line.version.minor >= 1
        if summary.hasTransferEncoding {
            if !isHTTP11 { throw .transferEncodingInHTTP10 }
            if summary.contentLength != nil { throw .contentLengthWithTransferEncoding }
            if summary.chunkedCount > 1 { throw .chunkedTwice }
        }

        let status = line.status
        let isTunnel = requestMethod == "CONNECT" && (200..<300).contains(status)
        let framing: BodyFraming
        if requestMethod == "HEAD" || status < 200 || status == 204 || status == 304 || isTunnel {
            framing = .none
        } else if summary.hasTransferEncoding {
            // A coding the proxy cannot undo (gzip, compress…): relaying the body re-framed would
            // strip the coding's label and hand the client bytes it cannot read, so the response
            // is refused, as nginx refuses it (RFC 9112 §6.1: a coding removed must be undone).
            if summary.hasOtherCoding || !summary.chunkedIsFinal { throw .unsupportedTransferCoding }
            framing = .chunked
        } else if let length = summary.contentLength {
            framing = .length(length)
        } else {
            framing = .untilClose
        }

        return ResponseHead(
            version: line.version,
            status: status,
            reason: InternedStrings.reason(bytes, line.reason),
            headers: HTTPHeaders(bytes, fieldLines: fields),
            framing: framing,
            keepAlive: framing != .untilClose && !isTunnel && !summary.connectionClose
                && (isHTTP11 || summary.connectionKeepAlive)
        )
    }
}

/// The parts of a status-line: `HTTP-version SP status-code SP [ reason-phrase ]` (RFC 9112 §4).
/// A missing reason, with or without the SP before it, is accepted. The reason is kept as a range
/// of the input until the head is complete.
private struct StatusLine: Sendable {
    var version: HTTPVersion
    var status: Int
    var reason: Range<Int>

    init(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) throws(HTTPParseError) {
        let start = range.lowerBound
        guard range.count >= 12,
            let version = HTTPVersion(parsing: bytes, start..<start + 8), version.major == 1,
            bytes[start + 8] == ASCII.sp,
            ASCII.isDigit(bytes[start + 9]), ASCII.isDigit(bytes[start + 10]), ASCII.isDigit(bytes[start + 11])
        else { throw .badStatusLine }
        status =
            Int(bytes[start + 9] &- 0x30) * 100 + Int(bytes[start + 10] &- 0x30) * 10 + Int(bytes[start + 11] &- 0x30)
        guard status >= 100 else { throw .badStatusLine }
        self.version = version.minor > 1 ? .http11 : version
        guard range.count > 12 else {
            reason = range.upperBound..<range.upperBound
            return
        }
        guard bytes[start + 12] == ASCII.sp else { throw .badStatusLine }
        let reasonRange = (start + 13)..<range.upperBound
        for offset in reasonRange where !ASCII.isFieldValueByte(bytes[offset]) { throw .badStatusLine }
        reason = reasonRange
    }
}
