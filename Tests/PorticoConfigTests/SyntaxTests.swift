import Testing

@testable import PorticoConfig

@Suite struct SyntaxTests {
    private func parseError(_ text: String) -> String? {
        do {
            _ = try Syntax.parse(text, file: "t.conf")
            return nil
        } catch {
            return error.description
        }
    }

    @Test func buildsDirectivesAndNestedBlocks() throws {
        let nodes = try Syntax.parse(
            "workers 2;\nbackend app {\n  server a:1 weight=2;\n  health { }\n}\n",
            file: "t.conf"
        )
        #expect(nodes.map(\.name) == ["workers", "backend"])
        #expect(nodes[0].arguments.map(\.text) == ["2"])
        #expect(nodes[0].block == nil)
        let backend = nodes[1]
        #expect(backend.arguments.map(\.text) == ["app"])
        #expect(backend.blockLocation == SourceLocation(file: "t.conf", line: 2, column: 13))
        let inner = try #require(backend.block)
        #expect(inner.map(\.name) == ["server", "health"])
        #expect(inner[0].location == SourceLocation(file: "t.conf", line: 3, column: 3))
        #expect(inner[0].arguments.map(\.location.column) == [10, 14])
        #expect(inner[1].block == [])
    }

    @Test func quotedArgumentsAreMarked() throws {
        let nodes = try Syntax.parse(#"token "a b" c;"#, file: "t.conf")
        #expect(nodes[0].arguments.map(\.isQuoted) == [true, false])
        #expect(nodes[0].arguments.map(\.text) == ["a b", "c"])
    }

    @Test func argumentOffsetsPointInsideBareWordsOnly() {
        let location = SourceLocation(file: "t.conf", line: 1, column: 8)
        #expect(Argument(text: "weight=0", location: location, isQuoted: false).location(atOffset: 7).column == 15)
        #expect(Argument(text: "weight=0", location: location, isQuoted: true).location(atOffset: 7).column == 8)
    }

    @Test(arguments: [
        ("backend app {\n  server a:1;\n", #"t.conf:1:1: block "backend" is not closed (missing "}")"#),
        ("backend app {\n  health {\n}\n", #"t.conf:1:1: block "backend" is not closed (missing "}")"#),
        ("backend app {\n  health {\n", #"t.conf:2:3: block "health" is not closed (missing "}")"#),
        ("listen a:1;\n}\n", #"t.conf:2:1: unexpected "}" (no block is open)"#),
        ("listen a:1;;", #"t.conf:1:12: unexpected ";" (no directive before it)"#),
        ("{ listen a:1; }", #"t.conf:1:1: unexpected "{" (a block needs a name)"#),
        (#""listen" a:1;"#, "t.conf:1:1: expected a directive name, found a quoted string"),
        ("cache {\n  memory 1m\n}", #"t.conf:2:3: "memory" is not terminated (missing ";")"#),
        ("workers 2", #"t.conf:1:1: "workers" is not terminated (missing ";")"#),
    ])
    func syntaxErrors(text: String, expected: String) {
        #expect(parseError(text) == expected)
    }

    @Test func nestingIsBounded() {
        let deep = String(repeating: "a {", count: 40) + String(repeating: "}", count: 40)
        #expect(parseError(deep) == "t.conf:1:48: blocks are nested too deeply")
        let fine = String(repeating: "a {", count: 3) + String(repeating: "}", count: 3)
        #expect(parseError(fine) == nil)
    }
}
