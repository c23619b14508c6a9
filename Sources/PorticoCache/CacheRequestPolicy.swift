// Whether a stored response may answer a request (RFC 9111 §4, §4.2.4, §5.2.1; RFC 5861).
//
// The caller has already selected the entry (URI and Vary, §4.1) for a GET or HEAD
// (`canUseStoredResponse(for:)`). `decide` then applies, in order:
//   1. response no-cache (§5.2.2.4: MUST NOT be used without successful validation) ⇒ revalidate;
//   2. request no-cache, or Pragma: no-cache without Cache-Control (§5.2.1.4, §5.4) ⇒ revalidate;
//   3. request max-age: current age above it ⇒ revalidate (§5.2.1.1);
//   4. fresh: serve, unless request min-fresh wants more freshness left than there is (§5.2.1.3);
//   5. stale: must-revalidate / proxy-revalidate / s-maxage forbid serving it stale (§4.2.4,
//      §5.2.2.2, §5.2.2.8, §5.2.2.10) ⇒ revalidate; otherwise request max-stale covering the
//      staleness (§5.2.1.2) ⇒ serve stale; otherwise stale-while-revalidate covering it
//      (RFC 5861 §3) ⇒ serve stale and refresh in the background — but only when the request
//      states no freshness preference (max-age, min-fresh, max-stale), since those say the
//      client does not want a response this stale; otherwise ⇒ revalidate.
//   6. only-if-cached (§5.2.1.7) turns any "revalidate" into "answer 504".
// Request no-store does not stop a stored response being used (§5.2.1.5: "the no-store request
// directive does not apply to the already stored response"); it only prevents storing.
//
// Serving stale when the origin fails (`canServeStaleOnError`) is a separate question, asked
// after a forward or revalidation met an error (RFC 5861 §4: a status of 500, 502, 503 or 504,
// or no answer at all). must-revalidate and no-cache forbid it: the cache MUST answer with an
// error then, 504 by §5.2.2.2.
//
// Worked numbers: `max-age=60`, `stale-while-revalidate=30`, corrected initial age 10, now =
// response_time + 55 ⇒ age 65, stale by 5 ⇒ serve stale and refresh. At response_time + 85 ⇒
// stale by 35 ⇒ revalidate.

/// What a cache may do with a stored response for this request.
public enum LookupDecision: Sendable, Equatable {
    /// Fresh enough: serve it.
    case fresh
    /// Stale, but it may be served; `.staleWhileRevalidate` also asks for a background refresh.
    case staleServable(StaleServeReason)
    /// Send a conditional request (an unconditional one when the entry has no validator).
    case mustRevalidate(RevalidationReason)
    /// only-if-cached, and the entry cannot be used without the origin: answer 504
    /// (RFC 9111 §5.2.1.7).
    case onlyIfCachedUnsatisfiable
}

/// Why a stale response may be served.
public enum StaleServeReason: Sendable, Equatable {
    /// The request's max-stale allows this much staleness (RFC 9111 §5.2.1.2).
    case maxStale
    /// Within the response's stale-while-revalidate window (RFC 5861 §3).
    case staleWhileRevalidate

    /// Whether the caller should refresh the entry in the background.
    public var needsBackgroundRefresh: Bool { self == .staleWhileRevalidate }
}

/// Why a stored response must be validated before it is used.
public enum RevalidationReason: Sendable, Equatable {
    /// Stale, and nothing allows serving it stale.
    case stale
    /// The response said no-cache (RFC 9111 §5.2.2.4).
    case responseNoCache
    /// The request said no-cache, or `Pragma: no-cache` (§5.2.1.4, §5.4).
    case requestNoCache
    /// Older than the request's max-age (§5.2.1.1).
    case requestMaxAge
    /// Less freshness left than the request's min-fresh (§5.2.1.3).
    case requestMinFresh

