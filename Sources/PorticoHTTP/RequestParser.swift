// Request heads, parsed strictly (RFC 9112 §2-§6). A request that two parties could frame
// differently is refused, never repaired: the proxy's view of where a request ends must be the
// only possible one, or a second request can hide inside the first (RFC 9112 §11.2).
//
// - request-line: `method SP request-target SP HTTP-version`, single spaces, method a token,
//   target of the form the method allows (§3.2), version `HTTP/DIGIT.DIGIT` with major 1
//   (other majors: 505). Empty lines before it are skipped (§2.2).
// - HTTP/1.1 needs exactly one Host (§3.2); the Host value must be a plain authority.
// - framing (§6.3): Transfer-Encoding and Content-Length together are refused; so are
//   Transfer-Encoding in HTTP/1.0 and any coding but one final chunked (unknown codings: 501).
//   Content-Length must be 1*DIGIT, repeated values identical.

/// An incremental parser for request heads.
///
/// Pass the whole unconsumed input each time; it may only have grown at the end since the last
/// call. After `.head(_, consumed:)` the caller drops `consumed` bytes and the parser starts over
/// with the next request. After an error the connection must be closed.
public struct RequestParser: Sendable {
    private let limits: ParseLimits
    private var scanner: HeadScanner
    private var line: RequestLine?

    public init(limits: ParseLimits) {
        self.limits = limits
        scanner = HeadScanner(
            startLineLimit: limits.requestLine,
            startLineTooLong: .requestLineTooLong,
            allowsLeadingEmptyLines: true,
            fieldBytesLimit: limits.headerBytes,
            fieldCountLimit: limits.headerCount
        )
    }

    public mutating func reset() {
        scanner.reset()
        line = nil
    }

    public mutating func parse(_ bytes: UnsafeRawBufferPointer) throws(HTTPParseError) -> HeadParseResult<RequestHead> {
        while true {
            switch try scanner.scan(bytes) {
            case .needMore:
                if let start = scanner.incompleteStartLine { try Self.checkMethodSoFar(bytes, from: start) }
                return .needMore
            case .startLine(let range):
                line = try RequestLine(bytes, range)
            case .end(let consumed):
                guard let line else { throw .badRequestLine }
                let head = try Self.makeHead(line, fields: scanner.fields, bytes, bodyLimit: limits.body)
                reset()
                return .head(head, consumed: consumed)
            }
        }
    }

    /// Refuses a start line whose method already has a byte no token has, without waiting for the
    /// line to end: bytes that are not HTTP (a TLS handshake sent to the plain port) get their 400
    /// at once, as nginx answers them, instead of a wait for `client_header` to run out. Runs only
    /// when a request line is still incomplete, so whole requests never pay for it.
    private static func checkMethodSoFar(_ bytes: UnsafeRawBufferPointer, from start: Int) throws(HTTPParseError) {
        var i = start
        while i < bytes.count {
            let byte = bytes[i]
            if byte == ASCII.sp { return }
            guard ASCII.isTchar(byte) else { throw .badMethod }
            i += 1
        }
    }

