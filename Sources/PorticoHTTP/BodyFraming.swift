/// How the body of a message is delimited on the connection (RFC 9112 §6.3).
public enum BodyFraming: Sendable, Equatable {
    /// No body: a request without `Content-Length` or `Transfer-Encoding`, a response to HEAD, or
    /// a 1xx, 204 or 304 response.
    case none
    /// Exactly this many bytes follow the head (`Content-Length`).
    case length(Int64)
    /// `Transfer-Encoding` with `chunked` as the final coding; decode with `ChunkedDecoder`.
    case chunked
    /// Responses only: the body runs until the server closes the connection, so the connection
    /// cannot be reused.
    case untilClose
}
