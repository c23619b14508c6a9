import PorticoHTTP

// Selecting a stored response by its Vary field (RFC 9111 §4.1).
//
// A stored response is keyed by its URI (CacheKey) and, when it has a Vary field, by a secondary
// key: for each field name Vary lists, the value of that field in the request that produced it.
// A later request selects the response only if each of those fields has the same normalized
// value in it, and absent fields match only absent fields ("if a header field is absent from a
// request, it can only match another request if it is also absent there").
//
// Normalization, limited to what §4.1 allows for any field:
//   - field lines with the same name are combined with ", " (RFC 9110 §5.3);
//   - OWS around list commas (outside quoted strings) and at the ends is dropped, so
//     `gzip,deflate` and `gzip ,  deflate` match; empty list elements are kept, so nothing with
//     a meaning is removed;
//   - nothing else: values stay case-sensitive and unordered lists are not sorted. That costs a
//     few extra misses (`GZIP` vs `gzip`) but never selects a response for a request the origin
//     might have answered differently.
// `Vary: *` (or a member that is not a valid field name, which this cache cannot evaluate)
// never matches; Storability does not store such responses.

/// Vary field names and secondary keys (RFC 9111 §4.1).
public enum Variants {
    /// The field names a response's Vary lists, lowercased, in order, without duplicates; `"*"`
    /// stands for `Vary: *` and for any member that is not a token. Empty: the response does
    /// not vary.
    public static func fieldNames(_ responseHeaders: HTTPHeaders) -> [String] {
        var names: [String] = []
        for name in responseHeaders.tokens("Vary") {
            let member = FieldValueSyntax.isToken(name[...]) ? name : "*"
            if !names.contains(member) { names.append(member) }
        }
        return names
    }

    /// The secondary key: for each of `fieldNames`, the request's normalized value, or nil when
    /// the request has no such field (so absent and empty stay distinct).
    public static func secondaryKey(fieldNames: [String], requestHeaders: HTTPHeaders) -> [String?] {
        fieldNames.map { normalizedValue(of: $0, in: requestHeaders) }
    }

    /// Whether `requestHeaders` selects a response stored with `fieldNames` (its Vary) and
    /// `storedValues` (its secondary key). A response whose Vary has `*` never matches.
    public static func matches(fieldNames: [String], storedValues: [String?], requestHeaders: HTTPHeaders) -> Bool {
        guard !fieldNames.contains("*"), fieldNames.count == storedValues.count else { return false }
        for (name, stored) in zip(fieldNames, storedValues)
        where normalizedValue(of: name, in: requestHeaders) != stored {
            return false
        }
        return true
    }

    /// All lines of `name` combined and whitespace-normalized (see the file comment), or nil
    /// when there is no such line.
    public static func normalizedValue(of name: String, in headers: HTTPHeaders) -> String? {
        let lines = headers.values(name)
        guard !lines.isEmpty else { return nil }
        var elements: [Substring] = []
        for line in lines { elements.append(contentsOf: FieldValueSyntax.elements(line[...])) }
        return elements.joined(separator: ", ")
    }
}
