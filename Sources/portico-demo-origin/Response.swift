/// A response the demo origin sends, always with a Content-Length.
struct Response {
    var status: Int
    var reason: String
    var headers: [(name: String, value: String)] = []
    var body: [UInt8] = []

    init(status: Int, reason: String, contentType: String = "text/plain; charset=utf-8", body: [UInt8]) {
        self.status = status
        self.reason = reason
        self.headers = [("Content-Type", contentType)]
        self.body = body
    }

    init(status: Int, reason: String, text: String) {
        self.init(status: status, reason: reason, body: Array(text.utf8))
    }

    /// The bytes on the wire; the body is left out for HEAD but its length still announced.
    func serialized(originName: String, keepAlive: Bool, headOnly: Bool) -> [UInt8] {
        var head = "HTTP/1.1 \(status) \(reason)\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        head += "Content-Length: \(body.count)\r\n"
        head += "X-Origin: \(originName)\r\n"
        if !keepAlive { head += "Connection: close\r\n" }
        head += "\r\n"
        return headOnly ? Array(head.utf8) : Array(head.utf8) + body
    }
}
