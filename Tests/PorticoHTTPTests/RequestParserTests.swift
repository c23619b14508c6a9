import PorticoHTTP
import Testing

/// A request that must parse, with what the parser must conclude from it.
struct ValidRequest: Sendable, CustomTestStringConvertible {
    var name: String
    var text: String
    var method = "GET"
    var path = "/"
    var host: String? = "example.com"
    var version = HTTPVersion.http11
    var framing = BodyFraming.none
    var keepAlive = true
    var expectsContinue = false
    var fields: [HeaderField]? = nil

    var testDescription: String { name }
}

/// A request that must be refused, and why.
struct InvalidRequest: Sendable, CustomTestStringConvertible {
    var name: String
    var text: String
    var error: HTTPParseError
    var limits = ParseLimits()

    init(_ name: String, _ text: String, _ error: HTTPParseError, limits: ParseLimits = ParseLimits()) {
        self.name = name
        self.text = text
        self.error = error
        self.limits = limits
    }

    var testDescription: String { name }
}

private let validRequests: [ValidRequest] = [
    ValidRequest(
        name: "simple GET",
        text: "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n",
        fields: [HeaderField(name: "Host", value: "example.com")]
    ),
    ValidRequest(
        name: "typical browser GET",
        text: "GET /a/b?c=d&e HTTP/1.1\r\nHost: example.com\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64)\r\n"
            + "Accept: text/html,application/xhtml+xml;q=0.9,*/*;q=0.8\r\nAccept-Language: en-US,en;q=0.5\r\n"
            + "Accept-Encoding: gzip, deflate, br\r\nCookie: a=1; b=2\r\nCache-Control: max-age=0\r\n"
            + "Upgrade-Insecure-Requests: 1\r\nSec-Fetch-Mode: navigate\r\nConnection: keep-alive\r\n\r\n",
        path: "/a/b?c=d&e"
    ),
    ValidRequest(
        name: "Connection: close",
        text: "GET /x HTTP/1.1\r\nHost: example.com\r\nConnection: Keep-Alive, CLOSE\r\n\r\n",
        path: "/x",
        keepAlive: false
    ),
    ValidRequest(
        name: "POST with Content-Length",
        text: "POST /submit HTTP/1.1\r\nHost: example.com\r\nContent-Length: 5\r\n\r\n",
        method: "POST",
        path: "/submit",
        framing: .length(5)
    ),
    ValidRequest(
        name: "Content-Length list of identical values",
        text: "POST / HTTP/1.1\r\nHost: example.com\r\nContent-Length: 5, 5\r\nContent-Length: 005\r\n\r\n",
        method: "POST",
        framing: .length(5)
    ),
    ValidRequest(
        name: "Content-Length zero",
        text: "PUT / HTTP/1.1\r\nHost: example.com\r\nContent-Length: 0\r\n\r\n",
        method: "PUT",
        framing: .length(0)
    ),
    ValidRequest(
        name: "chunked",
        text: "POST / HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: Chunked\r\n\r\n",
        method: "POST",
        framing: .chunked
    ),
    ValidRequest(
        name: "chunked with empty list elements",
        text: "POST / HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: , chunked,\r\n\r\n",
        method: "POST",
        framing: .chunked
    ),
    ValidRequest(
        name: "HTTP/1.0 without Host",
        text: "GET /old HTTP/1.0\r\nUser-Agent: x\r\n\r\n",
        path: "/old",
        host: nil,
        version: .http10,
        keepAlive: false
    ),
    ValidRequest(
        name: "HTTP/1.0 keep-alive",
        text: "GET / HTTP/1.0\r\nHost: example.com\r\nConnection: keep-alive\r\n\r\n",
        version: .http10
    ),
    ValidRequest(
        name: "HTTP/1.0 with Expect is not 100-continue",
        text: "POST / HTTP/1.0\r\nHost: example.com\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n",
        method: "POST",
        version: .http10,
        framing: .length(3),
        keepAlive: false
    ),
    ValidRequest(
        name: "HTTP/1.9 is treated as 1.1",
        text: "GET / HTTP/1.9\r\nHost: example.com\r\n\r\n"
    ),
    ValidRequest(
        name: "absolute-form",
        text: "GET http://example.com:8080/x?y=1 HTTP/1.1\r\nHost: ignored.example\r\n\r\n",
        path: "/x?y=1",
        host: "example.com:8080"
    ),
    ValidRequest(
        name: "absolute-form with uppercase scheme and no path",
        text: "GET HTTPS://Example.COM HTTP/1.1\r\nHost: example.com\r\n\r\n",
        host: "Example.COM"
    ),
    ValidRequest(
        name: "absolute-form with query and no path",
        text: "GET http://example.com?q HTTP/1.1\r\nHost: example.com\r\n\r\n",
        path: "/?q"
    ),
    ValidRequest(
        name: "absolute-form IPv6",
        text: "GET http://[::1]:8080/ HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n",
        host: "[::1]:8080"
    ),
    ValidRequest(
        name: "Host forms of RFC 3986",
        text: "GET / HTTP/1.1\r\nHost: xn--bcher-kva.example.:8080\r\n\r\n",
        host: "xn--bcher-kva.example.:8080"
    ),
    ValidRequest(
        name: "Host with sub-delims, an escape and an empty port",
        text: "GET / HTTP/1.1\r\nHost: a!$&'()*+,;=%41-._~:\r\n\r\n",
        host: "a!$&'()*+,;=%41-._~:"
    ),
    ValidRequest(
        name: "Host IPv6 forms",
        text: "GET / HTTP/1.1\r\nHost: [::ffff:192.0.2.1]:80\r\n\r\n",
        host: "[::ffff:192.0.2.1]:80"
    ),
    ValidRequest(
        name: "Host IPv6 in full and compressed at the end",
        text: "GET http://[1:2:3:4:5:6:7:8]/ HTTP/1.1\r\nHost: [fe80::]\r\n\r\n",
        host: "[1:2:3:4:5:6:7:8]"
    ),
    ValidRequest(
        name: "Host IPv6 and IPvFuture",
        text: "GET / HTTP/1.1\r\nHost: [v1.fe80::a+en1]\r\n\r\n",
        host: "[v1.fe80::a+en1]"
    ),
    ValidRequest(
        name: "OPTIONS for the whole server in absolute-form",
        text: "OPTIONS http://example.com:81 HTTP/1.1\r\nHost: example.com:81\r\n\r\n",
        method: "OPTIONS",
        path: "*",
        host: "example.com:81"
    ),
    ValidRequest(
        name: "asterisk-form",
        text: "OPTIONS * HTTP/1.1\r\nHost: example.com\r\n\r\n",
        method: "OPTIONS",
        path: "*"
    ),
    ValidRequest(
        name: "authority-form",
        text: "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
        method: "CONNECT",
        path: "example.com:443",
        host: "example.com:443"
    ),
    ValidRequest(
        name: "leading empty lines",
        text: "\r\n\r\nGET / HTTP/1.1\r\nHost: example.com\r\n\r\n"
    ),
    ValidRequest(
        name: "Expect 100-continue",
        text: "PUT /f HTTP/1.1\r\nHost: example.com\r\nContent-Length: 10\r\nExpect: 100-Continue\r\n\r\n",
        method: "PUT",
        path: "/f",
        framing: .length(10),
        expectsContinue: true
    ),
    ValidRequest(
        name: "values trimmed, empty values, duplicates and case kept",
        text: "GET / HTTP/1.1\r\nhost:example.com\r\nX-A: \t a  b \t\r\nX-Empty:\r\nX-Blank:   \r\nx-a: 2\r\n"
            + "X-Utf8: caf\u{e9}\r\n\r\n",
        fields: [
            HeaderField(name: "host", value: "example.com"),
            HeaderField(name: "X-A", value: "a  b"),
            HeaderField(name: "X-Empty", value: ""),
            HeaderField(name: "X-Blank", value: ""),
            HeaderField(name: "x-a", value: "2"),
            // UTF-8 "é" reads as its two bytes, one scalar each (`FieldText`).
            HeaderField(name: "X-Utf8", value: "caf\u{c3}\u{a9}"),
        ]
    ),
    ValidRequest(
        name: "token method and unusual target bytes",
        text: "M-SEARCH /%20a;b=c,d!$&'()*+:@~ HTTP/1.1\r\nHost: example.com\r\n\r\n",
        method: "M-SEARCH",
        path: "/%20a;b=c,d!$&'()*+:@~"
    ),
]

