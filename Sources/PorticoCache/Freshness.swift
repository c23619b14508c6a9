import PorticoHTTP

// Freshness lifetime and age (RFC 9111 §4.2), computed once per stored response into an
// `EntryPolicy`, in the manner of Varnish's RFC2616_Ttl: times come in as parameters.
//
// Lifetime, first match wins (§4.2.1, shared cache):
//   1. s-maxage                        (a shared cache MUST then ignore max-age and Expires)
//   2. max-age                         (§5.3: Expires MUST then be ignored)
//   3. Expires − Date                  (Date absent or invalid ⇒ the time the response was
//                                       received, RFC 9110 §6.6.1; an invalid Expires, or more
//                                       than one differing Expires line, ⇒ already stale, §5.3,
//                                       §4.2.1)
//   4. heuristic (§4.2.2), only for a heuristically cacheable status (RFC 9110 §15.1) or a
//      response marked `public`: 10% of (Date − Last-Modified), capped at one day. With no
//      usable Last-Modified the lifetime is 0: stored, but used only after validation.
//   Negative results count as 0. A valid `CDN-Cache-Control` (RFC 9213, `TargetedCacheControl`)
//   stands in for Cache-Control in 1, 2 and 4, and Expires (3) does not count beside it.
//   Worked numbers: Date 12:00:00, Last-Modified 10 days earlier ⇒ 10% = 86 400 s, the cap;
//   Last-Modified 2 hours earlier ⇒ 720 s.
//
// The one-day cap keeps a heuristic lifetime below the 24 hours past which RFC 7234 §4.2.2 asked
// for a warning, and bounds how long an origin that never said anything is second-guessed.
//
// Age (§4.2.3), as of response_time:
//   apparent_age          = max(0, response_time − date_value)
//   response_delay        = response_time − request_time
//   corrected_age_value   = age_value + response_delay
//   corrected_initial_age = max(apparent_age, corrected_age_value)
//   Worked numbers: Date 10 s before response_time, `Age: 5`, request sent 2 s before the
//   response arrived ⇒ max(10, 5 + 2) = 10. With `max-age=60`, at response_time + 51 the
//   current age is 61 and the response is stale by 1 s.
// An `Age` value that is not delta-seconds is ignored; of several, the largest counts.

/// Builds the `EntryPolicy` of a response about to be stored (RFC 9111 §4.2).
public enum Freshness {
    /// The share of (Date − Last-Modified) used as a heuristic lifetime (§4.2.2's "10%").
    public static let heuristicFraction = 0.1
    /// The longest heuristic lifetime: one day.
    public static let heuristicCap: Double = 86_400

    /// Everything RFC 9111 needs to reuse this response later.
    ///
    /// - Parameters:
    ///   - requestTime: when the request that produced it was sent (`request_time`).
    ///   - responseTime: when the response was received (`response_time`).
    ///   - status: the response status, for the heuristic.
    ///   - responseHeaders: the response's fields (for a 304-updated entry: the merged fields).
    public static func policy(
        requestTime: Double,
        responseTime: Double,
        status: Int,
        responseHeaders: HTTPHeaders
    ) -> EntryPolicy {
        let cacheControl = CacheControl(responseHeaders: responseHeaders)
        let (lifetime, isHeuristic) = lifetime(
            status: status, headers: responseHeaders, cacheControl: cacheControl, responseTime: responseTime)
        return EntryPolicy(
            freshnessLifetime: lifetime,
            correctedInitialAge: correctedInitialAge(
                requestTime: requestTime, responseTime: responseTime, headers: responseHeaders),
            responseTime: responseTime,
            noCache: cacheControl.noCache,
            // §5.2.2.10: s-maxage "incorporates the semantics of the proxy-revalidate directive".
            mustRevalidate: cacheControl.mustRevalidate || cacheControl.proxyRevalidate || cacheControl.sMaxAge != nil,
            staleWhileRevalidate: cacheControl.staleWhileRevalidate.map(Double.init),
            staleIfError: cacheControl.staleIfError.map(Double.init),
            etag: Conditional.entityTag(in: responseHeaders),
            lastModified: validLastModified(responseHeaders, now: responseTime),
            isHeuristic: isHeuristic
        )
    }

    /// The freshness lifetime in seconds (§4.2.1), and whether it came from the heuristic.
    public static func lifetime(
        status: Int,
        headers: HTTPHeaders,
        cacheControl: CacheControl,
        responseTime: Double
    ) -> (seconds: Double, isHeuristic: Bool) {
        if let sMaxAge = cacheControl.sMaxAge { return (Double(sMaxAge), false) }
        if let maxAge = cacheControl.maxAge { return (Double(maxAge), false) }
        let expiresLines = cacheControl.isTargeted ? [] : headers.values("Expires")
        if let expires = expiresLines.first {
            guard expiresLines.allSatisfy({ $0 == expires }),
                let expiresTime = HTTPDateParser.parse(expires, now: responseTime)
            else { return (0, false) }
            return (max(0, expiresTime - dateValue(headers, responseTime: responseTime)), false)
        }
        guard Storability.heuristicallyCacheableStatuses.contains(status) || cacheControl.isPublic else {
            return (0, false)
        }
        guard let lastModifiedValue = headers["Last-Modified"],
            let lastModified = HTTPDateParser.parse(lastModifiedValue, now: responseTime)
        else { return (0, false) }
        let interval = dateValue(headers, responseTime: responseTime) - lastModified
        return (min(heuristicCap, max(0, interval * heuristicFraction)), true)
    }

    /// `corrected_initial_age` (§4.2.3) as of `responseTime`.
    public static func correctedInitialAge(requestTime: Double, responseTime: Double, headers: HTTPHeaders) -> Double {
        let apparentAge = max(0, responseTime - dateValue(headers, responseTime: responseTime))
        let responseDelay = max(0, responseTime - requestTime)
        let correctedAgeValue = Double(ageValue(headers)) + responseDelay
        return max(apparentAge, correctedAgeValue)
    }

    /// `age_value` (§4.2.3): the `Age` field (§5.1), or 0. Age is a single value: when several
    /// arrive (`0, 7200`, or two lines) the first counts, as the cache-tests suite expects of
    /// shared caches; an invalid one (`abc`, `-1`, `1.5`) is ignored, as if absent.
    public static func ageValue(_ headers: HTTPHeaders) -> Int {
        guard let line = headers["Age"], let first = FieldValueSyntax.elements(line[...]).first else { return 0 }
        return FieldValueSyntax.deltaSeconds(first) ?? 0
    }

    /// `date_value` (§4.2.3): the Date field, or `responseTime` when it is absent or invalid
    /// (RFC 9110 §6.6.1: a recipient records the time of receipt for a message without Date).
    public static func dateValue(_ headers: HTTPHeaders, responseTime: Double) -> Double {
        headers["Date"].flatMap { HTTPDateParser.parse($0, now: responseTime) } ?? responseTime
    }

    /// The Last-Modified value as sent, if it is a valid HTTP-date: an invalid one would be
    /// useless (and misleading) in If-Modified-Since.
    private static func validLastModified(_ headers: HTTPHeaders, now: Double) -> String? {
        guard let value = headers["Last-Modified"], HTTPDateParser.parse(value, now: now) != nil else { return nil }
        return value
    }
}
