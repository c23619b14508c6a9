// Strings that nearly every head carries, returned as literals instead of decoded from the bytes.
//
// Decoding even a short string (`String(decoding:as:)`: validate, then build) costs a couple of
// hundred instructions, and every request has a method and every response a reason phrase. The
// few spellings that make up almost all traffic are recognized by their length and bytes and
// answered with a literal, which costs nothing to make, copy or release. Anything else is decoded
// as before.

/// Literal strings for the common methods and reason phrases.
enum InternedStrings {
    /// The method in `range` of `bytes` (already checked to be a token).
    static func method(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> String {
        let slice = UnsafeRawBufferPointer(rebasing: bytes[range])
        switch slice.count {
        case 3:
            if matches(slice, "GET") { return "GET" }
            if matches(slice, "PUT") { return "PUT" }
        case 4:
            if matches(slice, "HEAD") { return "HEAD" }
            if matches(slice, "POST") { return "POST" }
        case 5:
            if matches(slice, "PATCH") { return "PATCH" }
        case 6:
            if matches(slice, "DELETE") { return "DELETE" }
        case 7:
            if matches(slice, "OPTIONS") { return "OPTIONS" }
        default:
            break
        }
        return HeadScanner.string(bytes, range)
    }

    /// The reason phrase in `range` of `bytes` (already checked to hold field-value bytes only).
    static func reason(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> String {
        let slice = UnsafeRawBufferPointer(rebasing: bytes[range])
        switch slice.count {
        case 0: return ""
        case 2: if matches(slice, "OK") { return "OK" }
        case 5: if matches(slice, "Found") { return "Found" }
        case 9: if matches(slice, "Not Found") { return "Not Found" }
        case 10: if matches(slice, "No Content") { return "No Content" }
        case 12: if matches(slice, "Not Modified") { return "Not Modified" }
        case 15: if matches(slice, "Partial Content") { return "Partial Content" }
        case 17: if matches(slice, "Moved Permanently") { return "Moved Permanently" }
        default: break
        }
        return FieldText.decode(slice)
    }

    @inline(__always)
    private static func matches(_ bytes: UnsafeRawBufferPointer, _ literal: StaticString) -> Bool {
        guard literal.utf8CodeUnitCount == bytes.count else { return false }
        let expected = literal.utf8Start
        for index in 0..<bytes.count where bytes[index] != expected[index] { return false }
        return true
    }
}
