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
        return range.contains(where: { bytes[$0] == ASCII.colon })
            && range.allSatisfy {
                isHexDigit(bytes[$0]) || bytes[$0] == ASCII.colon || bytes[$0] == UInt8(ascii: ".")
            }
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
