/// Request texts for the common cases; parser tests write their bytes out in full instead.
enum Wire {
    /// `GET target HTTP/1.1` with a Host field and `extra` lines (each ending in CRLF).
    static func get(_ target: String = "/", host: String = "test.example", extra: String = "") -> String {
        "GET \(target) HTTP/1.1\r\nHost: \(host)\r\n\(extra)\r\n"
    }

    /// A POST with a Content-Length body.
    static func post(_ target: String, host: String = "test.example", body: [UInt8], extra: String = "") -> [UInt8] {
        Array("POST \(target) HTTP/1.1\r\nHost: \(host)\r\nContent-Length: \(body.count)\r\n\(extra)\r\n".utf8) + body
    }

    /// A POST with a chunked body in chunks of `chunkSize` bytes.
    static func postChunked(_ target: String, host: String = "test.example", body: [UInt8], chunkSize: Int) -> [UInt8] {
        Array("POST \(target) HTTP/1.1\r\nHost: \(host)\r\nTransfer-Encoding: chunked\r\n\r\n".utf8)
            + Bytes.chunked(body, chunkSize: chunkSize)
    }
}

/// Tolerances for timeout assertions. The tests run in parallel on small machines, so the upper
/// bound is generous; the lower bound catches a timeout that fires far too early.
enum Timing {
    /// Allowed lateness beyond a configured timeout, in seconds.
    static let slack = 1.5
    /// Allowed earliness before a configured timeout, in seconds.
    static let early = 0.25
}
