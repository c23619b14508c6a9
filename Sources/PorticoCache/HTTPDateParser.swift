// HTTP-date (RFC 9110 §5.6.7), parsed without Foundation or the C library.
//
// A recipient MUST accept all three formats:
//   IMF-fixdate  Sun, 06 Nov 1994 08:49:37 GMT   (the only one senders generate)
//   rfc850-date  Sunday, 06-Nov-94 08:49:37 GMT  (obsolete; two-digit year)
//   asctime-date Sun Nov  6 08:49:37 1994        (obsolete; day padded with a space)
// HTTP-date has no optional whitespace, so the parser follows the grammar exactly, except in
// one way: names (days, months, `GMT`) match in any case. The grammar is case-sensitive, but a
// cache recipient SHOULD match case-insensitively (RFC 9111 §4.2), and all of Portico's dates are
// read for caching. Anything else (other zones, "0", lists of dates) is nil, which callers treat as
// "invalid" (an invalid Expires means already expired, RFC 9111 §5.3). The day name is checked
// to be a day name but not to match the date. Hours run 00-23, minutes 00-59, seconds 00-60
// (the grammar's `second = 2DIGIT`, with room for a leap second), days must exist in their month.
//
// Two-digit years: "Recipients of a timestamp value in rfc850-date format ... MUST interpret a
// timestamp that appears to be more than 50 years in the future as representing the most recent
// year in the past that had the same last two digits" (§5.6.7). That depends on the present, so
// `parse` takes `now`; the year chosen is the one with those digits within (now − 50 years,
// now + 50 years].
//
// Days from a civil date and back use Howard Hinnant's algorithms ("chrono-Compatible Low-Level
// Date Algorithms"), exact for the proleptic Gregorian calendar, negative years included.

/// Parses and formats HTTP-date values (RFC 9110 §5.6.7) as wall-clock seconds since 1970.
public enum HTTPDateParser {
    private static let dayNames = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let longDayNames = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
    private static let monthNames = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
    /// The names in upper case, which is how `parse` compares (the input is folded to match).
    private static let foldedDayNames = dayNames.map { Array($0.uppercased().utf8) }
    private static let foldedLongDayNames = longDayNames.map { Array($0.uppercased().utf8) }
    private static let foldedMonthNames = monthNames.map { Array($0.uppercased().utf8) }

    /// The instant `value` names, or nil when it is not an HTTP-date in one of the three formats.
    ///
    /// `now` (seconds since 1970) only resolves the two-digit year of an rfc850-date.
    public static func parse(_ value: String, now: Double) -> Double? {
        // Letters folded to upper case, as the tables are: names match in any case.
        let bytes = FieldValueSyntax.trimmed(value[...]).utf8.map { $0 >= 0x61 && $0 <= 0x7A ? $0 - 0x20 : $0 }
        guard bytes.count >= 24 else { return nil }
        if bytes[3] == UInt8(ascii: ",") { return parseIMFFixdate(bytes) }
        if bytes[3] == UInt8(ascii: " ") { return parseAsctime(bytes) }
        return parseRFC850(bytes, now: now)
    }

    /// `seconds` (rounded down to a whole second) as an IMF-fixdate,
    /// e.g. `784111777` → `Sun, 06 Nov 1994 08:49:37 GMT`.
    public static func format(_ seconds: Double) -> String {
        // Clamp to what a 4-digit-or-more year can hold without overflowing Int.
        let clamped = seconds.isNaN ? 0 : min(max(seconds, -1e15), 1e15)
        let whole = Int(clamped.rounded(.down))
        let days = floorDivide(whole, 86_400)
        let secondOfDay = whole - days * 86_400
        let (year, month, day) = civil(fromDays: days)
        let weekday = ((days + 4) % 7 + 7) % 7  // 1970-01-01 was a Thursday.
        var out = dayNames[weekday] + ", "
        out += twoDigits(day) + " " + monthNames[month - 1] + " "
        out += (year >= 0 && year < 1000 ? String(repeating: "0", count: 4 - String(year).count) : "") + String(year)
        out += " " + twoDigits(secondOfDay / 3600) + ":" + twoDigits(secondOfDay / 60 % 60) + ":"
        out += twoDigits(secondOfDay % 60) + " GMT"
        return out
    }

    // MARK: - The three formats

    /// `Sun, 06 Nov 1994 08:49:37 GMT`
    private static func parseIMFFixdate(_ b: [UInt8]) -> Double? {
        guard b.count == 29, foldedDayNames.contains(Array(b[0..<3])), b[4] == sp, b[7] == sp, b[11] == sp, b[16] == sp,
            b[25] == sp, b[26...28].elementsEqual("GMT".utf8),
            let day = digits(b, 5, 2), let month = month(b, 8), let year = digits(b, 12, 4),
            let time = timeOfDay(b, 17)
        else { return nil }
        return instant(year: year, month: month, day: day, time: time)
    }

