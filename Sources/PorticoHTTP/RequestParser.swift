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
                return .needMore
            case .startLine(let range):
                line = try RequestLine(bytes, range)
            case .end(let consumed):
                guard let line else { throw .badRequestLine }
                let head = try makeHead(line, bytes)
                reset()
                return .head(head, consumed: consumed)
            }
        }
    }

    private func makeHead(_ line: RequestLine, _ bytes: UnsafeRawBufferPointer) throws(HTTPParseError) -> RequestHead {
        let summary = try FieldSummary(fields: scanner.fields, bytes: bytes)
        let headers = scanner.headers(bytes)
        let isHTTP11 = line.version.minor >= 1

        // RFC 9112 §3.2: 400 for an HTTP/1.1 request without Host, and for any request with
        // more than one Host line or an invalid Host value.
        if summary.hostCount > 1 { throw .multipleHost }
        if summary.hostCount == 0 && isHTTP11 { throw .missingHost }
        var host = line.authority
        if let index = summary.hostIndex {
            let field = scanner.fields[index]
            for offset in field.valueStart..<field.valueEnd where !ASCII.isAuthorityByte(bytes[offset]) {
                throw .invalidHost
            }
            if host == nil { host = headers.fields[index].value }
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
            if length > limits.body { throw .bodyTooLarge }
            framing = .length(length)
        } else {
            framing = .none
        }

        var head = RequestHead(method: line.method, target: line.target, version: line.version, headers: headers)
        head.path = line.path
        head.host = host
        head.framing = framing
        head.keepAlive = !summary.connectionClose && (isHTTP11 || summary.connectionKeepAlive)
        head.expectsContinue = isHTTP11 && summary.expectsContinue
        return head
    }
}

/// The parts of a request-line (RFC 9112 §3).
private struct RequestLine: Sendable {
    var method: String
    var target: String
    var version: HTTPVersion
    var path: String
    var authority: String?

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

        method = HeadScanner.string(bytes, methodRange)
        target = HeadScanner.string(bytes, targetRange)
        (path, authority) = try Self.form(
            of: UnsafeRawBufferPointer(rebasing: bytes[targetRange]), method: method, target: target)
    }

    /// Which of the four forms of RFC 9112 §3.2 the target has, and the path and authority it
    /// gives. Each method admits only its forms: CONNECT authority-form only (§3.2.3), asterisk
    /// only with OPTIONS (§3.2.4), everything else origin- or absolute-form.
    static func form(
        of target: UnsafeRawBufferPointer,
        method: String,
        target string: String
    ) throws(HTTPParseError) -> (path: String, authority: String?) {
        if method == "CONNECT" {
            // authority-form = uri-host ":" port
            guard Self.isAuthority(target, 0..<target.count) else { throw .badTarget }
            var colon = target.count - 1
            while colon >= 0 && target[colon] != ASCII.colon { colon -= 1 }
            guard colon > 0 && colon < target.count - 1 else { throw .badTarget }
            for offset in (colon + 1)..<target.count where !ASCII.isDigit(target[offset]) { throw .badTarget }
            return (string, string)
        }
        if target[0] == UInt8(ascii: "/") { return (string, nil) }
        if target.count == 1 && target[0] == UInt8(ascii: "*") {
            guard method == "OPTIONS" else { throw .badTarget }
            return (string, nil)
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
        guard authorityEnd > schemeEnd, target[schemeEnd] != ASCII.colon,
            Self.isAuthority(target, schemeEnd..<authorityEnd)
        else { throw .badTarget }
        let authority = HeadScanner.string(target, schemeEnd..<authorityEnd)
        if authorityEnd == target.count { return ("/", authority) }
        let rest = HeadScanner.string(target, authorityEnd..<target.count)
        return (target[authorityEnd] == UInt8(ascii: "?") ? "/" + rest : rest, authority)
    }

    private static func isAuthority(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> Bool {
        for offset in range where !ASCII.isAuthorityByte(bytes[offset]) { return false }
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