private let invalidRequests: [InvalidRequest] = [
    // MARK: Framing conflicts (request smuggling)
    InvalidRequest(
        "CL then TE",
        "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
        .contentLengthWithTransferEncoding
    ),
    InvalidRequest(
        "TE then CL",
        "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 0\r\n\r\n",
        .contentLengthWithTransferEncoding
    ),
    InvalidRequest(
        "duplicate differing CL",
        "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
        .conflictingContentLength
    ),
    InvalidRequest(
        "CL list of differing values",
        "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5, 6\r\n\r\n",
        .conflictingContentLength
    ),
    InvalidRequest("CL plus sign", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +5\r\n\r\n", .invalidContentLength),
    InvalidRequest("CL minus sign", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -5\r\n\r\n", .invalidContentLength),
    InvalidRequest(
        "CL inner space", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5 5\r\n\r\n", .invalidContentLength),
    InvalidRequest("CL hex", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0x5\r\n\r\n", .invalidContentLength),
    InvalidRequest("CL empty", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length:\r\n\r\n", .invalidContentLength),
    InvalidRequest(
        "CL empty element", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5,\r\n\r\n", .invalidContentLength),
    InvalidRequest("CL exponent", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1e3\r\n\r\n", .invalidContentLength),
    InvalidRequest(
        "CL over Int64",
        "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 9223372036854775808\r\n\r\n",
        .invalidContentLength
    ),
    InvalidRequest(
        "CL over the body limit",
        "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 67108865\r\n\r\n",
        .bodyTooLarge
    ),
    InvalidRequest(
        "CL of Int64.max",
        "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 9223372036854775807\r\n\r\n",
        .bodyTooLarge
    ),
    InvalidRequest(
        "TE chunked, chunked",
        "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, chunked\r\n\r\n",
        .chunkedTwice
    ),
    InvalidRequest(
        "TE chunked on two lines",
        "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
        .chunkedTwice
    ),
    InvalidRequest(
        "TE gzip",
        "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n",
        .unsupportedTransferCoding
    ),
    InvalidRequest(
        "TE gzip, chunked",
        "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
        .unsupportedTransferCoding
    ),
    InvalidRequest(
        "TE identity",
        "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: identity\r\n\r\n",
        .unsupportedTransferCoding
    ),
    InvalidRequest(
        "TE xchunked",
        "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: xchunked\r\n\r\n",
        .unsupportedTransferCoding
    ),
    InvalidRequest(
        "TE chunked not final",
        "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
        .chunkedNotFinal
    ),
    InvalidRequest(
        "TE chunked with parameters",
        "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked;q=1\r\n\r\n",
        .invalidTransferEncoding
    ),
    InvalidRequest(
        "TE with quoted junk",
        "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: \"chunked\"\r\n\r\n",
        .invalidTransferEncoding
    ),
    InvalidRequest(
        "TE empty",
        "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: \r\n\r\n",
        .invalidTransferEncoding
    ),
    InvalidRequest(
        "TE with a vertical tab",
        "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: \u{0B}chunked\r\n\r\n",
        .badHeaderValue
    ),
    InvalidRequest(
        "TE in HTTP/1.0",
        "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
        .transferEncodingInHTTP10
    ),
    InvalidRequest(
        "TE name with space before colon",
        "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding : chunked\r\n\r\n",
        .whitespaceBeforeColon
    ),

    // MARK: Line syntax
    InvalidRequest("obs-fold", "GET / HTTP/1.1\r\nHost: h\r\nX-A: a\r\n b\r\n\r\n", .obsFold),
    InvalidRequest("obs-fold with tab", "GET / HTTP/1.1\r\nHost: h\r\nX-A: a\r\n\tb\r\n\r\n", .obsFold),
    InvalidRequest("whitespace after request-line", "GET / HTTP/1.1\r\n Host: h\r\n\r\n", .obsFold),
    InvalidRequest("bare LF after request-line", "GET / HTTP/1.1\nHost: h\r\n\r\n", .bareLF),
    InvalidRequest("bare LF after field", "GET / HTTP/1.1\r\nHost: h\nX: y\r\n\r\n", .bareLF),
    InvalidRequest("bare LF ending the head", "GET / HTTP/1.1\r\nHost: h\r\n\n", .bareLF),
    InvalidRequest("bare LF as leading line", "\nGET / HTTP/1.1\r\nHost: h\r\n\r\n", .bareLF),
    InvalidRequest("bare CR in value", "GET / HTTP/1.1\r\nHost: h\r\nX: a\rb\r\n\r\n", .bareCR),
    InvalidRequest("bare CR after request-line", "GET / HTTP/1.1\rHost: h\r\n\r\n", .bareCR),
    InvalidRequest("bare CR ending the head", "GET / HTTP/1.1\r\nHost: h\r\n\rX", .bareCR),
    InvalidRequest("space before colon", "GET / HTTP/1.1\r\nHost : h\r\n\r\n", .whitespaceBeforeColon),
    InvalidRequest("tab before colon", "GET / HTTP/1.1\r\nHost\t: h\r\n\r\n", .whitespaceBeforeColon),
    InvalidRequest("NUL in value", "GET / HTTP/1.1\r\nHost: h\r\nX: a\u{0}b\r\n\r\n", .badHeaderValue),
    InvalidRequest("DEL in value", "GET / HTTP/1.1\r\nHost: h\r\nX: a\u{7F}\r\n\r\n", .badHeaderValue),
    InvalidRequest("control in value", "GET / HTTP/1.1\r\nHost: h\r\nX: \u{1}\r\n\r\n", .badHeaderValue),
    InvalidRequest("non-token in name", "GET / HTTP/1.1\r\nHost: h\r\nX@Y: 1\r\n\r\n", .badHeaderName),
    InvalidRequest("empty name", "GET / HTTP/1.1\r\nHost: h\r\n: 1\r\n\r\n", .badHeaderName),
    InvalidRequest("non-ASCII name", "GET / HTTP/1.1\r\nHost: h\r\nX\u{e9}: 1\r\n\r\n", .badHeaderName),
    InvalidRequest("line without colon", "GET / HTTP/1.1\r\nHost: h\r\nNoColon\r\n\r\n", .missingColon),

    // MARK: Host
    InvalidRequest("missing Host", "GET / HTTP/1.1\r\nX: y\r\n\r\n", .missingHost),
    InvalidRequest("absolute-form without Host", "GET http://h/ HTTP/1.1\r\n\r\n", .missingHost),
    InvalidRequest("two Host lines", "GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n", .multipleHost),
    InvalidRequest("two Host lines in HTTP/1.0", "GET / HTTP/1.0\r\nHost: a\r\nHost: a\r\n\r\n", .multipleHost),
    InvalidRequest("Host with a path", "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", .invalidHost),
    InvalidRequest("Host with userinfo", "GET / HTTP/1.1\r\nHost: u@a\r\n\r\n", .invalidHost),
    InvalidRequest("Host with a space", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", .invalidHost),
    // RFC 9112 §3.2: `uri-host [ ":" port ]`, and RFC 9110 §4.2.1: never an empty host.
    InvalidRequest("Host with a letter port", "GET / HTTP/1.1\r\nHost: a.test:abc\r\n\r\n", .invalidHost),
    InvalidRequest("Host with two ports", "GET / HTTP/1.1\r\nHost: a.test:80:81\r\n\r\n", .invalidHost),
    InvalidRequest("Host with an open bracket", "GET / HTTP/1.1\r\nHost: [::1\r\n\r\n", .invalidHost),
    InvalidRequest("Host with a bracket inside", "GET / HTTP/1.1\r\nHost: a[b]\r\n\r\n", .invalidHost),
    InvalidRequest("Host IPv6 without brackets", "GET / HTTP/1.1\r\nHost: ::1\r\n\r\n", .invalidHost),
    InvalidRequest("Host IPv6 with three colons", "GET / HTTP/1.1\r\nHost: [:::]\r\n\r\n", .invalidHost),
    InvalidRequest("Host IPv6 with nine groups", "GET / HTTP/1.1\r\nHost: [1:2:3:4:5:6:7:8:9]\r\n\r\n", .invalidHost),
    InvalidRequest("Host IPv6 of dots", "GET / HTTP/1.1\r\nHost: [.:.]\r\n\r\n", .invalidHost),
    InvalidRequest("Host IPv6 with a long group", "GET / HTTP/1.1\r\nHost: [12345::1]\r\n\r\n", .invalidHost),
    InvalidRequest("Host IPv6 with two ::", "GET / HTTP/1.1\r\nHost: [1::2::3]\r\n\r\n", .invalidHost),
    InvalidRequest("Host IPv6 with a short IPv4", "GET / HTTP/1.1\r\nHost: [::1.2.3]\r\n\r\n", .invalidHost),
    InvalidRequest("Host IPv6 with a big octet", "GET / HTTP/1.1\r\nHost: [::256.1.1.1]\r\n\r\n", .invalidHost),
    InvalidRequest("Host IPv6 with IPv4 first", "GET / HTTP/1.1\r\nHost: [1.2.3.4::]\r\n\r\n", .invalidHost),
    InvalidRequest("Host IPv6 with a lone colon", "GET / HTTP/1.1\r\nHost: [:1:2:3:4:5:6:7]\r\n\r\n", .invalidHost),
    InvalidRequest("Host that is only a port", "GET / HTTP/1.1\r\nHost: :80\r\n\r\n", .invalidHost),
    InvalidRequest("empty Host", "GET / HTTP/1.1\r\nHost: \r\n\r\n", .invalidHost),
    InvalidRequest("Host with a bad escape", "GET / HTTP/1.1\r\nHost: a%zz\r\n\r\n", .invalidHost),
    InvalidRequest(
        "absolute-form with a letter port", "GET http://a.test:abc/x HTTP/1.1\r\nHost: a\r\n\r\n", .badTarget),
    InvalidRequest("absolute-form with an empty host", "GET http:///x HTTP/1.1\r\nHost: a\r\n\r\n", .badTarget),
    InvalidRequest("CONNECT without a port", "CONNECT a.test HTTP/1.1\r\nHost: a.test\r\n\r\n", .badTarget),
    InvalidRequest("CONNECT with an empty port", "CONNECT a.test: HTTP/1.1\r\nHost: a.test\r\n\r\n", .badTarget),

    // MARK: Request-line
    InvalidRequest("HTTP/2.0", "GET / HTTP/2.0\r\nHost: h\r\n\r\n", .unsupportedVersion),
    InvalidRequest("HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", .unsupportedVersion),
    InvalidRequest("HTTP/0.9 version", "GET / HTTP/0.9\r\n\r\n", .unsupportedVersion),
    InvalidRequest("lowercase version", "GET / http/1.1\r\nHost: h\r\n\r\n", .badVersion),
    InvalidRequest("version without minor", "GET / HTTP/1\r\nHost: h\r\n\r\n", .badVersion),
    InvalidRequest("version with two-digit major", "GET / HTTP/11.1\r\nHost: h\r\n\r\n", .badVersion),
    InvalidRequest("HTTP/0.9 request", "GET /\r\n\r\n", .badRequestLine),
    InvalidRequest("double space before target", "GET  / HTTP/1.1\r\nHost: h\r\n\r\n", .badRequestLine),
    InvalidRequest("double space after target", "GET /  HTTP/1.1\r\nHost: h\r\n\r\n", .badRequestLine),
    InvalidRequest("trailing space", "GET / HTTP/1.1 \r\nHost: h\r\n\r\n", .badRequestLine),
    InvalidRequest("space in target", "GET /a b HTTP/1.1\r\nHost: h\r\n\r\n", .badRequestLine),
    InvalidRequest("tab as separator", "GET\t/ HTTP/1.1\r\nHost: h\r\n\r\n", .badMethod),
    InvalidRequest("leading space", " GET / HTTP/1.1\r\nHost: h\r\n\r\n", .badMethod),
    InvalidRequest("non-token method", "GE(T / HTTP/1.1\r\nHost: h\r\n\r\n", .badMethod),
    InvalidRequest("method only", "GET\r\nHost: h\r\n\r\n", .badRequestLine),
    InvalidRequest("NUL in target", "GET /\u{0} HTTP/1.1\r\nHost: h\r\n\r\n", .badTarget),
    InvalidRequest("DEL in target", "GET /\u{7F} HTTP/1.1\r\nHost: h\r\n\r\n", .badTarget),
    InvalidRequest("tab in target", "GET /a\tb HTTP/1.1\r\nHost: h\r\n\r\n", .badTarget),
    InvalidRequest("non-ASCII target", "GET /caf\u{e9} HTTP/1.1\r\nHost: h\r\n\r\n", .badTarget),
    InvalidRequest("fragment in target", "GET /a#b HTTP/1.1\r\nHost: h\r\n\r\n", .badTarget),
    InvalidRequest("asterisk with GET", "GET * HTTP/1.1\r\nHost: h\r\n\r\n", .badTarget),
    InvalidRequest("authority-form with GET", "GET h:80 HTTP/1.1\r\nHost: h\r\n\r\n", .badTarget),
    InvalidRequest("origin-form with CONNECT", "CONNECT / HTTP/1.1\r\nHost: h\r\n\r\n", .badTarget),
    InvalidRequest("CONNECT without port", "CONNECT h HTTP/1.1\r\nHost: h\r\n\r\n", .badTarget),
    InvalidRequest("other scheme", "GET ftp://h/ HTTP/1.1\r\nHost: h\r\n\r\n", .badTarget),
    InvalidRequest("empty authority", "GET http:/// HTTP/1.1\r\nHost: h\r\n\r\n", .badTarget),
    InvalidRequest("userinfo", "GET http://u:p@h/ HTTP/1.1\r\nHost: h\r\n\r\n", .badTarget),
    InvalidRequest("port without host", "GET http://:80/ HTTP/1.1\r\nHost: h\r\n\r\n", .badTarget),
    InvalidRequest("relative target", "GET a/b HTTP/1.1\r\nHost: h\r\n\r\n", .badTarget),

    // MARK: Limits
    InvalidRequest(
        "request-line over the limit",
        "GET /" + String(repeating: "a", count: 96) + " HTTP/1.1\r\nHost: h\r\n\r\n",
        .requestLineTooLong,
        limits: ParseLimits(requestLine: 100, headerBytes: 1000, headerCount: 10, body: 100)
    ),
    InvalidRequest(
        "too many headers",
        "GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n",
        .tooManyHeaders,
        limits: ParseLimits(requestLine: 100, headerBytes: 1000, headerCount: 3, body: 100)
    ),
    InvalidRequest(
        "header bytes over the limit by one",
        "GET / HTTP/1.1\r\nHost: h\r\nA: 12345\r\n\r\n",
        .headersTooLarge,
        limits: ParseLimits(requestLine: 100, headerBytes: 18, headerCount: 10, body: 100)
    ),
    InvalidRequest(
        "too many empty lines",
        String(repeating: "\r\n", count: 60) + "GET / HTTP/1.1\r\nHost: h\r\n\r\n",
        .tooManyEmptyLines,
        limits: ParseLimits(requestLine: 100, headerBytes: 1000, headerCount: 10, body: 100)
    ),
]

@Suite struct RequestParserTests {
    @Test(arguments: validRequests)
    func validRequestParses(_ example: ValidRequest) throws {
        let input = bytes(example.text)
        let outcome = parseRequest(input)
        let head = try #require(try outcome.get().head)
        #expect(outcome == .success(.head(head, consumed: input.count)))
        #expect(head.method == example.method)
        #expect(head.path == example.path)
        #expect(head.host == example.host)
        #expect(head.version == example.version)
        #expect(head.framing == example.framing)
        #expect(head.keepAlive == example.keepAlive)
        #expect(head.expectsContinue == example.expectsContinue)
        #expect(example.text.contains(" \(head.target) "))
        if let fields = example.fields { #expect(head.headers.fields == fields) }
    }

    /// Common methods come back as literals (`InternedStrings`); tokens of the same length that
    /// differ in one byte, or in case, must still come back as sent.
    @Test(arguments: [
        "GET", "PUT", "HEAD", "POST", "PATCH", "DELETE", "OPTIONS", "GEX", "get", "PUTS", "HEAP", "XPOST", "DELETED",
    ])
    func methodComesBackAsSent(_ method: String) throws {
        let head = try #require(try parseRequest(bytes("\(method) / HTTP/1.1\r\nHost: a\r\n\r\n")).get().head)
        #expect(head.method == method)
    }

    @Test(arguments: validRequests)
    func validRequestParsesTheSameInAnyPieces(_ example: ValidRequest) {
        let input = bytes(example.text)
        let whole = parseRequest(input)
        for cuts in cutPatterns(input.count) {
            let pieces = parseRequest(input, cuts: cuts)
            #expect(pieces == whole, "cuts \(cuts.count == 1 ? "at \(cuts[0])" : "byte by byte")")
        }
    }

    @Test(arguments: invalidRequests)
    func invalidRequestIsRefused(_ example: InvalidRequest) {
        let input = bytes(example.text)
        #expect(parseRequest(input, limits: example.limits) == .failure(example.error))
        let byteByByte = parseRequest(input, cuts: Array(1..<input.count), limits: example.limits)
        #expect(byteByByte == .failure(example.error))
    }

    /// A bad method byte is refused as soon as it arrives, before the line ends: a TLS
    /// handshake on the plain port gets its 400 at once instead of waiting out `client_header`.
    @Test func badMethodIsRefusedBeforeTheLineEnds() {
        let hello: [UInt8] = [0x16, 0x03, 0x01, 0x02, 0x00, 0x01]
        #expect(parseRequest(hello) == .failure(.badMethod))
        #expect(parseRequest(bytes("GE(")) == .failure(.badMethod))
        #expect(parseRequest(bytes("\r\nGET /index.ht")) == .success(.needMore))
    }

    @Test func refusalsCarryTheirStatus() {
        let cases: [(String, Int)] = [
            ("GET / HTTP/2.0\r\n\r\n", 505),
            ("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n", 501),
            ("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999\r\n\r\n", 413),
            ("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
            ("GET / HTTP/1.1\r\n\r\n", 400),
        ]
        for (text, status) in cases {
            #expect(parseRequest(bytes(text)).failure?.status == status, "\(text)")
        }
        #expect(HTTPParseError.requestLineTooLong.status == 414)
        #expect(HTTPParseError.headersTooLarge.status == 431)
        #expect(HTTPParseError.tooManyHeaders.status == 431)
        #expect(HTTPParseError.badHeaderName.description == "invalid character in header name")
    }

    // MARK: - Limits while bytes arrive

    @Test func longRequestLineIsRefusedBeforeItsCRLF() {
        let limits = ParseLimits(requestLine: 100, headerBytes: 1000, headerCount: 10, body: 100)
        let line = bytes("GET /" + String(repeating: "a", count: 95))
        #expect(line.count == 100)
        #expect(parseRequest(line, limits: limits) == .success(.needMore))
        #expect(parseRequest(line + bytes(" HTTP/1.1"), limits: limits) == .failure(.requestLineTooLong))
        #expect(parseRequest(line + bytes("a"), limits: limits) == .failure(.requestLineTooLong))
    }

    @Test func requestLineAtTheLimitIsAccepted() throws {
        let limits = ParseLimits(requestLine: 100, headerBytes: 1000, headerCount: 10, body: 100)
        let line = "GET /" + String(repeating: "a", count: 86) + " HTTP/1.1"
        #expect(line.utf8.count == 100)
        let head = try #require(try parseRequest(bytes(line + "\r\nHost: h\r\n\r\n"), limits: limits).get().head)
        #expect(head.path.utf8.count == 87)
    }

    @Test func megabyteRequestLineFailsAtTheDefaultLimit() {
        let input = bytes("GET /" + String(repeating: "a", count: 1 << 20))
        var parser = RequestParser(limits: ParseLimits())
        let prefix = input[..<8192].withUnsafeBytes { buffer in
            Result { () throws(HTTPParseError) in try parser.parse(buffer) }
        }
        #expect(prefix == .success(.needMore))
        let whole = input.withUnsafeBytes { buffer in
            Result { () throws(HTTPParseError) in try parser.parse(buffer) }
        }
        #expect(whole == .failure(.requestLineTooLong))
    }

    @Test func headerBytesCountFieldLinesWithTheirCRLFs() throws {
        // "Host: h\r\n" is 9 bytes and "A: 12345\r\n" 10: 19 in all, the final CRLF not counted.
        let input = bytes("GET / HTTP/1.1\r\nHost: h\r\nA: 12345\r\n\r\n")
        let exact = ParseLimits(requestLine: 100, headerBytes: 19, headerCount: 2, body: 100)
        #expect(try parseRequest(input, limits: exact).get().consumed == input.count)
        let short = ParseLimits(requestLine: 100, headerBytes: 18, headerCount: 2, body: 100)
        #expect(parseRequest(input, limits: short) == .failure(.headersTooLarge))
        let few = ParseLimits(requestLine: 100, headerBytes: 19, headerCount: 1, body: 100)
        #expect(parseRequest(input, limits: few) == .failure(.tooManyHeaders))
    }

    @Test func hugeHeaderValueIsRefusedBeforeItsCRLF() {
        let input = bytes("GET / HTTP/1.1\r\nHost: h\r\nX: " + String(repeating: "v", count: 40000))
        #expect(parseRequest(input) == .failure(.headersTooLarge))
        let name = bytes("GET / HTTP/1.1\r\n" + String(repeating: "n", count: 40000))
        #expect(parseRequest(name) == .failure(.headersTooLarge))
    }

    @Test func bodyLimitIsInclusive() throws {
        let limits = ParseLimits(requestLine: 100, headerBytes: 1000, headerCount: 10, body: 10)
        let atLimit = bytes("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n")
        #expect(try parseRequest(atLimit, limits: limits).get().head?.framing == .length(10))
        let over = bytes("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\n")
        #expect(parseRequest(over, limits: limits) == .failure(.bodyTooLarge))
    }

    // MARK: - Pipelining

    @Test func pipelinedRequestsAreParsedOneAtATime() throws {
        let first = "GET /1 HTTP/1.1\r\nHost: h\r\n\r\n"
        let second = "POST /2 HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\n"
        let third = "GET /3 HTTP/1.1\r\nHost: h\r\n\r\n"
        var input = bytes(first + second + "hello" + third)
        var parser = RequestParser(limits: ParseLimits())
        var paths: [String] = []
        while true {
            let result = try input.withUnsafeBytes { buffer in try parser.parse(buffer) }
            guard case .head(let head, let consumed) = result else { break }
            paths.append(head.path)
            if case .length(let length) = head.framing {
                input.removeFirst(consumed + Int(length))
            } else {
                input.removeFirst(consumed)
            }
        }
        #expect(paths == ["/1", "/2", "/3"])
        #expect(input.isEmpty)
    }

    @Test func consumedPointsAtTheSecondRequest() throws {
        let first = "GET /1 HTTP/1.1\r\nHost: h\r\n\r\n"
        let input = bytes(first + "GET /2 HTTP/1.1\r\nHost: h\r\n\r\n")
        for cuts in cutPatterns(first.utf8.count) + [[]] {
            let outcome = parseRequest(input, cuts: cuts)
            #expect(try outcome.get().consumed == first.utf8.count)
            #expect(try outcome.get().head?.path == "/1")
        }
    }

    @Test func parserIsReusableAfterReset() throws {
        var parser = RequestParser(limits: ParseLimits())
        let partial = bytes("GET /a HTTP/1.1\r\nHo")
        _ = try partial.withUnsafeBytes { buffer in try parser.parse(buffer) }
        parser.reset()
        let input = bytes("GET /b HTTP/1.1\r\nHost: h\r\n\r\n")
        let result = try input.withUnsafeBytes { buffer in try parser.parse(buffer) }
        #expect(result.head?.path == "/b")
    }

    @Test func headRoundTripsThroughSerialization() throws {
        let text = "POST /x?y HTTP/1.1\r\nHost: example.com\r\nX-A: 1\r\nx-a: 2\r\nContent-Length: 3\r\n\r\n"
        let head = try #require(try parseRequest(bytes(text)).get().head)
        #expect(head.serialized() == bytes(text))
    }
}
