import PorticoHTTP

// CDN-Cache-Control (RFC 9213): cache directives aimed at CDN caches, Portico's role in front of a
// site. An origin can then tell Portico one thing and browsers another (`CDN-Cache-Control:
// max-age=600` beside `Cache-Control: no-store`).
//
// §2.2: when the field has a valid, non-empty value, its directives replace `Cache-Control`'s and
// `Expires` for this response; otherwise it is ignored, as if absent. The field is passed on
// unchanged either way: a cache behind Portico may use it too.
//
// §2.1: the value is a Structured Field Dictionary (RFC 8941 §3.2), parsed strictly: any syntax
// error, an upper-case key, a space before `=` or a trailing comma, makes the whole field invalid.
// Members then read as directives with the meaning they have in `Cache-Control`:
// - `key` (Boolean true) is the bare directive, `key=?0` is absent;
// - `key=N` with a non-negative Integer is `key=N`;
// - any other value (a String, Token, Decimal, negative Integer, Byte Sequence or Inner List) is
//   a value the directive cannot take (§2.1: "SHOULD NOT consume values that violate these
//   inferred constraints"), read as `Cache-Control` reads an invalid argument: a lifetime of 0,
//   a restricting directive still restricting, a relaxing one ignored.
// Parameters are ignored (§2.1). A key repeated keeps its last value (RFC 8941 §4.2.2).

extension CacheControl {
    /// The directives a response gives this cache: `CDN-Cache-Control`'s when that field is
    /// valid and not empty (then `isTargeted` is true, and `Expires` does not count either), else
    /// those of `Cache-Control`.
    public init(responseHeaders headers: HTTPHeaders) {
        guard headers.contains("CDN-Cache-Control"),
            let members = StructuredDictionary.parse(headers.values("CDN-Cache-Control").joined(separator: ", ")),
            !members.isEmpty
        else {
            self.init(headers)
            return
        }
        var directives: [UInt8] = []
        for (key, value) in members {
            let argument: String
            switch value {
            case .boolean(true): argument = ""
            case .boolean(false): continue
            case .integer(let number) where number >= 0: argument = "=\(number)"
            case .integer, .other: argument = "=invalid"
            }
            if !directives.isEmpty { directives.append(FieldValueSyntax.comma) }
            directives.append(contentsOf: key.utf8)
            directives.append(contentsOf: argument.utf8)
        }
        self.init()
        directives.withUnsafeBufferPointer { parse($0) }
        isTargeted = true
    }
}

/// An RFC 8941 Dictionary, reduced to what cache directives use: each member's key and whether
/// its value is a Boolean, an Integer or something else.
enum StructuredDictionary {
    enum Value: Equatable {
        case boolean(Bool)
        case integer(Int)
        case other
    }

    /// The members in order (a repeated key keeps its last value, in its first place), or nil
    /// when `text` is not a valid Dictionary (RFC 8941 §4.2.2).
    static func parse(_ text: String) -> [(key: String, value: Value)]? {
        // §4.2: leading and trailing spaces are not part of the value.
        let bytes = Array(text.utf8)
        let start = bytes.firstIndex { $0 != UInt8(ascii: " ") } ?? bytes.count
        let end = (bytes.lastIndex { $0 != UInt8(ascii: " ") } ?? -1) + 1
        var parser = Parser(bytes: start < end ? Array(bytes[start..<end]) : [])
        return parser.dictionary()
    }

    private struct Parser {
        let bytes: [UInt8]
        var index = 0

        private var current: UInt8? { index < bytes.count ? bytes[index] : nil }

        /// §4.2.2.
        mutating func dictionary() -> [(key: String, value: Value)]? {
            var members: [(key: String, value: Value)] = []
            while current != nil {
                guard let name = key() else { return nil }
                let value: Value
                if current == UInt8(ascii: "=") {
                    index += 1
                    guard let item = itemOrInnerList() else { return nil }
                    value = item
                } else {
                    value = .boolean(true)
                    guard parameters() else { return nil }
                }
                if let existing = members.firstIndex(where: { $0.key == name }) {
                    members[existing].value = value
                } else {
                    members.append((name, value))
                }
                skip(spaces: true, tabs: true)
                guard let separator = current else { break }
                guard separator == UInt8(ascii: ",") else { return nil }
                index += 1
                skip(spaces: true, tabs: true)
                guard current != nil else { return nil }  // a trailing comma
            }
            return members
        }

        private mutating func skip(spaces: Bool, tabs: Bool) {
            while let byte = current, (spaces && byte == UInt8(ascii: " ")) || (tabs && byte == 0x09) { index += 1 }
        }

