// The lexer turns `proxy.conf` text into tokens that know where they start.
//
// The syntax is nginx's: words separated by whitespace, `;` `{` `}` as punctuation, `#` starting a
// comment to the end of the line, and double-quoted strings for values with spaces or punctuation.
// Two choices keep mistakes loud rather than surprising:
// - A quote may only start a word. `key="a b"` is refused instead of silently becoming a word
//   with a quote character inside it; quote the whole argument: `"key=a b"`.
// - A string ends on its line. A missing closing quote is reported at the opening quote instead of
//   swallowing the rest of the file.
// `#` starts a comment only where a token could start, so `http://host/#x` stays one word.

/// Splits configuration text into tokens, one `next()` at a time.
struct Lexer {
    private let bytes: [UInt8]
    private let file: String
    private var index = 0
    private var line = 1
    private var column = 1

    init(_ text: String, file: String) {
        var bytes = Array(text.utf8)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }  // a UTF-8 byte order mark
        self.bytes = bytes
        self.file = file
    }

    /// All tokens up to and including `.end`.
    static func tokens(_ text: String, file: String) throws(ConfigError) -> [Token] {
        var lexer = Lexer(text, file: file)
        var tokens: [Token] = []
        while true {
            let token = try lexer.next()
            tokens.append(token)
            if token.kind == .end { return tokens }
        }
    }

    /// The next token; `.end` once the input is used up, and again on every later call.
    mutating func next() throws(ConfigError) -> Token {
        try skipWhitespaceAndComments()
        let start = location
        guard index < bytes.count else { return Token(kind: .end, location: start) }
        switch bytes[index] {
        case UInt8(ascii: ";"):
            advance()
            return Token(kind: .semicolon, location: start)
        case UInt8(ascii: "{"):
            advance()
            return Token(kind: .openBrace, location: start)
        case UInt8(ascii: "}"):
            advance()
            return Token(kind: .closeBrace, location: start)
        case UInt8(ascii: "\""):
            return Token(kind: .string(try quotedString()), location: start)
        default:
            return Token(kind: .word(try word()), location: start)
        }
    }

    // MARK: - Pieces

    private var location: SourceLocation { SourceLocation(file: file, line: line, column: column) }

    private mutating func skipWhitespaceAndComments() throws(ConfigError) {
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "#") {
                while index < bytes.count, bytes[index] != UInt8(ascii: "\n") { advance() }
            } else if Lexer.isWhitespace(byte) {
                advance()
            } else if Lexer.isControl(byte) {
                throw controlCharacter(byte)
            } else {
                return
            }
        }
    }

    private mutating func word() throws(ConfigError) -> String {
        let start = index
        while index < bytes.count {
            let byte = bytes[index]
            if Lexer.endsWord(byte) { break }
            if byte == UInt8(ascii: "\"") {
                let text = String(decoding: bytes[start..<index], as: UTF8.self)
                throw ConfigError(
                    location: location,
                    message: "unexpected quote after \"\(text)\" (quote the whole argument instead)"
                )
            }
            if Lexer.isControl(byte) { throw controlCharacter(byte) }
            advance()
        }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    private mutating func quotedString() throws(ConfigError) -> String {
        let opening = location
        advance()
        var value: [UInt8] = []
        while index < bytes.count, bytes[index] != UInt8(ascii: "\n"), bytes[index] != UInt8(ascii: "\r") {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                advance()
                if index < bytes.count, !Lexer.endsWord(bytes[index]) {
                    throw ConfigError(
                        location: location,
                        message: "expected a space, \";\", \"{\" or \"}\" after a quoted string"
                    )
                }
                return String(decoding: value, as: UTF8.self)
            case UInt8(ascii: "\\"):
                let escape = location
                advance()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") || bytes[index] == UInt8(ascii: "\\")
                else {
                    throw ConfigError(
                        location: escape,
                        message: "unknown escape in string (only \\\" and \\\\ are allowed)"
                    )
                }
                value.append(bytes[index])
                advance()
            default:
                if Lexer.isControl(byte) && byte != UInt8(ascii: "\t") { throw controlCharacter(byte) }
                value.append(byte)
                advance()
            }
        }
        throw ConfigError(location: opening, message: "unterminated string (missing closing quote)")
    }

    /// Moves past one byte; a column is counted at the first byte of each UTF-8 sequence.
    private mutating func advance() {
        let byte = bytes[index]
        index += 1
        if byte == UInt8(ascii: "\n") {
            line += 1
            column = 1
        } else if byte & 0xC0 != 0x80 {
            column += 1
        }
    }

    private func controlCharacter(_ byte: UInt8) -> ConfigError {
        let hex = String(byte, radix: 16, uppercase: true)
        return ConfigError(
            location: location,
            message: "unexpected control character 0x\(hex.count == 1 ? "0" + hex : hex)"
        )
    }

    // MARK: - Byte classes

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\n")
            || byte == UInt8(ascii: "\r")
    }

    private static func isControl(_ byte: UInt8) -> Bool {
        (byte < 0x20 && !isWhitespace(byte)) || byte == 0x7F
    }

    /// Whitespace and punctuation end a word (and must follow a quoted string).
    private static func endsWord(_ byte: UInt8) -> Bool {
        isWhitespace(byte) || byte == UInt8(ascii: ";") || byte == UInt8(ascii: "{") || byte == UInt8(ascii: "}")
    }
}
