/// One lexical unit of `proxy.conf`, with the location of its first character.
struct Token: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        /// A bare word: anything up to whitespace, `;`, `{`, `}` or `"`.
        case word(String)
        /// A double-quoted string, escapes resolved.
        case string(String)
        case semicolon
        case openBrace
        case closeBrace
        /// The end of the input; its location is just past the last character.
        case end
    }

    var kind: Kind
    var location: SourceLocation
}
