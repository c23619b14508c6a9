import PorticoHTTP

extension EventBuffer {
    /// Takes the next final response head from the front of this buffer: interim responses
    /// (1xx other than 101) before it are skipped, since a 103 and the response it precedes often
    /// arrive in one read. Nil while the head is incomplete. For Portico's own requests (health
    /// checks, background refreshes), which have no client to relay an interim response to.
    func takeFinalResponseHead(_ parser: inout ResponseParser, requestMethod: String) throws(HTTPParseError)
        -> ResponseHead?
    {
        while true {
            let result = try withContiguousBytes { bytes throws(HTTPParseError) in
                try parser.parse(bytes, requestMethod: requestMethod)
            }
            guard case .head(let head, let consumed) = result else { return nil }
            drain(consumed)
            parser.reset()
            if head.status >= 200 || head.status == 101 { return head }
        }
    }
}