    /// `Sunday, 06-Nov-94 08:49:37 GMT`
    private static func parseRFC850(_ b: [UInt8], now: Double) -> Double? {
        guard let comma = b.firstIndex(of: UInt8(ascii: ",")), foldedLongDayNames.contains(Array(b[0..<comma])) else {
            return nil
        }
        let s = comma + 1  // The SP before the date.
        guard b.count == s + 23, b[s] == sp, b[s + 3] == dash, b[s + 7] == dash, b[s + 10] == sp,
            b[s + 19] == sp, b[(s + 20)...].elementsEqual("GMT".utf8),
            let day = digits(b, s + 1, 2), let month = month(b, s + 4), let twoDigitYear = digits(b, s + 8, 2),
            let time = timeOfDay(b, s + 11)
        else { return nil }
        // RFC 9110 §5.6.7: a date more than 50 years ahead of now is the most recent one in the
        // past with those two digits. Decided on the instant, not the year: `24-Dec-76` read on
        // 4 Dec 2026 is 50 years and 20 days ahead as 2076, so it is 1976.
        let year = fullYear(twoDigitYear, now: now)
        guard let candidate = instant(year: year, month: month, day: day, time: time) else { return nil }
        if candidate > now + fiftyYears { return instant(year: year - 100, month: month, day: day, time: time) }
        if candidate <= now - fiftyYears { return instant(year: year + 100, month: month, day: day, time: time) }
        return candidate
    }

    /// 50 Gregorian years in seconds (365.2425 days each).
    private static let fiftyYears = 50 * 365.2425 * 86_400

    /// `Sun Nov  6 08:49:37 1994`
    private static func parseAsctime(_ b: [UInt8]) -> Double? {
        guard b.count == 24, foldedDayNames.contains(Array(b[0..<3])), b[3] == sp, b[7] == sp, b[10] == sp, b[19] == sp,
            let month = month(b, 4), let time = timeOfDay(b, 11), let year = digits(b, 20, 4)
        else { return nil }
        // day = 2DIGIT / ( SP 1DIGIT )
        let day: Int
        if b[8] == sp, let units = digits(b, 9, 1) {
            day = units
        } else if let both = digits(b, 8, 2) {
            day = both
        } else {
            return nil
        }
        return instant(year: year, month: month, day: day, time: time)
    }

    // MARK: - Pieces

    private static let sp = UInt8(ascii: " ")
    private static let dash = UInt8(ascii: "-")
    private static let colon = UInt8(ascii: ":")

    /// `count` decimal digits at `start`, or nil.
    private static func digits(_ b: [UInt8], _ start: Int, _ count: Int) -> Int? {
        var value = 0
        for index in start..<(start + count) {
            let byte = b[index]
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }

    /// The month (1-12) named by the three bytes at `start`.
    private static func month(_ b: [UInt8], _ start: Int) -> Int? {
        let name = Array(b[start..<(start + 3)])
        return foldedMonthNames.firstIndex(of: name).map { $0 + 1 }
    }

    /// `HH:MM:SS` at `start`, as seconds into the day.
    private static func timeOfDay(_ b: [UInt8], _ start: Int) -> Int? {
        guard b[start + 2] == colon, b[start + 5] == colon, let hour = digits(b, start, 2),
            let minute = digits(b, start + 3, 2), let second = digits(b, start + 6, 2),
            hour <= 23, minute <= 59, second <= 60
        else { return nil }
        return hour * 3600 + minute * 60 + second
    }

    private static func instant(year: Int, month: Int, day: Int, time: Int) -> Double? {
        guard day >= 1, day <= daysIn(month: month, year: year) else { return nil }
        return Double(days(year: year, month: month, day: day) * 86_400 + time)
    }

    /// The year ending in `twoDigits` in the century of `now`.
    static func fullYear(_ twoDigits: Int, now: Double) -> Int {
        let currentYear = civil(fromDays: floorDivide(Int(min(max(now, -1e15), 1e15).rounded(.down)), 86_400)).year
        return currentYear - ((currentYear % 100) + 100) % 100 + twoDigits
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2:
            let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
            return leap ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's `days_from_civil`).
    private static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = floorDivide(y, 400)
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The civil date of a day number (Hinnant's `civil_from_days`).
    private static func civil(fromDays days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = floorDivide(z, 146_097)
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func floorDivide(_ a: Int, _ b: Int) -> Int {
        let quotient = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? quotient - 1 : quotient
    }

    private static func twoDigits(_ value: Int) -> String {
        value < 10 ? "0\(value)" : "\(value)"
    }
}
