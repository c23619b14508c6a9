// Range requests answered from a stored response (RFC 9110 §14).
//
// A stored 200 answers a GET with `Range: bytes=…` as a 206 carrying one part of the body, so
// clients that resume downloads or seek in media are served from memory like any other hit. Only
// the simple, common form is honoured: a single byte range (`first-last`, `first-`, or `-suffix`).
// Several ranges in one request are answered with the whole 200, which §14.2 allows ("a server
// MAY ignore the Range header field"), and so is anything that does not parse: a recipient MUST
// ignore a Range it does not understand. A request whose `If-Range` does not match the stored
// response gets the whole 200 too (§13.1.5); its entity-tag must match strongly, its date must be
// the stored Last-Modified exactly, and that Last-Modified must be a strong validator: at least a
// second before the stored Date (§8.8.2.2), else the origin may have changed the content within
// the same second and the date proves nothing.
//
// Worked numbers, length 1000: `bytes=0-499` → 0..<500; `bytes=500-` → 500..<1000;
// `bytes=-100` → 900..<1000; `bytes=990-2000` → 990..<1000 (the last position is clamped);
// `bytes=1000-` → unsatisfiable (416, `Content-Range: bytes */1000`).

import PorticoHTTP

/// What a stored body of a given length makes of a request's Range.
public enum ByteRange: Sendable, Equatable {
    /// No usable Range: serve the whole response.
    case whole
    /// Serve these bytes of the body as a 206.
    case part(Range<Int>)
    /// The one range asked for starts past the end: 416.
    case unsatisfiable

    /// The answer to `requestHeaders` (of a GET) for a stored response with `storedHeaders`
    /// and a body of `length` bytes, at `now` (for dates with two-digit years).
    public static func evaluate(requestHeaders: HTTPHeaders, storedHeaders: HTTPHeaders, length: Int, now: Double)
        -> ByteRange
    {
        let values = requestHeaders.values("Range")
        guard values.count == 1, let value = values.first else { return .whole }
        if let condition = requestHeaders["If-Range"], !ifRangeMatches(condition, storedHeaders, now: now) {
            return .whole
        }
        return parse(value, length: length)
    }

    /// `bytes=…` with exactly one range-spec, against a body of `length` bytes.
    public static func parse(_ value: String, length: Int) -> ByteRange {
        let trimmed = value.trimmingOWS
        guard trimmed.lowercased().hasPrefix("bytes=") else { return .whole }
        let spec = String(trimmed.dropFirst(6)).trimmingOWS
        guard !spec.contains(","), let dash = spec.firstIndex(of: "-") else { return .whole }
        let first = String(spec[..<dash]).trimmingOWS
        let last = String(spec[spec.index(after: dash)...]).trimmingOWS
        if first.isEmpty {
            // suffix-range: the last N bytes.
            guard let suffix = digits(last) else { return .whole }
            guard suffix > 0, length > 0 else { return .unsatisfiable }
            return .part(max(0, length - suffix)..<length)
        }
        guard let start = digits(first) else { return .whole }
        var end = length - 1
        if !last.isEmpty {
            guard let stated = digits(last), stated >= start else { return .whole }
            end = min(stated, length - 1)
        }
        guard start < length else { return .unsatisfiable }
        return .part(start..<(end + 1))
    }

    /// §13.1.5: a strong entity-tag equal to the stored one, or an HTTP-date equal to the stored
    /// Last-Modified when that is a strong validator (§8.8.2.2: at least one second before the
    /// stored Date).
    static func ifRangeMatches(_ condition: String, _ stored: HTTPHeaders, now: Double) -> Bool {
        let condition = condition.trimmingOWS
        if condition.hasPrefix("\"") || condition.hasPrefix("W/") {
            guard let etag = Conditional.entityTag(in: stored) else { return false }
            return Conditional.stronglyMatch(condition, etag)
        }
        guard let lastModifiedField = stored["Last-Modified"], lastModifiedField == condition,
            let dateField = stored["Date"],
            let lastModified = HTTPDateParser.parse(lastModifiedField, now: now),
            let date = HTTPDateParser.parse(dateField, now: now)
        else { return false }
        return date - lastModified >= 1
    }

    /// `1*DIGIT` as a number (saturating), or nil.
    private static func digits(_ text: String) -> Int? {
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            return nil
        }
        return Int(text) ?? Int.max
    }
}

extension String {
    /// Without leading and trailing spaces and tabs.
    fileprivate var trimmingOWS: String {
        var utf8 = Substring(self).utf8
        while let first = utf8.first, first == UInt8(ascii: " ") || first == UInt8(ascii: "\t") {
            utf8 = utf8.dropFirst()
        }
        while let last = utf8.last, last == UInt8(ascii: " ") || last == UInt8(ascii: "\t") { utf8 = utf8.dropLast() }
        return String(Substring(utf8))
    }
}
