// The generic tree of `proxy.conf`: directives `name args… ;` and blocks `name args… { … }`.
//
// Syntax knows nothing about which directives exist; the `DirectiveTable`s decide that. Keeping
// the two apart means a typo'd directive is reported by name with a suggestion, not as a parse
// error, and the tree can be checked against the tables block by block.

/// One argument of a directive, as written.
struct Argument: Sendable, Equatable {
    /// The text, with quotes removed and escapes resolved.
    var text: String
    var location: SourceLocation
    /// Whether it was written as a quoted string.
    var isQuoted: Bool

    /// The location of the character `offset` scalars into the text, for errors about part of an
    /// argument (the `3` of `weight=3`). A quoted argument's escapes make offsets unreliable, so
    /// those errors point at the argument's start.
    func location(atOffset offset: Int) -> SourceLocation {
        isQuoted ? location : location.advanced(by: offset)
    }
}

/// A directive and, when it opens one, its block.
struct DirectiveNode: Sendable, Equatable {
    var name: String
    /// Where the name starts: the location of errors about the directive as a whole.
    var location: SourceLocation
    var arguments: [Argument]
    /// The directives inside `{ … }`, or nil when the directive ends with `;`.
    var block: [DirectiveNode]?
    /// Where `{` is, when there is a block.
    var blockLocation: SourceLocation?
}

/// Builds the directive tree from tokens.
enum Syntax {
    /// Blocks deeper than this are refused; the real grammar needs three levels.
    static let maximumDepth = 16

    static func parse(_ text: String, file: String) throws(ConfigError) -> [DirectiveNode] {
        var lexer = Lexer(text, file: file)
        return try directives(&lexer, closing: nil, depth: 0)
    }

    /// Directives until the `}` that closes `closing`, or until the end of the input at top level.
    private static func directives(
        _ lexer: inout Lexer,
        closing: DirectiveNode?,
        depth: Int
    ) throws(ConfigError) -> [DirectiveNode] {
        var nodes: [DirectiveNode] = []
        while true {
            let token = try lexer.next()
            switch token.kind {
            case .word(let name):
                nodes.append(try directive(name: name, at: token.location, &lexer, depth: depth))
            case .end:
                if let closing {
                    throw ConfigError(
                        location: closing.location,
                        message: "block \"\(closing.name)\" is not closed (missing \"}\")"
                    )
                }
                return nodes
            case .closeBrace:
                if closing != nil { return nodes }
                throw ConfigError(location: token.location, message: "unexpected \"}\" (no block is open)")
            case .semicolon:
                throw ConfigError(location: token.location, message: "unexpected \";\" (no directive before it)")
            case .openBrace:
                throw ConfigError(location: token.location, message: "unexpected \"{\" (a block needs a name)")
            case .string:
                throw ConfigError(
                    location: token.location,
                    message: "expected a directive name, found a quoted string"
                )
            }
        }
    }

    private static func directive(
        name: String,
        at location: SourceLocation,
        _ lexer: inout Lexer,
        depth: Int
    ) throws(ConfigError) -> DirectiveNode {
        var node = DirectiveNode(name: name, location: location, arguments: [], block: nil, blockLocation: nil)
        while true {
            let token = try lexer.next()
            switch token.kind {
            case .word(let text):
                node.arguments.append(Argument(text: text, location: token.location, isQuoted: false))
            case .string(let text):
                node.arguments.append(Argument(text: text, location: token.location, isQuoted: true))
            case .semicolon:
                return node
            case .openBrace:
                guard depth + 1 < maximumDepth else {
                    throw ConfigError(location: token.location, message: "blocks are nested too deeply")
                }
                node.blockLocation = token.location
                node.block = try directives(&lexer, closing: node, depth: depth + 1)
                return node
            case .closeBrace, .end:
                throw ConfigError(location: location, message: "\"\(name)\" is not terminated (missing \";\")")
            }
        }
    }
}
