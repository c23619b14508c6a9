/// Why a message head or chunked body was refused.
///
/// Every case is a reason to close the connection: after a framing error nobody can say where the
/// next message starts, and guessing is how requests get smuggled (RFC 9112 §11.2).
public enum HTTPParseError: Error, Sendable, Equatable, CustomStringConvertible {
    // MARK: Start line
    /// The request-line is not `method SP request-target SP HTTP-version` with single spaces.
    case badRequestLine
    /// The method is not a token.
    case badMethod
    /// The request-target has a forbidden byte or does not fit the method's form (RFC 9112 §3.2).
    case badTarget
    /// The version is not `HTTP/DIGIT.DIGIT`.
    case badVersion
    /// A well-formed version with a major other than 1.
    case unsupportedVersion
    /// More than `ParseLimits.requestLine` bytes without a CRLF.
    case requestLineTooLong
    /// More empty lines before the request-line than `ParseLimits.requestLine` bytes.
    case tooManyEmptyLines
    /// A response's status-line is malformed (RFC 9112 §4).
    case badStatusLine
    /// A response's status-line is over `ParseLimits.requestLine`.
    case statusLineTooLong

    // MARK: Field lines
    /// A field name with a byte that is not a tchar, or empty.
    case badHeaderName
    /// A field line without a colon.
    case missingColon
    /// Whitespace between a field name and its colon (RFC 9112 §5.1 requires 400).
    case whitespaceBeforeColon
    /// A field value with NUL, DEL or another control byte.
    case badHeaderValue
    /// A line that starts with SP or HTAB: obs-fold (RFC 9112 §5.2) or whitespace after the
    /// start-line (§2.2).
    case obsFold
    /// A CR not followed by LF.
    case bareCR
    /// A line ended by LF alone (RFC 9112 §2.2 allows tolerating it; a proxy must not, since the
    /// next hop may not).
    case bareLF
    /// Field lines over `ParseLimits.headerBytes`.
    case headersTooLarge
    /// More field lines than `ParseLimits.headerCount`.
    case tooManyHeaders

    // MARK: Host
    /// An HTTP/1.1 request without Host (RFC 9112 §3.2).
    case missingHost
    /// More than one Host field line (RFC 9112 §3.2).
    case multipleHost
    /// A Host value (or absolute-form authority) that is not a plain `host[:port]`.
    case invalidHost

    // MARK: Framing
    /// Content-Length that is not 1*DIGIT, empty, signed, or over Int64.
    case invalidContentLength
    /// Several Content-Length values that differ (RFC 9110 §8.6).
    case conflictingContentLength
    /// Both Content-Length and Transfer-Encoding (RFC 9112 §6.3 item 3).
    case contentLengthWithTransferEncoding
    /// Transfer-Encoding in an HTTP/1.0 message (RFC 9112 §6.1).
    case transferEncodingInHTTP10
    /// A transfer coding other than chunked (RFC 9112 §6.1: 501).
    case unsupportedTransferCoding
    /// A request whose final transfer coding is not chunked (RFC 9112 §6.3 item 4).
    case chunkedNotFinal
    /// chunked applied more than once (RFC 9112 §6.1).
    case chunkedTwice
    /// A Transfer-Encoding element that is not a transfer coding, or chunked with parameters.
    case invalidTransferEncoding
    /// A request Content-Length over `ParseLimits.body`.
    case bodyTooLarge

    // MARK: Chunked body
    /// A chunk-size that is not hex, or a chunk line or extension that breaks the grammar.
    case badChunk
    /// A chunk-size over 16 hex digits or over Int64.
    case chunkSizeOverflow
    /// Chunk data not followed by CRLF.
    case missingChunkCRLF
    /// A chunk line (size and extensions) over 4 KiB.
    case chunkExtensionTooLong
    /// Trailer fields over the decoder's limit.
    case trailersTooLarge

    /// The status the proxy answers a client with for this error. Errors that only a response can
    /// cause say 502; for a backend's response the caller answers 502 whatever this says.
    public var status: Int {
        switch self {
        case .requestLineTooLong: return 414
        case .headersTooLarge, .tooManyHeaders, .trailersTooLarge: return 431
        case .bodyTooLarge: return 413
        case .unsupportedTransferCoding: return 501
        case .unsupportedVersion: return 505
        case .badStatusLine, .statusLineTooLong: return 502
        default: return 400
        }
    }

    public var description: String {
        switch self {
        case .badRequestLine: return "malformed request line"
        case .badMethod: return "invalid method"
        case .badTarget: return "invalid request target"
        case .badVersion: return "malformed HTTP version"
        case .unsupportedVersion: return "HTTP version not supported"
        case .requestLineTooLong: return "request line too long"
        case .tooManyEmptyLines: return "too many empty lines before the request line"
        case .badStatusLine: return "malformed status line"
        case .statusLineTooLong: return "status line too long"
        case .badHeaderName: return "invalid character in header name"
        case .missingColon: return "header line without colon"
        case .whitespaceBeforeColon: return "whitespace between header name and colon"
        case .badHeaderValue: return "invalid character in header value"
        case .obsFold: return "folded header line"
        case .bareCR: return "CR without LF"
        case .bareLF: return "line ending without CR"
        case .headersTooLarge: return "header fields too large"
        case .tooManyHeaders: return "too many header fields"
        case .missingHost: return "missing Host header"
        case .multipleHost: return "more than one Host header"
        case .invalidHost: return "invalid Host"
        case .invalidContentLength: return "invalid Content-Length"
        case .conflictingContentLength: return "conflicting Content-Length values"
        case .contentLengthWithTransferEncoding: return "both Content-Length and Transfer-Encoding"
        case .transferEncodingInHTTP10: return "Transfer-Encoding in an HTTP/1.0 message"
        case .unsupportedTransferCoding: return "unsupported transfer coding"
        case .chunkedNotFinal: return "chunked is not the final transfer coding"
        case .chunkedTwice: return "chunked applied more than once"
        case .invalidTransferEncoding: return "invalid Transfer-Encoding"
        case .bodyTooLarge: return "body too large"
        case .badChunk: return "malformed chunk"
        case .chunkSizeOverflow: return "chunk size too large"
        case .missingChunkCRLF: return "chunk data not followed by CRLF"
        case .chunkExtensionTooLong: return "chunk extension too long"
        case .trailersTooLarge: return "trailer fields too large"
        }
    }
}
