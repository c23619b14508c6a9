// The authority of an http(s) URI as a request names it, in the Host field, an absolute-form
// target or CONNECT's authority-form (RFC 9112 §3.2, RFC 9110 §4.2): `uri-host [ ":" port ]`,
// with the grammar of RFC 3986 §3.2.2-3.2.3 and no userinfo.
//
//   uri-host    = IP-literal / IPv4address / reg-name
//   IP-literal  = "[" ( IPv6address / IPvFuture ) "]"
//   reg-name    = *( unreserved / pct-encoded / sub-delims )
//   port        = *DIGIT
//
// The host must not be empty (RFC 9110 §4.2.1: an http URI with an empty host is invalid, and a
// recipient MUST reject it). A request whose Host does not parse gets a 400 (RFC 9112 §3.2):
// passed on, `a.test:abc` or `[::1` would reach a backend that reads it some other way.

/// Checks authorities byte by byte, without building strings.
enum Authority {
    /// Whether `range` of `bytes` is `uri-host [ ":" port ]` with a non-empty host; with
    /// `requiringPort`, the port must be there and not empty (CONNECT's authority-form).
    static func isValid(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, requiringPort: Bool = false) -> Bool {
        guard !range.isEmpty else { return false }
        var index = range.lowerBound
        if bytes[index] == UInt8(ascii: "[") {
            guard let close = (index..<range.upperBound).first(where: { bytes[$0] == UInt8(ascii: "]") }),
                isIPLiteral(bytes, (index + 1)..<close)
            else { return false }
            index = close + 1
        } else {
            let start = index
            while index < range.upperBound && bytes[index] != ASCII.colon {
                if bytes[index] == UInt8(ascii: "%") {
                    guard index + 2 < range.upperBound, isHexDigit(bytes[index + 1]), isHexDigit(bytes[index + 2])
                    else { return false }
                    index += 3
                    continue
                }
                guard isRegNameByte(bytes[index]) else { return false }
                index += 1
            }
            guard index > start else { return false }
        }
        guard index < range.upperBound else { return !requiringPort }
        guard bytes[index] == ASCII.colon else { return false }
        let port = (index + 1)..<range.upperBound
        if requiringPort && port.isEmpty { return false }
        return port.allSatisfy { ASCII.isDigit(bytes[$0]) }
    }

    /// `IPv6address / IPvFuture` between the brackets: hex digits, colons and dots for IPv6 (the
    /// exact arrangement is the resolver's to judge), or `v` HEXDIG… `.` then unreserved,
    /// sub-delims and colons.
    private static func isIPLiteral(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> Bool {
        guard let first = range.first else { return false }
        if bytes[first] == UInt8(ascii: "v") || bytes[first] == UInt8(ascii: "V") {
            guard let dot = range.first(where: { bytes[$0] == UInt8(ascii: ".") }), dot > first + 1,
                dot + 1 < range.upperBound,
                ((first + 1)..<dot).allSatisfy({ isHexDigit(bytes[$0]) })
            else { return false }
            return ((dot + 1)..<range.upperBound).allSatisfy { isRegNameByte(bytes[$0]) || bytes[$0] == ASCII.colon }
        }
        return isIPv6(bytes, range)
    }

    /// RFC 4291 §2.2 text: eight groups of 1-4 hex digits, or fewer with one `::` standing for
    /// the rest, the last 32 bits optionally as a dotted IPv4 address.
    private static func isIPv6(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> Bool {
        var groups = 0
        var compressed = false
        var index = range.lowerBound
        if index + 1 < range.upperBound, bytes[index] == ASCII.colon {
            // A leading `::`; a leading lone `:` is an error.
            guard bytes[index + 1] == ASCII.colon else { return false }
            compressed = true
            index += 2
            if index == range.upperBound { return true }
        }
        while index < range.upperBound {
            var end = index
            while end < range.upperBound, isHexDigit(bytes[end]) { end += 1 }
            if end < range.upperBound, bytes[end] == UInt8(ascii: ".") {
                // A dotted IPv4 tail takes two groups and ends the address.
                guard isIPv4(bytes, index..<range.upperBound) else { return false }
                groups += 2
                index = range.upperBound
                break
            }
            guard end > index, end - index <= 4 else { return false }
            groups += 1
            index = end
            guard index < range.upperBound else { break }
            guard bytes[index] == ASCII.colon else { return false }
            index += 1
            if index < range.upperBound, bytes[index] == ASCII.colon {
                guard !compressed else { return false }
                compressed = true
                index += 1
                if index == range.upperBound { break }
            } else if index == range.upperBound {
                return false  // A trailing lone `:`.
            }
        }
        return compressed ? groups <= 7 : groups == 8
    }

    /// Four decimal parts of 0-255 without leading zeros.
    private static func isIPv4(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> Bool {
        var parts = 0
        var index = range.lowerBound
        while index <= range.upperBound {
            var end = index
            var value = 0
            while end < range.upperBound, ASCII.isDigit(bytes[end]), end - index < 3 {
                value = value * 10 + Int(bytes[end] &- 0x30)
                end += 1
            }
            guard end > index, value <= 255, end - index == 1 || bytes[index] != 0x30 else { return false }
            parts += 1
            if end == range.upperBound { break }
            guard bytes[end] == UInt8(ascii: "."), parts < 4 else { return false }
            index = end + 1
        }
        return parts == 4
    }

    /// `unreserved / sub-delims` (RFC 3986 §2.2-2.3): letters, digits, `-._~` and `!$&'()*+,;=`.
    private static func isRegNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "!"),
            UInt8(ascii: "$"), UInt8(ascii: "&"), UInt8(ascii: "'"), UInt8(ascii: "("), UInt8(ascii: ")"),
            UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "="):
            return true
        default:
            return false
        }
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        ASCII.isDigit(byte) || (byte | 0x20 >= UInt8(ascii: "a") && byte | 0x20 <= UInt8(ascii: "f"))
    }
}