    /// The Cache-Status `fwd` value (RFC 9211 §2.2): `stale` when the entry itself needs
    /// validation, `request` when the request's directives asked for it.
    public var forwardReason: CacheStatus.ForwardReason {
        switch self {
        case .stale, .responseNoCache: return .stale
        case .requestNoCache, .requestMaxAge, .requestMinFresh: return .request
        }
    }
}

/// RFC 9111 §4 reuse rules for a selected stored response.
public enum CacheRequestPolicy {
    /// The statuses that count as an origin error for stale-if-error (RFC 5861 §4).
    public static let errorStatuses: StatusSet = [500, 502, 503, 504]

    /// Whether a stored GET response can answer a request with `method` (RFC 9111 §4: the method
    /// must allow it; a GET response also answers HEAD). Other methods bypass the cache.
    public static func canUseStoredResponse(for method: String) -> Bool {
        method == "GET" || method == "HEAD"
    }

    /// Whether a request with no stored response to use must be answered 504 instead of
    /// being forwarded (only-if-cached, RFC 9111 §5.2.1.7).
    public static func mustAnswerMissWithGatewayTimeout(_ request: CacheControl) -> Bool {
        request.onlyIfCached
    }

    /// May the entry described by `entry` answer a request with directives `request` at `now`?
    /// Build `request` with `CacheControl(requestHeaders:)` so that Pragma counts.
    public static func decide(request: CacheControl, entry: EntryPolicy, now: Double) -> LookupDecision {
        let decision = decideIgnoringOnlyIfCached(request: request, entry: entry, now: now)
        if case .mustRevalidate = decision, request.onlyIfCached { return .onlyIfCachedUnsatisfiable }
        return decision
    }

    /// Whether the stored response may be served because the origin could not be reached or
    /// answered with an error (RFC 5861 §4, RFC 9111 §4.2.4).
    ///
    /// Never for a no-cache response, nor when the client sent no-cache (it asked for
    /// validation, not for whatever is stored). A fresh entry may be served (it would have been
    /// revalidated only because of request max-age or min-fresh, which state preferences).
    /// A stale one only without must-revalidate (and proxy-revalidate, s-maxage), and when the
    /// staleness is within the response's or the request's stale-if-error, or the request's
    /// max-stale.
    public static func canServeStaleOnError(entry: EntryPolicy, request: CacheControl, now: Double) -> Bool {
        if entry.noCache || request.noCache { return false }
        let remaining = entry.remainingFreshness(at: now)
        if remaining > 0 { return true }
        if entry.mustRevalidate { return false }
        let staleness = -remaining
        if let window = entry.staleIfError, staleness <= window { return true }
        if let window = request.staleIfError, staleness <= Double(window) { return true }
        return request.maxStale?.allows(staleness: staleness) ?? false
    }

    private static func decideIgnoringOnlyIfCached(request: CacheControl, entry: EntryPolicy, now: Double)
        -> LookupDecision
    {
        if entry.noCache { return .mustRevalidate(.responseNoCache) }
        if request.noCache { return .mustRevalidate(.requestNoCache) }
        let age = entry.currentAge(at: now)
        if let maxAge = request.maxAge, age > Double(maxAge) { return .mustRevalidate(.requestMaxAge) }
        let remaining = entry.remainingFreshness(at: now)
        if remaining > 0 {
            if let minFresh = request.minFresh, remaining < Double(minFresh) {
                return .mustRevalidate(.requestMinFresh)
            }
            return .fresh
        }
        if entry.mustRevalidate { return .mustRevalidate(.stale) }
        let staleness = -remaining
        if let maxStale = request.maxStale {
            return maxStale.allows(staleness: staleness) ? .staleServable(.maxStale) : .mustRevalidate(.stale)
        }
        if request.maxAge == nil, request.minFresh == nil, let window = entry.staleWhileRevalidate,
            staleness <= window
        {
            return .staleServable(.staleWhileRevalidate)
        }
        return .mustRevalidate(.stale)
    }
}
