import PorticoHTTP

// Cache-Control (RFC 9111 §5.2), parsed once into values, for requests and responses alike.
//
// Syntax: `Cache-Control = #cache-directive`, `cache-directive = token [ "=" ( token /
// quoted-string ) ]` (§5.2). Every field line is read; directive names compare case-insensitively;
// arguments are accepted in both token and quoted-string form (§5.2: "recipients ought to accept
// both forms"); whitespace around "=" makes the argument invalid. Unknown directives are ignored
// (§5.2.3).
//
// Invalid and repeated directives — the choices, all on the side of caching less:
// - A delta-seconds argument that is missing or not `1*DIGIT` (`max-age=abc`, `max-age=-1`,
//   `max-age=1.5`, bare `max-age`) counts as 0. For max-age and s-maxage that makes the response
//   stale at once, as RFC 9111 §4.2.1 encourages ("consider responses that have invalid freshness
//   information ... to be stale"); for stale-while-revalidate, stale-if-error and max-stale=
//   it allows no staleness. An invalid min-fresh is ignored (0 is its least restrictive value
//   too). A value above 2^31 counts as 2^31 (§1.2.2).
// - A repeated directive keeps its most restrictive value (§4.2.1 allows "first occurrence" or
//   "stale"; the minimum is never less careful than either for a lifetime): the smallest for
//   max-age, s-maxage, max-stale, stale-while-revalidate and stale-if-error, the largest for
//   min-fresh. A bare `max-stale` (any staleness) only counts when no `max-stale=N` is present.
// - Directives that restrict (no-store, no-cache, private, must-revalidate, proxy-revalidate,
//   no-transform, only-if-cached) count however they are written, even with an argument they
//   should not have. Directives that relax (public, immutable, must-understand) count only in
//   their valid, argument-less form.
// - no-cache and private may list field names (§5.2.2.4, §5.2.2.7). A shared cache here treats
//   the qualified form exactly like the unqualified one (`noCache`, `isPrivate`): that is always
//   allowed and never serves a listed field unvalidated, so the names are not kept. (Keeping them
//   made the value hold two arrays, and every copy of it on the request path cost their retains.)

/// The directives of all `Cache-Control` field lines of a request or a response (RFC 9111 §5.2).
///
/// One type serves both directions; each property says which side defines it. Properties of the
/// other side are simply never set by a well-behaved sender and are ignored by the policy code.
public struct CacheControl: Sendable, Equatable {
    /// Unlimited or bounded staleness a client accepts (RFC 9111 §5.2.1.2).
    public enum MaxStale: Sendable, Equatable {
        /// `max-stale` without a value: any staleness.
        case any
        /// `max-stale=N`.
        case seconds(Int)

        /// Whether a response stale by `staleness` seconds is acceptable.
        public func allows(staleness: Double) -> Bool {
            switch self {
            case .any: return true
            case .seconds(let limit): return staleness <= Double(limit)
            }
        }
    }

    // MARK: - Both directions

    /// `max-age`: response §5.2.2.1 (freshness lifetime), request §5.2.1.1 (the oldest response the
    /// client accepts). Invalid arguments count as 0.
    public var maxAge: Int?
    /// `no-cache`: response §5.2.2.4 (store, but validate every use), request §5.2.1.4 (validate
    /// before using a stored response). True for the qualified form too.
    public var noCache = false
    /// `no-store`: response §5.2.2.5, request §5.2.1.5 — do not store.
    public var noStore = false
    /// `no-transform` (§5.2.1.6, §5.2.2.6).
    public var noTransform = false
    /// `stale-if-error` (RFC 5861 §4), valid in both directions.
    public var staleIfError: Int?

    // MARK: - Response directives

    /// `s-maxage` (§5.2.2.10): the lifetime for shared caches; implies proxy-revalidate.
    public var sMaxAge: Int?
    /// `public` (§5.2.2.9).
    public var isPublic = false
    /// `private` (§5.2.2.7). True for the qualified form too.
    public var isPrivate = false
    /// `must-revalidate` (§5.2.2.2).
    public var mustRevalidate = false
    /// `proxy-revalidate` (§5.2.2.8).
    public var proxyRevalidate = false
    /// `must-understand` (§5.2.2.3).
    public var mustUnderstand = false
    /// `stale-while-revalidate` (RFC 5861 §3).
    public var staleWhileRevalidate: Int?
    /// `immutable` (RFC 8246). Advice to clients; the shared cache does not act on it.
    public var immutable = false
    /// The directives came from `CDN-Cache-Control` (RFC 9213), which also overrides `Expires`.
    public var isTargeted = false

    // MARK: - Request directives

    /// `max-stale` (§5.2.1.2).
    public var maxStale: MaxStale?
    /// `min-fresh` (§5.2.1.3).
    public var minFresh: Int?
    /// `only-if-cached` (§5.2.1.7): answer from the cache or with 504.
    public var onlyIfCached = false

