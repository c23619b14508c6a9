// Byte classes of the HTTP grammar (RFC 9110 §5.6, RFC 9112 §2-§7) as branch-light tests on a
// single byte. The parsers call these once per byte, so they are bit tests on two 64-bit masks
// (bit n of `low` is byte n, bit n of `high` is byte 64 + n) instead of tables or String work.

/// Character classes and small byte helpers shared by the parsers and header lookups.
enum ASCII {
    static let cr: UInt8 = 0x0D
    static let lf: UInt8 = 0x0A
    static let sp: UInt8 = 0x20
    static let htab: UInt8 = 0x09
    static let colon: UInt8 = 0x3A
    static let comma: UInt8 = 0x2C
    static let semicolon: UInt8 = 0x3B

    /// RFC 9110 §5.6.2: `tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." /
    /// "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA`.
    @inline(__always)
    static func isTchar(_ byte: UInt8) -> Bool {
        let low: UInt64 = 0x03FF_6CFA_0000_0000
        let high: UInt64 = 0x57FF_FFFF_C7FF_FFFE
        return inMask(byte, low: low, high: high)
    }

    /// RFC 9110 §5.5: `field-vchar = VCHAR / obs-text`, plus SP and HTAB inside a value. Everything
    /// else (NUL, CR, LF, other controls, DEL) is refused.
    @inline(__always)
    static func isFieldValueByte(_ byte: UInt8) -> Bool {
        (byte >= 0x20 && byte != 0x7F) || byte == htab
    }

    /// RFC 9110 §5.6.3: `OWS = *( SP / HTAB )`.
    @inline(__always)
    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == sp || byte == htab
    }

    @inline(__always)
    static func isDigit(_ byte: UInt8) -> Bool {
        byte &- 0x30 < 10
    }

    @inline(__always)
    static func lowercased(_ byte: UInt8) -> UInt8 {
        byte &- 0x41 < 26 ? byte | 0x20 : byte
    }

    /// The value of a hexadecimal digit, or nil.
    @inline(__always)
    static func hexValue(_ byte: UInt8) -> UInt8? {
        if byte &- 0x30 < 10 { return byte &- 0x30 }
        let lower = byte | 0x20
        if lower &- 0x61 < 6 { return lower &- 0x61 + 10 }
        return nil
    }

    /// Branch-free: the mask is selected by bit 6 and bytes of 128 and above select nothing, so
    /// the name loops do not mispredict on every letter/punctuation change.
    @inline(__always)
    private static func inMask(_ byte: UInt8, low: UInt64, high: UInt64) -> Bool {
        let mask = byte & 0x40 == 0 ? low : high
        let bit = (mask >> UInt64(byte & 0x3F)) & 1
        return bit & UInt64(~byte >> 7) != 0
    }

    /// Case-insensitive (ASCII only) comparison, as field names compare (RFC 9110 §5.1): bytes
    /// outside A-Z and a-z must be equal.
    @inline(__always)
    static func equalsIgnoringCase(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        guard a.count == b.count else { return false }
        for index in 0..<a.count where lowercased(a[index]) != lowercased(b[index]) { return false }
        return true
    }

    /// Whether `bytes`, lowercased over ASCII, equals `lowercaseName` exactly. Unlike
    /// `bytes(_:equalLowercase:)` this holds for any bytes, not only tchar: names built by hand
    /// reach it too.
    @inline(__always)
    static func equalsIgnoringCase(_ bytes: UnsafeRawBufferPointer, lowercase lowercaseName: StaticString) -> Bool {
        guard bytes.count == lowercaseName.utf8CodeUnitCount else { return false }
        let name = lowercaseName.utf8Start
        for index in 0..<bytes.count where lowercased(bytes[index]) != name[index] { return false }
        return true
    }

    /// Whether `bytes` equals `lowercaseName` ignoring ASCII case. `lowercaseName` must be
    /// lowercase letters, digits and "-"; for those `byte | 0x20` is the lowercase form and no other
    /// tchar maps onto them.
    @inline(__always)
    static func bytes(_ bytes: UnsafeRawBufferPointer, equalLowercase lowercaseName: StaticString) -> Bool {
        guard bytes.count == lowercaseName.utf8CodeUnitCount else { return false }
        let name = lowercaseName.utf8Start
        for index in 0..<bytes.count where bytes[index] | 0x20 != name[index] {
            return false
        }
        return true
    }
}