    /// Static, with the field lines passed in, so that building a head does not copy the parser.
    private static func makeHead(
        _ line: RequestLine,
        fields: [FieldLine],
        _ bytes: UnsafeRawBufferPointer,
        bodyLimit: Int64
    ) throws(HTTPParseError) -> RequestHead {
        let summary = try FieldSummary(fields: fields, bytes: bytes)
        let isHTTP11 = line.version.minor >= 1

        // RFC 9112 §3.2: 400 for an HTTP/1.1 request without Host, and for any request with
        // more than one Host line or an invalid Host value.
        if summary.hostCount > 1 { throw .multipleHost }
        if summary.hostCount == 0 && isHTTP11 { throw .missingHost }
        var hostField: FieldLine?
        if let index = summary.hostIndex {
            let field = fields[index]
            guard Authority.isValid(bytes, field.valueStart..<field.valueEnd) else { throw .invalidHost }
            hostField = field
        }

        let framing: BodyFraming
        if summary.hasTransferEncoding {
            // RFC 9112 §6.1: Transfer-Encoding in HTTP/1.0 means faulty framing; §6.3 item 3:
            // with Content-Length it may be an attempt at smuggling.
            if !isHTTP11 { throw .transferEncodingInHTTP10 }
            if summary.contentLength != nil { throw .contentLengthWithTransferEncoding }
            if summary.chunkedCount > 1 { throw .chunkedTwice }
            if summary.chunkedCount == 1 && !summary.chunkedIsFinal { throw .chunkedNotFinal }
            if summary.hasOtherCoding { throw .unsupportedTransferCoding }
            if summary.codingCount == 0 { throw .invalidTransferEncoding }
            framing = .chunked
        } else if let length = summary.contentLength {
            if length > bodyLimit { throw .bodyTooLarge }
            framing = .length(length)
        } else {
            framing = .none
        }

        // Only a request that is accepted gets its strings and its copy of the fields.
        let strings = line.strings(bytes)
        var host = strings.authority
        // RFC 9112 §3.2.2: with absolute-form (or CONNECT's authority-form), Host is ignored.
        if host == nil, let hostField {
            host = HeadScanner.string(bytes, hostField.valueStart..<hostField.valueEnd)
        }
        let head = RequestHead(
            method: strings.method,
            target: strings.target,
            version: line.version,
            headers: HTTPHeaders(bytes, fieldLines: fields),
            path: strings.path,
            host: host,
            framing: framing,
            keepAlive: !summary.connectionClose && (isHTTP11 || summary.connectionKeepAlive),
            expectsContinue: isHTTP11 && summary.expectsContinue
        )
        return head
    }
}

/// The parts of a request-line (RFC 9112 §3), as ranges of the input. The line is checked when
/// it arrives; its strings are made once, with the head.
private struct RequestLine: Sendable {
    var method: Range<Int>
    var target: Range<Int>
    var version: HTTPVersion
    var form: TargetForm

    /// What the target gives besides itself (RFC 9112 §3.2).
    enum TargetForm: Sendable {
        /// origin-form or asterisk-form: the path is the target, and there is no authority.
        case path
        /// authority-form (CONNECT): the target is both path and authority.
        case authority
        /// absolute-form: the authority, and the path and query after it, as ranges of the
        /// target. The path is "/" when that is empty, and gets a "/" in front when it starts
        /// with "?".
        case absolute(authority: Range<Int>, rest: Range<Int>)
    }

    init(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) throws(HTTPParseError) {
        let end = range.upperBound
        var i = range.lowerBound

        // method = token
        while i < end && ASCII.isTchar(bytes[i]) { i += 1 }
        let methodRange = range.lowerBound..<i
        guard i < end && !methodRange.isEmpty else { throw methodRange.isEmpty ? .badMethod : .badRequestLine }
        guard bytes[i] == ASCII.sp else { throw .badMethod }
        i += 1

        // request-target: visible ASCII only, no fragment (RFC 9112 §3.2, RFC 3986 §3).
        let targetStart = i
        i = HeadScanner.skipWords(bytes, from: i, to: end, flagging: HeadScanner.targetStops)
        while i < end && bytes[i] != ASCII.sp {
            let byte = bytes[i]
            guard byte > 0x20 && byte < 0x7F && byte != UInt8(ascii: "#") else { throw .badTarget }
            i += 1
        }
        let targetRange = targetStart..<i
        guard i < end && !targetRange.isEmpty else { throw .badRequestLine }
        i += 1

        // HTTP-version = "HTTP" "/" DIGIT "." DIGIT, case-sensitive (RFC 9112 §2.3).
        let versionRange = i..<end
        for offset in versionRange where bytes[offset] == ASCII.sp { throw .badRequestLine }
        guard let version = HTTPVersion(parsing: bytes, versionRange) else { throw .badVersion }
        guard version.major == 1 else { throw .unsupportedVersion }
        self.version = version.minor > 1 ? .http11 : version

        method = methodRange
        target = targetRange
        form = try Self.form(
            of: UnsafeRawBufferPointer(rebasing: bytes[targetRange]),
            method: UnsafeRawBufferPointer(rebasing: bytes[methodRange]))
    }

