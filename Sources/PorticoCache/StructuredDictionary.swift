// RFC 8941 Dictionaries, as `CDN-Cache-Control` (RFC 9213 §2.1) carries them: parsed strictly,
// every member's key kept with only what cache directives can use of its value. Bytes, not
// Substrings, as `CacheControl` parses.

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
