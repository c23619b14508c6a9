import PorticoHTTP

// CDN-Cache-Control (RFC 9213): cache directives aimed at CDN caches, Portico's role in front of a
// site. An origin can then tell Portico one thing and browsers another (`CDN-Cache-Control:
// max-age=600` beside `Cache-Control: no-store`).
//
// §2.2: when the field has a valid, non-empty value, its directives replace `Cache-Control`'s and
// `Expires` for this response; otherwise it is ignored, as if absent. The field is passed on
// unchanged either way: a cache behind Portico may use it too.
//
// §2.1: the value is a Structured Field Dictionary (RFC 8941 §3.2), parsed strictly: any syntax
// error, an upper-case key, a space before `=` or a trailing comma, makes the whole field invalid.
// Members then read as directives with the meaning they have in `Cache-Control`:
// - `key` (Boolean true) is the bare directive, `key=?0` is absent;
// - `key=N` with a non-negative Integer is `key=N`;
// - any other value (a String, Token, Decimal, negative Integer, Byte Sequence or Inner List) is
//   a value the directive cannot take (§2.1: "SHOULD NOT consume values that violate these
//   inferred constraints"), read as `Cache-Control` reads an invalid argument: a lifetime of 0,
//   a restricting directive still restricting, a relaxing one ignored.
// Parameters are ignored (§2.1). A key repeated keeps its last value (RFC 8941 §4.2.2).

extension CacheControl {
    /// The directives a response gives this cache: `CDN-Cache-Control`'s when that field is
    /// valid and not empty (then `isTargeted` is true, and `Expires` does not count either), else
    /// those of `Cache-Control`.
    public init(responseHeaders headers: HTTPHeaders) {
        guard headers.contains("CDN-Cache-Control"),
            let members = StructuredDictionary.parse(headers.values("CDN-Cache-Control").joined(separator: ", ")),
            !members.isEmpty
        else {
            self.init(headers)
            return
        }
        var directives: [UInt8] = []
        for (key, value) in members {
            let argument: String
            switch value {
            case .boolean(true): argument = ""
            case .boolean(false): continue
            case .integer(let number) where number >= 0: argument = "=\(number)"
            case .integer, .other: argument = "=invalid"
            }
            if !directives.isEmpty { directives.append(FieldValueSyntax.comma) }
            directives.append(contentsOf: key.utf8)
            directives.append(contentsOf: argument.utf8)
        }
        self.init()
        directives.withUnsafeBufferPointer { parse($0) }
        isTargeted = true
    }
}
