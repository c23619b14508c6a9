import PorticoHTTP

// RFC 9110 §7.6.2: a proxy that receives TRACE or OPTIONS with `Max-Forwards: 0` must not forward
// it but answer as the final recipient; with a larger value it forwards the request with the value
// decremented. Other methods ignore the field.

/// What `Max-Forwards` asks of the proxy for one request.
enum MaxForwards {
    enum Action: Equatable {
        /// Forward as usual (no field, another method, or a value that cannot be read).
        case forward
        /// Forward with `Max-Forwards` set to this value.
        case forwardDecremented(Int)
        /// Answer here: the request has been forwarded as far as the client allowed.
        case answerLocally
    }

    static func action(for request: RequestHead) -> Action {
        guard request.method == "TRACE" || request.method == "OPTIONS",
            let text = request.headers["Max-Forwards"],
            let value = Int(text.trimmingCharacters(in: " \t")), value >= 0
        else { return .forward }
        return value == 0 ? .answerLocally : .forwardDecremented(value - 1)
    }

    /// The local answer: TRACE reflects the request (RFC 9110 §9.3.8) without fields likely to
    /// carry credentials; OPTIONS lists the methods a proxy relays.
    static func localAnswer(to request: RequestHead) -> (contentType: String?, body: [UInt8], extra: [HeaderField]) {
        if request.method == "TRACE" {
            var headers = request.headers
            for sensitive in ["Authorization", "Proxy-Authorization", "Cookie"] { headers.remove(sensitive) }
            let head = RequestHead(
                method: request.method, target: request.target, version: request.version, headers: headers)
            return ("message/http", head.serialized(), [])
        }
        return (nil, [], [HeaderField(name: "Allow", value: "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, TRACE")])
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: String) -> String {
        let characters = Set(set)
        var text = Substring(self)
        while let first = text.first, characters.contains(first) { text = text.dropFirst() }
        while let last = text.last, characters.contains(last) { text = text.dropLast() }
        return String(text)
    }
}
