import PorticoHTTP

/// Responses the proxy makes itself: a status, a short plain-text body saying why, and whether the
/// connection closes after it. An answer to HEAD has the same head and no body (RFC 9110 §9.3.2):
/// a body there would be read as the start of the next response.
enum ErrorResponse {
    static func bytes(
        status: Int, message: String, close: Bool, date: String, extraHeaders: [HeaderField] = [],
        headOnly: Bool = false
    ) -> [UInt8] {
        let body = "\(status) \(reason(status)): \(message)\n"
        return bytes(
            status: status,
            contentType: "text/plain; charset=utf-8",
            body: Array(body.utf8),
            close: close,
            date: date,
            extraHeaders: extraHeaders,
            headOnly: headOnly
        )
    }

    /// Any response the proxy answers itself, errors or not (`Max-Forwards: 0`).
    static func bytes(
        status: Int,
        contentType: String?,
        body: [UInt8],
        close: Bool,
        date: String,
        extraHeaders: [HeaderField] = [],
        headOnly: Bool = false
    ) -> [UInt8] {
        var headers = HTTPHeaders()
        headers.add("Date", date)
        if let contentType { headers.add("Content-Type", contentType) }
        headers.add("Content-Length", String(body.count))
        headers.add("Cache-Control", "no-store")
        for field in extraHeaders { headers.add(field.name, field.value) }
        if close { headers.add("Connection", "close") }
        var bytes = ResponseHead(version: .http11, status: status, reason: reason(status), headers: headers)
            .serialized()
        if !headOnly { bytes.append(contentsOf: body) }
        return bytes
    }

    static func reason(_ status: Int) -> String {
        switch status {
        case 100: return "Continue"
        case 200: return "OK"
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 408: return "Request Timeout"
        case 413: return "Content Too Large"
        case 414: return "URI Too Long"
        case 417: return "Expectation Failed"
        case 421: return "Misdirected Request"
        case 431: return "Request Header Fields Too Large"
        case 501: return "Not Implemented"
        case 502: return "Bad Gateway"
        case 503: return "Service Unavailable"
        case 504: return "Gateway Timeout"
        case 505: return "HTTP Version Not Supported"
        default: return "Error"
        }
    }
}