    /// The method, target, path and authority, each decoded once (the path and authority share
    /// the target's string where they are the whole of it).
    func strings(_ bytes: UnsafeRawBufferPointer) -> (method: String, target: String, path: String, authority: String?)
    {
        let method = InternedStrings.method(bytes, self.method)
        let target = HeadScanner.string(bytes, self.target)
        switch form {
        case .path:
            return (method, target, target, nil)
        case .authority:
            return (method, target, target, target)
        case .absolute(let authority, let rest):
            let targetBytes = UnsafeRawBufferPointer(rebasing: bytes[self.target])
            let authorityString = HeadScanner.string(targetBytes, authority)
            // RFC 9112 §3.2.4: an OPTIONS for the server as a whole (`OPTIONS http://h`) goes on
            // in asterisk-form.
            guard !rest.isEmpty else { return (method, target, method == "OPTIONS" ? "*" : "/", authorityString) }
            let restString = HeadScanner.string(targetBytes, rest)
            let path = targetBytes[rest.lowerBound] == UInt8(ascii: "?") ? "/" + restString : restString
            return (method, target, path, authorityString)
        }
    }

    /// Which of the four forms of RFC 9112 §3.2 the target has. Each method admits only its
    /// forms: CONNECT authority-form only (§3.2.3), asterisk only with OPTIONS (§3.2.4),
    /// everything else origin- or absolute-form.
    static func form(of target: UnsafeRawBufferPointer, method: UnsafeRawBufferPointer) throws(HTTPParseError)
        -> TargetForm
    {
        if Self.bytes(method, equal: "CONNECT") {
            // authority-form = uri-host ":" port
            guard Authority.isValid(target, 0..<target.count, requiringPort: true) else { throw .badTarget }
            return .authority
        }
        if target[0] == UInt8(ascii: "/") { return .path }
        if target.count == 1 && target[0] == UInt8(ascii: "*") {
            guard Self.bytes(method, equal: "OPTIONS") else { throw .badTarget }
            return .path
        }
        // absolute-form: "http://" or "https://" (case-insensitive), an authority with a
        // non-empty host and no userinfo (RFC 9110 §4.2.4), then the path and query.
        let schemeEnd: Int
        if Self.hasPrefix(target, "http://") {
            schemeEnd = 7
        } else if Self.hasPrefix(target, "https://") {
            schemeEnd = 8
        } else {
            throw .badTarget
        }
        var authorityEnd = schemeEnd
        while authorityEnd < target.count && target[authorityEnd] != UInt8(ascii: "/")
            && target[authorityEnd] != UInt8(ascii: "?")
        {
            authorityEnd += 1
        }
        guard Authority.isValid(target, schemeEnd..<authorityEnd) else { throw .badTarget }
        return .absolute(authority: schemeEnd..<authorityEnd, rest: authorityEnd..<target.count)
    }

    /// Exact (case-sensitive) comparison: methods are case-sensitive (RFC 9110 §9.1).
    private static func bytes(_ bytes: UnsafeRawBufferPointer, equal text: StaticString) -> Bool {
        guard bytes.count == text.utf8CodeUnitCount else { return false }
        let start = text.utf8Start
        for index in 0..<bytes.count where bytes[index] != start[index] { return false }
        return true
    }

    private static func hasPrefix(_ bytes: UnsafeRawBufferPointer, _ lowercasePrefix: StaticString) -> Bool {
        let count = lowercasePrefix.utf8CodeUnitCount
        guard bytes.count > count else { return false }
        let prefix = lowercasePrefix.utf8Start
        for index in 0..<count where ASCII.lowercased(bytes[index]) != prefix[index] { return false }
        return true
    }
}
