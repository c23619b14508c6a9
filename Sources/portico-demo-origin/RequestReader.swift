import Foundation

/// Reads one request (head, then a Content-Length or chunked body) from a `SocketStream`.
///
/// Lenient where leniency is harmless (a demo origin), strict where a guess would desynchronise the
/// connection: conflicting framing is rejected with 400.
enum RequestReader {
    enum Failure: Error {
        /// Answer with this status and close the connection.
        case reject(status: Int, reason: String)
    }

    static let headLimit = 64 * 1024
    static let bodyLimit = 64 * 1024 * 1024

    private static let crlf: [UInt8] = [13, 10]
    private static let endOfHead: [UInt8] = [13, 10, 13, 10]

    /// Reads the next request; `SocketStream.Failure` when the peer closes or the deadline passes.
    static func read(from stream: SocketStream, until deadline: Deadline) throws -> Request {
        let head: [UInt8]
        do {
            head = try stream.read(through: endOfHead, limit: headLimit, until: deadline)
        } catch SocketStream.Failure.tooLong {
            throw Failure.reject(status: 431, reason: "Request Header Fields Too Large")
        }
        var request = try parseHead(String(decoding: head, as: UTF8.self))
        request.body = try readBody(of: request, from: stream, until: deadline)
        return request
    }

    private static func parseHead(_ text: String) throws -> Request {
        var lines = text.components(separatedBy: "\r\n")[...]
        while lines.first == "" { lines.removeFirst() }  // RFC 9112 §2.2: ignore leading empty lines
        let requestLine = (lines.popFirst() ?? "").split(separator: " ", omittingEmptySubsequences: false)
        guard requestLine.count == 3, requestLine[2].hasPrefix("HTTP/1.") else { throw badRequest }
        var headers: [(name: String, value: String)] = []
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { throw badRequest }
            let name = String(line[..<colon])
            guard !name.isEmpty, !name.contains(" "), !name.contains("\t") else { throw badRequest }
            headers.append((name, line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        return Request(
            method: String(requestLine[0]),
            target: String(requestLine[1]),
            version: String(requestLine[2]),
            headers: headers,
            body: []
        )
    }

    private static func readBody(of request: Request, from stream: SocketStream, until deadline: Deadline) throws
        -> [UInt8]
    {
        let transferEncoding = request.header("Transfer-Encoding")
        let contentLength = request.header("Content-Length")
        if let transferEncoding {
            guard contentLength == nil, transferEncoding.lowercased() == "chunked" else { throw badRequest }
            if request.header("Expect")?.lowercased() == "100-continue" { continueResponse(stream) }
            return try readChunked(from: stream, until: deadline)
        }
        guard let contentLength else { return [] }
        guard let length = Int(contentLength), length >= 0 else { throw badRequest }
        guard length <= bodyLimit else { throw Failure.reject(status: 413, reason: "Content Too Large") }
        if length > 0 && request.header("Expect")?.lowercased() == "100-continue" { continueResponse(stream) }
        return try stream.read(count: length, until: deadline)
    }

    private static func readChunked(from stream: SocketStream, until deadline: Deadline) throws -> [UInt8] {
        var body: [UInt8] = []
        while true {
            let line = try stream.read(through: crlf, limit: 1024, until: deadline)
            let sizeText = String(decoding: line, as: UTF8.self).split(separator: ";", maxSplits: 1).first ?? ""
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16), size >= 0 else {
                throw badRequest
            }
            if size == 0 { break }
            guard body.count + size <= bodyLimit else { throw Failure.reject(status: 413, reason: "Content Too Large") }
            body += try stream.read(count: size, until: deadline)
            guard try stream.read(count: 2, until: deadline) == crlf else { throw badRequest }
        }
        while try !stream.read(through: crlf, limit: headLimit, until: deadline).isEmpty {}  // trailer fields
        return body
    }

    private static func continueResponse(_ stream: SocketStream) {
        stream.write(Array("HTTP/1.1 100 Continue\r\n\r\n".utf8))
    }

    private static var badRequest: Failure { .reject(status: 400, reason: "Bad Request") }
}
