/// The outcome of feeding bytes to a head parser.
public enum HeadParseResult<Head> {
    /// The head is not complete yet; call again with more bytes (and the same ones before them).
    case needMore
    /// A complete head, `consumed` bytes long. Bytes after it are the body or the next message.
    case head(Head, consumed: Int)
}

extension HeadParseResult: Sendable where Head: Sendable {}
extension HeadParseResult: Equatable where Head: Equatable {}
