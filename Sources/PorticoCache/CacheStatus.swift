// The Cache-Status response field (RFC 9211), one list member per cache.
//
// Syntax is a Structured Fields list member (RFC 8941 §3.1): the cache's name, `portico`, as an
// sf-token, then `; key` for a true Boolean and `; key=value` otherwise. Parameters are written in
// a fixed order — hit or fwd, fwd-status, ttl, stored, collapsed, detail — so the field is stable
// across requests (the `key` parameter, §2.7, is never sent):
//   portico; hit; ttl=42
//   portico; fwd=miss; stored
//   portico; fwd=stale; fwd-status=304; ttl=60; stored
//   portico; fwd=uri-miss; detail=no-store
// A cache adds its member after those already present (§2: "the first member ... is the cache
// closest to the origin server"); appending a new `Cache-Status` field line has that effect
// (RFC 9110 §5.3).

import PorticoHTTP

/// One cache's `Cache-Status` list member (RFC 9211 §2).
public struct CacheStatus: Sendable, Equatable {
    /// §2.2 `fwd`: why the request went forward.
    public enum ForwardReason: String, Sendable, Equatable, CaseIterable {
        /// Configured to skip the cache.
        case bypass
        /// The method is not cacheable.
        case method
        /// No stored response for the URI.
        case uriMiss = "uri-miss"
        /// Stored responses for the URI, none selected by Vary.
        case varyMiss = "vary-miss"
        /// No usable stored response (when uri-miss and vary-miss cannot be told apart).
        case miss
        /// The request's directives demanded it (no-cache, max-age, min-fresh).
        case request
        /// A stored response was selected, but stale (or no-cache).
        case stale
        /// Part of the response was stored.
        case partial

        /// `rawValue` without going through a String.
        var token: StaticString {
            switch self {
            case .bypass: "bypass"
            case .method: "method"
            case .uriMiss: "uri-miss"
            case .varyMiss: "vary-miss"
            case .miss: "miss"
            case .request: "request"
            case .stale: "stale"
            case .partial: "partial"
            }
        }
    }

    /// Served from the cache (`hit`), or forwarded with a reason (`fwd`).
    public enum Outcome: Sendable, Equatable {
        case hit
        case forward(ForwardReason)
    }

    public var outcome: Outcome
    /// §2.3 `fwd-status`: the status the next hop answered with.
    public var forwardStatus: Int?
    /// §2.4 `ttl`: remaining freshness in whole seconds, negative when serving stale.
    public var ttl: Int?
    /// §2.5 `stored`.
    public var stored: Bool
    /// §2.6 `collapsed`: the request waited for another request's response.
    public var collapsed: Bool
    /// §2.8 `detail`, e.g. a `NotStoredReason.token`.
    public var detail: String?

    public init(
        outcome: Outcome,
        forwardStatus: Int? = nil,
        ttl: Int? = nil,
        stored: Bool = false,
        collapsed: Bool = false,
        detail: String? = nil
    ) {
        self.outcome = outcome
        self.forwardStatus = forwardStatus
        self.ttl = ttl
        self.stored = stored
        self.collapsed = collapsed
        self.detail = detail
    }

    /// A hit with `ttl` seconds of freshness left (negative: stale).
    public static func hit(ttl: Int?, collapsed: Bool = false, detail: String? = nil) -> CacheStatus {
        CacheStatus(outcome: .hit, ttl: ttl, collapsed: collapsed, detail: detail)
    }

    /// A forwarded request.
    public static func forward(
        _ reason: ForwardReason,
        status: Int? = nil,
        ttl: Int? = nil,
        stored: Bool = false,
        collapsed: Bool = false,
        detail: String? = nil
    ) -> CacheStatus {
        CacheStatus(
            outcome: .forward(reason), forwardStatus: status, ttl: ttl, stored: stored, collapsed: collapsed,
            detail: detail)
    }

    /// Whole seconds for `ttl`, from `EntryPolicy.remainingFreshness(at:)`: rounded toward
    /// negative infinity, so a response with half a second left shows 0 and one stale by half a
    /// second shows -1; clamped to the 15 digits of an sf-integer.
    public static func ttlSeconds(_ remaining: Double) -> Int {
        guard !remaining.isNaN else { return 0 }
        return Int(min(max(remaining, -999_999_999_999_999), 999_999_999_999_999).rounded(.down))
    }

    /// One word for logs: `hit`, `stale` (served stale), or why it went forward (`miss`,
    /// `uri-miss`, `stale` for a revalidation, …).
    public var summary: String {
        switch outcome {
        case .hit: (ttl ?? 0) < 0 ? "stale" : "hit"
        case .forward(let reason): reason.rawValue
        }
    }

    /// The list member, e.g. `portico; fwd=miss; stored`.
    public var fieldValue: String {
        withUnsafeTemporaryAllocation(byteCount: fieldValueBound, alignment: 1) { scratch in
            var writer = ByteWriter(scratch)
            write(to: &writer)
            return String(decoding: writer.written, as: UTF8.self)
        }
    }

    /// The most bytes `write(to:)` writes: an sf-string is at most twice its text plus quotes.
    public var fieldValueBound: Int {
        let longest = "portico; fwd=vary-miss; fwd-status=; ttl=; stored; collapsed; detail=".utf8.count
        return longest + 3 * ByteWriter.decimalBound + 2 * (detail?.utf8.count ?? 0) + 2
    }

    /// Writes `fieldValue`'s bytes: how the server writes it beside a shared stored head on every
    /// hit, and into each forwarded head, without building a String.
    public func write(to out: inout ByteWriter) {
        out.write("portico")
        switch outcome {
        case .hit: out.write("; hit")
        case .forward(let reason):
            out.write("; fwd=")
            out.write(reason.token)
        }
        if let forwardStatus {
            out.write("; fwd-status=")
            out.write(decimal: forwardStatus)
        }
        if let ttl {
            out.write("; ttl=")
            out.write(decimal: ttl)
        }
        if stored { out.write("; stored") }
        if collapsed { out.write("; collapsed") }
        if let detail {
            out.write("; detail=")
            out.write(string: Self.isToken(detail) ? detail : Self.string(detail))
        }
    }

    // MARK: - Structured Fields (RFC 8941)

    /// §3.3.4 sf-token: `( ALPHA / "*" ) *( tchar / ":" / "/" )`.
    static func isToken(_ value: String) -> Bool {
        var value = value
        return value.withUTF8 { isToken($0) }
    }

    private static func isToken(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let first = bytes.first,
            (first >= UInt8(ascii: "a") && first <= UInt8(ascii: "z"))
                || (first >= UInt8(ascii: "A") && first <= UInt8(ascii: "Z")) || first == UInt8(ascii: "*")
        else { return false }
        for byte in bytes
        where !(FieldValueSyntax.isTchar(byte) || byte == UInt8(ascii: ":") || byte == UInt8(ascii: "/")) {
            return false
        }
        return true
    }

    /// §3.3.3 sf-string: printable ASCII in quotes, `"` and `\` escaped. Other characters
    /// cannot be represented and become `?`.
    static func string(_ value: String) -> String {
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"", "\\": out += "\\" + String(scalar)
            case " "..."~": out.unicodeScalars.append(scalar)
            default: out += "?"
            }
        }
        return out + "\""
    }
}
