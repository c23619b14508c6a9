// The pieces of RFC 9110 §5.6 grammar that the caching rules share: comma-separated lists whose
// elements may hold quoted strings (§5.6.1, §5.6.4), tokens (§5.6.2) and delta-seconds (RFC 9111
// §1.2.2). `HTTPHeaders.tokens(_:)` splits at every comma, which is right for token lists such as
// Vary, but a `Cache-Control: no-cache="a, b"` element holds a comma inside its quotes.

/// Small parsers for list-based field values, shared by the cache policy files.
enum FieldValueSyntax {
    static let quote = UInt8(ascii: "\"")
    static let backslash = UInt8(ascii: "\\")
    static let comma = UInt8(ascii: ",")
    static let equals = UInt8(ascii: "=")

    /// The greatest delta-seconds a cache has to represent: a larger value, or one whose digits
    /// overflow, counts as 2^31 (RFC 9111 §1.2.2).
    static let deltaSecondsCap = 2_147_483_648

    /// The elements of `value` split at commas outside quoted strings, each trimmed of OWS. Empty
    /// elements are kept, so the caller decides whether they matter (RFC 9110 §5.6.1: a recipient
    /// of a list ignores them).
    static func elements(_ value: Substring) -> [Substring] {
        var result: [Substring] = []
        let bytes = value.utf8
        var start = bytes.startIndex
        var index = start
        var inQuotes = false
        var escaped = false
        while index != bytes.endIndex {
            let byte = bytes[index]
            if inQuotes {
                if escaped {
                    escaped = false
                } else if byte == backslash {
                    escaped = true
                } else if byte == quote {
                    inQuotes = false
                }
            } else if byte == quote {
                inQuotes = true
            } else if byte == comma {
                result.append(trimmed(value[start..<index]))
                start = bytes.index(after: index)
            }
            index = bytes.index(after: index)
        }
        result.append(trimmed(value[start..<bytes.endIndex]))
        return result
    }

    /// `value` without leading and trailing SP and HTAB (RFC 9110 §5.6.3 OWS).
    static func trimmed(_ value: Substring) -> Substring {
        let bytes = value.utf8
        var start = bytes.startIndex
        var end = bytes.endIndex
        while start != end, isWhitespace(bytes[start]) { start = bytes.index(after: start) }
        while start != end {
            let last = bytes.index(before: end)
            guard isWhitespace(bytes[last]) else { break }
            end = last
        }
        return value[start..<end]
    }

    /// RFC 9110 §5.6.2: `token = 1*tchar`.
    static func isToken(_ value: Substring) -> Bool {
        !value.isEmpty && value.utf8.allSatisfy(isTchar)
    }

    /// RFC 9110 §5.6.2 `tchar`.
    static func isTchar(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "A")...UInt8(ascii: "Z"):
            return true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
            UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
            UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t")
    }

    /// The content of a quoted-string (RFC 9110 §5.6.4) that makes up all of `value`, with
    /// quoted-pairs unescaped; nil when `value` is not exactly one quoted-string.
    static func unquoted(_ value: Substring) -> String? {
        let bytes = value.utf8
        guard bytes.count >= 2, bytes.first == quote else { return nil }
        var content: [UInt8] = []
        var index = bytes.index(after: bytes.startIndex)
        while index != bytes.endIndex {
            let byte = bytes[index]
            if byte == quote {
                // The closing quote must end the value.
                return bytes.index(after: index) == bytes.endIndex ? String(decoding: content, as: UTF8.self) : nil
            }
            if byte == backslash {
                index = bytes.index(after: index)
                guard index != bytes.endIndex else { return nil }
                content.append(bytes[index])
            } else {
                content.append(byte)
            }
            index = bytes.index(after: index)
        }
        return nil
    }

    /// RFC 9111 §1.2.2: `delta-seconds = 1*DIGIT`, capped at 2^31; nil for anything else
    /// (a sign, a fraction, a letter, nothing).
    static func deltaSeconds(_ value: Substring) -> Int? {
        guard !value.isEmpty else { return nil }
        var result = 0
        for byte in value.utf8 {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            // Saturate rather than overflow; any value past the cap reads as the cap.
            if result < deltaSecondsCap { result = result * 10 + Int(byte - UInt8(ascii: "0")) }
        }
        return min(result, deltaSecondsCap)
    }

    /// `value` with ASCII letters lowercased (field names and directive names are
    /// case-insensitive, RFC 9110 §5.1, RFC 9111 §5.2).
    static func lowercased(_ value: Substring) -> String {
        let utf8 = value.utf8
        // Directive and field names are nearly always lowercase already, and short enough to be
        // small strings: then no allocation at all.
        guard utf8.contains(where: { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }) else { return String(value) }
        return String(unsafeUninitializedCapacity: utf8.count) { buffer in
            var index = 0
            for byte in utf8 {
                buffer[index] = byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
                index += 1
            }
            return index
        }
    }
}
