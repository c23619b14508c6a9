extension Config {
    /// The directive reference in Markdown, rendered from the directive tables: one section per
    /// block with each directive's value, default and description. The README carries a copy.
    public static func reference() -> String {
        var text = """
            ## proxy.conf reference

            Sizes are bytes with an optional `k`, `m` or `g` suffix (powers of 1024): `512`, `64k`, `16m`, `1g`.
            Durations need a unit, `ms`, `s`, `m` or `h` (`250ms`, `10s`, `5m`, `1h`); only `0` may go without.
            Quote values with spaces or `;{}#` in `"…"`; inside, `\\"` and `\\\\` are escapes.

            """
        for (path, block) in Directives.topLevel.spec.allBlocks() {
            let title = path.count == 1 ? path[0] : "`" + nested(path.dropFirst()) + "`"
            text += "\n### \(title)\n\n"
            text += "| Directive | Value | Default | Description |\n"
            text += "|---|---|---|---|\n"
            for directive in block.directives {
                let defaultValue =
                    directive.isRequired
                    ? "required" : directive.defaultValue.map { $0.contains(" ") ? $0 : "`\($0)`" } ?? "—"
                text += "| `\(directive.name)` | \(directive.kind.summary) | \(defaultValue) | \(directive.doc) |\n"
            }
        }
        return text
    }

    /// `backend NAME { health { … } }` from the titles of the enclosing blocks.
    private static func nested(_ titles: ArraySlice<String>) -> String {
        guard let first = titles.first else { return "" }
        guard titles.count > 1 else { return first }
        let opening = first.hasSuffix(" { … }") ? String(first.dropLast(" { … }".count)) : first
        return "\(opening) { \(nested(titles.dropFirst())) }"
    }
}