        /// `key = ( lcalpha / "*" ) *( lcalpha / DIGIT / "_" / "-" / "." / "*" )` (§4.2.3.3).
        private mutating func key() -> String? {
            guard let first = current, isLowercaseLetter(first) || first == UInt8(ascii: "*") else { return nil }
            let start = index
            while let byte = current,
                isLowercaseLetter(byte) || isDigit(byte) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
                    || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "*")
            {
                index += 1
            }
            return String(decoding: bytes[start..<index], as: UTF8.self)
        }

        /// §4.2.1.1: an Inner List or an Item, each with its parameters.
        private mutating func itemOrInnerList() -> Value? {
            guard current == UInt8(ascii: "(") else { return item() }
            index += 1
            while true {
                skip(spaces: true, tabs: false)
                guard let byte = current else { return nil }
                if byte == UInt8(ascii: ")") {
                    index += 1
                    return parameters() ? .other : nil
                }
                guard item() != nil else { return nil }
                guard let next = current, next == UInt8(ascii: " ") || next == UInt8(ascii: ")") else { return nil }
            }
        }

        /// §4.2.3: a Bare Item and its parameters.
        private mutating func item() -> Value? {
            guard let value = bareItem(), parameters() else { return nil }
            return value
        }

        /// §4.2.3.2: `*( ";" *SP key [ "=" bare-item ] )`, values discarded.
        private mutating func parameters() -> Bool {
            while current == UInt8(ascii: ";") {
                index += 1
                skip(spaces: true, tabs: false)
                guard key() != nil else { return false }
                if current == UInt8(ascii: "=") {
                    index += 1
                    guard bareItem() != nil else { return false }
                }
            }
            return true
        }

        /// §4.2.3.1.
        private mutating func bareItem() -> Value? {
            guard let first = current else { return nil }
            if first == UInt8(ascii: "-") || isDigit(first) { return number() }
            if first == UInt8(ascii: "\"") { return string() ? .other : nil }
            if isLetter(first) || first == UInt8(ascii: "*") { return token() }
            if first == UInt8(ascii: ":") { return byteSequence() ? .other : nil }
            if first == UInt8(ascii: "?") { return boolean() }
            return nil
        }

        /// §4.2.4: an Integer (up to 15 digits) or a Decimal (up to 12 integer and 3 fraction
        /// digits), optionally negative.
        private mutating func number() -> Value? {
            var negative = false
            if current == UInt8(ascii: "-") {
                negative = true
                index += 1
            }
            guard let first = current, isDigit(first) else { return nil }
            var integerDigits = 0
            var value = 0
            while let byte = current, isDigit(byte) {
                integerDigits += 1
                guard integerDigits <= 15 else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
                index += 1
            }
            guard current == UInt8(ascii: ".") else { return .integer(negative ? -value : value) }
            guard integerDigits <= 12 else { return nil }
            index += 1
            var fractionDigits = 0
            while let byte = current, isDigit(byte) {
                fractionDigits += 1
                index += 1
            }
            return (1...3).contains(fractionDigits) ? .other : nil
        }

        /// §4.2.5: printable ASCII in quotes, `\"` and `\\` the only escapes.
        private mutating func string() -> Bool {
            index += 1
            while let byte = current {
                index += 1
                if byte == UInt8(ascii: "\"") { return true }
                if byte == UInt8(ascii: "\\") {
                    guard let escaped = current, escaped == UInt8(ascii: "\"") || escaped == UInt8(ascii: "\\") else {
                        return false
                    }
                    index += 1
                } else if byte < 0x20 || byte > 0x7E {
                    return false
                }
            }
            return false
        }

        /// §4.2.6: `( ALPHA / "*" ) *( tchar / ":" / "/" )`.
        private mutating func token() -> Value? {
            index += 1
            while let byte = current,
                FieldValueSyntax.isTchar(byte) || byte == UInt8(ascii: ":") || byte == UInt8(ascii: "/")
            {
                index += 1
            }
            return .other
        }

        /// §4.2.7: base64 between colons.
        private mutating func byteSequence() -> Bool {
            index += 1
            while let byte = current {
                index += 1
                if byte == UInt8(ascii: ":") { return true }
                guard
                    isLetter(byte) || isDigit(byte) || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "/")
                        || byte == UInt8(ascii: "=")
                else { return false }
            }
            return false
        }

        /// §4.2.8: `?0` or `?1`.
        private mutating func boolean() -> Value? {
            index += 1
            guard let byte = current, byte == UInt8(ascii: "0") || byte == UInt8(ascii: "1") else { return nil }
            index += 1
            return .boolean(byte == UInt8(ascii: "1"))
        }

        private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
        private func isLowercaseLetter(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z") }
        private func isLetter(_ byte: UInt8) -> Bool { isLowercaseLetter(byte | 0x20) }
    }
}