    /// No directives.
    public init() {}

    /// The directives of every `Cache-Control` line of `headers`. No Pragma handling: see
    /// `init(requestHeaders:)`.
    public init(_ headers: HTTPHeaders) {
        var found = false
        self = Self.parsing(headers, found: &found)
    }

    /// The directives of a request (§5.2.1), with `Pragma: no-cache` read as `no-cache` when the
    /// request has no `Cache-Control` field at all (RFC 9111 §5.4).
    public init(requestHeaders headers: HTTPHeaders) {
        var found = false
        self = Self.parsing(headers, found: &found)
        if !found, headers.hasToken("Pragma", "no-cache") {
            noCache = true
        }
    }

    /// Parses into a local value: a closure that mutated `self` in an initializer copied it.
    private static func parsing(_ headers: HTTPHeaders, found: inout Bool) -> CacheControl {
        var control = CacheControl()
        found = headers.forEachValue("Cache-Control") { control.parse($0.assumingMemoryBound(to: UInt8.self)) }
        return control
    }

    /// Applies the directives of one field line value. Bytes, not Substrings: every response that
    /// reaches the cache is parsed here, and String.Index arithmetic costs several times what a
    /// byte loop does.
    mutating func parse(_ bytes: UnsafeBufferPointer<UInt8>) {
        var start = 0
        var inQuotes = false
        var escaped = false
        for index in 0..<bytes.count {
            let byte = bytes[index]
            if inQuotes {
                if escaped {
                    escaped = false
                } else if byte == FieldValueSyntax.backslash {
                    escaped = true
                } else if byte == FieldValueSyntax.quote {
                    inQuotes = false
                }
            } else if byte == FieldValueSyntax.quote {
                inQuotes = true
            } else if byte == FieldValueSyntax.comma {
                apply(bytes, start..<index)
                start = index + 1
            }
        }
        apply(bytes, start..<bytes.count)
    }

    // MARK: - Parsing

    /// A directive's argument as received. Only delta-seconds are read from one: the
    /// directives with other arguments (`no-cache="…"`, `private="…"`) count as unqualified.
    private enum Argument {
        case none
        /// A well-formed token or quoted-string, and its delta-seconds value (nil when it is not
        /// `1*DIGIT`).
        case value(delta: Int?)
        case malformed
    }

