import Testing

@testable import PorticoConfig

@Suite struct LexerTests {
    /// Each token as `LINE:COL kind`, for compact expectations.
    private func lex(_ text: String) throws(ConfigError) -> [String] {
        try Lexer.tokens(text, file: "t.conf").map { token in
            let kind =
                switch token.kind {
                case .word(let text): "word(\(text))"
                case .string(let text): "string(\(text))"
                case .semicolon: ";"
                case .openBrace: "{"
                case .closeBrace: "}"
                case .end: "end"
                }
            return "\(token.location.line):\(token.location.column) \(kind)"
        }
    }

    private func lexError(_ text: String) -> String? {
        do {
            _ = try Lexer.tokens(text, file: "t.conf")
            return nil
        } catch {
            return error.description
        }
    }

    @Test func tokensCarryLineAndColumn() throws {
        #expect(
            try lex("listen 127.0.0.1:8080;\nbackend app {\n\tserver a:1;\n}\n") == [
                "1:1 word(listen)", "1:8 word(127.0.0.1:8080)", "1:22 ;",
                "2:1 word(backend)", "2:9 word(app)", "2:13 {",
                "3:2 word(server)", "3:9 word(a:1)", "3:12 ;",
                "4:1 }", "5:1 end",
            ]
        )
    }

    @Test func punctuationEndsWords() throws {
        #expect(
            try lex("a{b;c}") == ["1:1 word(a)", "1:2 {", "1:3 word(b)", "1:4 ;", "1:5 word(c)", "1:6 }", "1:7 end"])
    }

    @Test func commentsRunToEndOfLine() throws {
        #expect(
            try lex("# heading\nworkers 4; # trailing { ; }\n#last") == [
                "2:1 word(workers)", "2:9 word(4)", "2:10 ;", "3:6 end",
            ]
        )
    }

    @Test func hashInsideAWordIsPartOfIt() throws {
        #expect(try lex("path /a#b;") == ["1:1 word(path)", "1:6 word(/a#b)", "1:10 ;", "1:11 end"])
    }

    @Test func quotedStringsResolveEscapes() throws {
        #expect(
            try lex(#"token "a b;{}#" "say \"hi\"" "back\\slash" "";"#) == [
                "1:1 word(token)", "1:7 string(a b;{}#)", "1:17 string(say \"hi\")",
                "1:30 string(back\\slash)", "1:44 string()", "1:46 ;", "1:47 end",
            ]
        )
    }

    @Test func columnsCountScalarsNotBytes() throws {
        #expect(
            try lex("token \"héllo\" x;") == [
                "1:1 word(token)", "1:7 string(héllo)", "1:15 word(x)", "1:16 ;", "1:17 end",
            ])
    }

    @Test func crlfAndByteOrderMarkAreWhitespace() throws {
        #expect(try lex("\u{FEFF}a;\r\nb;\r\n") == ["1:1 word(a)", "1:2 ;", "2:1 word(b)", "2:2 ;", "3:1 end"])
    }

    @Test func emptyInputIsJustTheEnd() throws {
        #expect(try lex("") == ["1:1 end"])
        #expect(try lex("  \n  # only a comment\n") == ["3:1 end"])
    }

    @Test(arguments: [
        ("token \"abc;\nx;", "t.conf:1:7: unterminated string (missing closing quote)"),
        ("token \"abc", "t.conf:1:7: unterminated string (missing closing quote)"),
        ("token \"abc\r\n\";", "t.conf:1:7: unterminated string (missing closing quote)"),
        (#"token "a\nb";"#, #"t.conf:1:9: unknown escape in string (only \" and \\ are allowed)"#),
        (#"route host="x";"#, #"t.conf:1:12: unexpected quote after "host=" (quote the whole argument instead)"#),
        (#"token "a"b;"#, #"t.conf:1:10: expected a space, ";", "{" or "}" after a quoted string"#),
        ("a\u{01};", "t.conf:1:2: unexpected control character 0x01"),
        ("\u{7F}", "t.conf:1:1: unexpected control character 0x7F"),
    ])
    func lexicalErrorsPointAtTheCulprit(text: String, expected: String) {
        #expect(lexError(text) == expected)
    }
}
