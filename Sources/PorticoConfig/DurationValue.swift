/// Durations as `proxy.conf` writes them: `250ms`, `10s`, `5m`, `1h`.
///
/// A unit is required, because a bare `30` is ambiguous (nginx reads seconds, HAProxy
/// milliseconds); only `0` may go without one. Units ignore case. Values are whole numbers of their
/// unit: `1500ms`, not `1.5s`.
enum DurationValue {
    enum Failure: Error, Equatable {
        /// Not digits followed by a unit.
        case malformed
        /// A number other than 0 without a unit.
        case missingUnit
        /// More milliseconds than fit in 63 bits.
        case tooLarge
    }

    static func parse(_ text: String) throws(Failure) -> Duration {
        let lowered = text.lowercased()
        let digits = lowered.prefix { $0.isASCII && $0.isNumber }
        let unit = lowered[digits.endIndex...]
        let milliseconds: Int64
        switch unit {
        case "ms": milliseconds = 1
        case "s": milliseconds = 1000
        case "m": milliseconds = 60_000
        case "h": milliseconds = 3_600_000
        case "":
            guard !digits.isEmpty else { throw .malformed }
            guard digits.allSatisfy({ $0 == "0" }) else { throw .missingUnit }
            return .zero
        default: throw .malformed
        }
        let number: Int64
        do throws(Size.Failure) {
            number = try Size.number(digits)
        } catch {
            throw error == .tooLarge ? .tooLarge : .malformed
        }
        let (total, overflow) = number.multipliedReportingOverflow(by: milliseconds)
        if overflow { throw .tooLarge }
        return .milliseconds(total)
    }

    /// The largest unit that is exact: 90 s → `90s`, 300 s → `5m`, 0.25 s → `250ms`.
    static func format(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        guard attoseconds == 0 else {
            return "\(seconds * 1000 + attoseconds / 1_000_000_000_000_000)ms"
        }
        if seconds == 0 { return "0s" }
        if seconds % 3600 == 0 { return "\(seconds / 3600)h" }
        if seconds % 60 == 0 { return "\(seconds / 60)m" }
        return "\(seconds)s"
    }
}
