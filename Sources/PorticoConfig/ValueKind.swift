/// What a directive's value looks like, with its allowed range: drives checking and the reference.
enum ValueKind: Sendable, Equatable {
    /// A whole number.
    case integer(ClosedRange<Int>)
    /// A byte size (`Size`).
    case size(ClosedRange<Int64>)
    /// A duration (`DurationValue`).
    case duration(ClosedRange<Duration>)
    /// One of a fixed set of words.
    case keyword([String])
    /// `HOST:PORT`; the lowest allowed port is 0 for listeners and 1 for servers.
    case address(lowestPort: Int)
    /// Any non-empty text; quote it if it has spaces or punctuation.
    case string
    /// A URL path starting with `/`.
    case path
    /// A block of directives and nothing else.
    case block
    /// A syntax of its own, shown as written in the reference (`ADDR [weight=N] …`).
    case syntax(String)

    /// The "value" column of the directive reference, in Markdown.
    var summary: String {
        switch self {
        case .integer(let range): "number, \(range.lowerBound)–\(range.upperBound)"
        case .size(let range): "size, \(Size.format(range.lowerBound))–\(Size.format(range.upperBound))"
        case .duration(let range):
            "duration, \(DurationValue.format(range.lowerBound))–\(DurationValue.format(range.upperBound))"
        case .keyword(let words): words.map { "`\($0)`" }.joined(separator: " \\| ")
        case .address: "`HOST:PORT`"
        case .string: "string"
        case .path: "`/path`"
        case .block: "`{ … }`"
        case .syntax(let text): "`\(text.replacing("|", with: "\\|"))`"
        }
    }
}