    /// One list element, `range` of `bytes`: `name` or `name=argument`, OWS around both.
    private mutating func apply(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) {
        let element = Self.trimmed(bytes, range)
        guard !element.isEmpty else { return }
        var nameRange = element
        var argument = Argument.none
        if let equals = element.first(where: { bytes[$0] == FieldValueSyntax.equals }) {
            nameRange = Self.trimmed(bytes, element.lowerBound..<equals)
            let raw = (equals + 1)..<element.upperBound
            // The grammar has no whitespace around "=": `max-age = 60` is a max-age whose
            // argument is invalid (so 0: stale, as §4.2.1 advises), not a lifetime of 60.
            argument =
                nameRange.upperBound == equals && Self.trimmed(bytes, raw) == raw
                ? Self.argument(bytes, raw) : .malformed
        }
        guard !nameRange.isEmpty, nameRange.allSatisfy({ FieldValueSyntax.isTchar(bytes[$0]) }),
            let name = Name(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[nameRange])))
        else { return }
        apply(name: name, argument)
    }

    /// `token / quoted-string` (RFC 9110 §5.6.2, §5.6.4), read straight from the bytes: a quoted
    /// string must close at its end, and `\x` stands for `x`.
    private static func argument(_ bytes: UnsafeBufferPointer<UInt8>, _ raw: Range<Int>) -> Argument {
        guard let first = raw.first else { return .malformed }
        var digits = DeltaSeconds()
        guard bytes[first] == FieldValueSyntax.quote else {
            for index in raw {
                guard FieldValueSyntax.isTchar(bytes[index]) else { return .malformed }
                digits.append(bytes[index])
            }
            return .value(delta: digits.value)
        }
        var index = first + 1
        while index < raw.upperBound {
            var byte = bytes[index]
            if byte == FieldValueSyntax.quote {
                return index + 1 == raw.upperBound ? .value(delta: digits.value) : .malformed
            }
            if byte == FieldValueSyntax.backslash {
                index += 1
                guard index < raw.upperBound else { return .malformed }
                byte = bytes[index]
            }
            digits.append(byte)
            index += 1
        }
        return .malformed
    }

    /// `delta-seconds = 1*DIGIT` accumulated a byte at a time, capped at 2^31 (RFC 9111 §1.2.2).
    private struct DeltaSeconds {
        private var result = 0
        private var isValid = true
        private var isEmpty = true

        mutating func append(_ byte: UInt8) {
            isEmpty = false
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else {
                isValid = false
                return
            }
            // Saturate rather than overflow; any value past the cap reads as the cap.
            if result < FieldValueSyntax.deltaSecondsCap { result = result * 10 + Int(byte - UInt8(ascii: "0")) }
        }

        var value: Int? { isValid && !isEmpty ? min(result, FieldValueSyntax.deltaSecondsCap) : nil }
    }

    /// The directives this cache acts on, recognized from the bytes (ASCII case ignored) by
    /// their length first: no String is made for a name.
    private enum Name {
        case maxAge, sMaxAge, staleWhileRevalidate, staleIfError, minFresh, maxStale, noCache, isPrivate
        case noStore, mustRevalidate, proxyRevalidate, noTransform, onlyIfCached, isPublic, immutable
        case mustUnderstand

        init?(_ name: UnsafeRawBufferPointer) {
            func named(_ lowercase: StaticString) -> Bool { Self.equals(name, lowercase) }
            switch name.count {
            case 6: if named("public") { self = .isPublic } else { return nil }
            case 7:
                if named("max-age") {
                    self = .maxAge
                } else if named("private") {
                    self = .isPrivate
                } else {
                    return nil
                }
            case 8:
                if named("s-maxage") {
                    self = .sMaxAge
                } else if named("no-cache") {
                    self = .noCache
                } else if named("no-store") {
                    self = .noStore
                } else {
                    return nil
                }
            case 9:
                if named("min-fresh") {
                    self = .minFresh
                } else if named("max-stale") {
                    self = .maxStale
                } else if named("immutable") {
                    self = .immutable
                } else {
                    return nil
                }
            case 12: if named("no-transform") { self = .noTransform } else { return nil }
            case 14:
                if named("stale-if-error") {
                    self = .staleIfError
                } else if named("only-if-cached") {
                    self = .onlyIfCached
                } else {
                    return nil
                }
            case 15:
                if named("must-revalidate") {
                    self = .mustRevalidate
                } else if named("must-understand") {
                    self = .mustUnderstand
                } else {
                    return nil
                }
            case 16: if named("proxy-revalidate") { self = .proxyRevalidate } else { return nil }
            case 22: if named("stale-while-revalidate") { self = .staleWhileRevalidate } else { return nil }
            default: return nil
            }
        }

        private static func equals(_ bytes: UnsafeRawBufferPointer, _ lowercase: StaticString) -> Bool {
            guard bytes.count == lowercase.utf8CodeUnitCount else { return false }
            let name = lowercase.utf8Start
            for index in 0..<bytes.count {
                let byte = bytes[index]
                let lowered = byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
                if lowered != name[index] { return false }
            }
            return true
        }
    }

    private static func trimmed(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Range<Int> {
        var lower = range.lowerBound
        var upper = range.upperBound
        while lower < upper, FieldValueSyntax.isWhitespace(bytes[lower]) { lower += 1 }
        while upper > lower, FieldValueSyntax.isWhitespace(bytes[upper - 1]) { upper -= 1 }
        return lower..<upper
    }

    private mutating func apply(name: Name, _ argument: Argument) {
        let hasArgument: Bool
        if case .none = argument { hasArgument = false } else { hasArgument = true }

        switch name {
        case .maxAge: maxAge = Self.smallest(maxAge, Self.delta(argument))
        case .sMaxAge: sMaxAge = Self.smallest(sMaxAge, Self.delta(argument))
        case .staleWhileRevalidate:
            staleWhileRevalidate = Self.smallest(staleWhileRevalidate, Self.delta(argument))
        case .staleIfError: staleIfError = Self.smallest(staleIfError, Self.delta(argument))
        case .minFresh:
            if case .value(let seconds?) = argument { minFresh = max(minFresh ?? 0, seconds) }
        case .maxStale:
            if hasArgument {
                let seconds = Self.delta(argument)
                if case .seconds(let current) = maxStale {
                    maxStale = .seconds(min(current, seconds))
                } else {
                    maxStale = .seconds(seconds)
                }
            } else if maxStale == nil {
                maxStale = .any
            }
        case .noCache: noCache = true
        case .isPrivate: isPrivate = true
        case .noStore: noStore = true
        case .mustRevalidate: mustRevalidate = true
        case .proxyRevalidate: proxyRevalidate = true
        case .noTransform: noTransform = true
        case .onlyIfCached: onlyIfCached = true
        case .isPublic: if !hasArgument { isPublic = true }
        case .immutable: if !hasArgument { immutable = true }
        case .mustUnderstand: if !hasArgument { mustUnderstand = true }
        }
    }

    /// A delta-seconds argument, or 0 when it is missing or invalid (see the file comment).
    private static func delta(_ argument: Argument) -> Int {
        guard case .value(let seconds?) = argument else { return 0 }
        return seconds
    }

    private static func smallest(_ current: Int?, _ new: Int) -> Int {
        min(current ?? new, new)
    }
}
