/// What one directive accepts, as plain data: the rows of the directive reference.
///
/// The Varnish `tbl/params.h` idea: declared once, this feeds the checks (argument count,
/// repetition, whether a block follows), the did-you-mean suggestions and `Config.reference()`.
struct DirectiveSpec: Sendable {
    var name: String
    /// How many arguments may follow the name.
    var arguments: ClosedRange<Int>
    var kind: ValueKind
    /// The default as written in `proxy.conf`, or nil when there is none (required, or unset).
    var defaultValue: String?
    /// One line for the reference.
    var doc: String
    /// Whether it may appear more than once in its block.
    var isRepeatable: Bool
    /// Whether its block (or the file) is incomplete without it.
    var isRequired: Bool
    /// The block it opens, if it takes `{ … }`.
    var block: BlockSpec?
}

/// The directives of one kind of block (or of the top level), as plain data.
struct BlockSpec: Sendable {
    /// The directive that opens the block, `"top level"` for the file itself.
    var name: String
    /// How the reference titles it: `backend NAME { … }`.
    var title: String
    var directives: [DirectiveSpec]

    static let topLevelName = "top level"

    /// This block and every block under it, depth first, each with its parent's titles:
    /// `[(["backend NAME { … }", "health { … }"], health spec), …]`.
    func allBlocks(path: [String] = []) -> [(path: [String], block: BlockSpec)] {
        let here = path + [title]
        var result = [(here, self)]
        for directive in directives {
            if let block = directive.block { result += block.allBlocks(path: here) }
        }
        return result
    }
}
