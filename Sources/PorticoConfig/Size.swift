/// Byte sizes as `proxy.conf` writes them: `512`, `64k`, `16m`, `1g`.
///
/// The suffixes are powers of 1024 and ignore case (`64K` = `64k` = 65536), as in nginx. There is no
/// fractional form: `1.5m` is written `1536k`.
enum Size {
    enum Failure: Error, Equatable {
        /// Not digits with an optional suffix.
        case malformed
        /// Does not fit in 63 bits.
        case tooLarge
    }

    static let kilobyte: Int64 = 1 << 10
    static let megabyte: Int64 = 1 << 20
    static let gigabyte: Int64 = 1 << 30

    static func parse(_ text: String) throws(Failure) -> Int64 {
        var digits = Substring(text)
        var multiplier: Int64 = 1
        switch text.last {
        case "k", "K": multiplier = kilobyte
        case "m", "M": multiplier = megabyte
        case "g", "G": multiplier = gigabyte
        default: break
        }
        if multiplier != 1 { digits = digits.dropLast() }
        let number = try Size.number(digits)
        let (bytes, overflow) = number.multipliedReportingOverflow(by: multiplier)
        if overflow { throw .tooLarge }
        return bytes
    }

    /// The shortest exact spelling: 65536 → `64k`, 1000 → `1000`.
    static func format(_ bytes: Int64) -> String {
        guard bytes != 0 else { return "0" }
        if bytes % gigabyte == 0 { return "\(bytes / gigabyte)g" }
        if bytes % megabyte == 0 { return "\(bytes / megabyte)m" }
        if bytes % kilobyte == 0 { return "\(bytes / kilobyte)k" }
        return "\(bytes)"
    }

    /// ASCII digits only: no sign, no spaces, no underscores.
    static func number(_ digits: Substring) throws(Failure) -> Int64 {
        guard !digits.isEmpty else { throw .malformed }
        var value: Int64 = 0
        for byte in digits.utf8 {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { throw .malformed }
            let (shifted, overflowA) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflowB) = shifted.addingReportingOverflow(Int64(byte - UInt8(ascii: "0")))
            if overflowA || overflowB { throw .tooLarge }
            value = sum
        }
        return value
    }
}
