/// What RFC 9111 says about one stored response, worked out once when it is stored (or updated by
/// a 304) so that a cache hit does no header parsing.
///
/// Times are wall-clock seconds since 1970 (`Double`), because Date, Expires and Age are wall-clock
/// quantities; timeouts elsewhere use the monotonic clock.
public struct EntryPolicy: Sendable, Equatable {
    /// RFC 9111 §4.2.1: s-maxage, else max-age, else Expires − Date, else the heuristic.
    public var freshnessLifetime: Double
    /// RFC 9111 §4.2.3 `corrected_initial_age`, as of `responseTime`.
    public var correctedInitialAge: Double
    /// When the response was received (`response_time`).
    public var responseTime: Double
    /// `no-cache` without field names: stored, but every use must be revalidated (§5.2.2.4).
    public var noCache: Bool
    /// `must-revalidate`, `proxy-revalidate` or `s-maxage`: never served stale (§5.2.2.2, §5.2.2.8).
    public var mustRevalidate: Bool
    /// Seconds a stale response may be served while it is refreshed (RFC 5861 §3).
    public var staleWhileRevalidate: Double?
    /// Seconds a stale response may be served when the origin fails (RFC 5861 §4).
    public var staleIfError: Double?
    /// The strong or weak entity tag, as sent (`"abc"` or `W/"abc"`), for If-None-Match.
    public var etag: String?
    /// The Last-Modified value, as sent, for If-Modified-Since.
    public var lastModified: String?
    /// The lifetime came from the §4.2.2 heuristic (Last-Modified), not from the origin.
    public var isHeuristic: Bool

    public init(
        freshnessLifetime: Double,
        correctedInitialAge: Double,
        responseTime: Double,
        noCache: Bool = false,
        mustRevalidate: Bool = false,
        staleWhileRevalidate: Double? = nil,
        staleIfError: Double? = nil,
        etag: String? = nil,
        lastModified: String? = nil,
        isHeuristic: Bool = false
    ) {
        self.freshnessLifetime = freshnessLifetime
        self.correctedInitialAge = correctedInitialAge
        self.responseTime = responseTime
        self.noCache = noCache
        self.mustRevalidate = mustRevalidate
        self.staleWhileRevalidate = staleWhileRevalidate
        self.staleIfError = staleIfError
        self.etag = etag
        self.lastModified = lastModified
        self.isHeuristic = isHeuristic
    }

    /// RFC 9111 §4.2.3 `current_age` at `now`.
    public func currentAge(at now: Double) -> Double {
        correctedInitialAge + max(0, now - responseTime)
    }

    /// Seconds of freshness left at `now`; negative once stale.
    public func remainingFreshness(at now: Double) -> Double {
        freshnessLifetime - currentAge(at: now)
    }

    /// RFC 9111 §4.2: fresh while the lifetime exceeds the current age.
    public func isFresh(at now: Double) -> Bool {
        remainingFreshness(at: now) > 0
    }

    /// Whether the validators allow a conditional request to the origin.
    public var hasValidator: Bool { etag != nil || lastModified != nil }
}
