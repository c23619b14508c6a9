import PorticoCache
import PorticoHTTP

/// A request the cache sends on to a backend, and what to do with the answer.
struct CacheForward {
    var key: CacheKey
    /// The `Cache-Status` the forwarded response gets; `stored` and `detail` are filled in when
    /// the response head arrives.
    var status: CacheStatus
    /// The selected stored response, being revalidated: what a 304 refreshes and what
    /// stale-if-error may serve.
    var stale: CacheEntry?
    /// What the client's own conditional gets from `stale` once a 304 made it fresh again.
    var clientConditional: Conditional.Outcome = .proceed
    /// The coalescing slot this request leads, until its fetch is settled.
    var slot: CoalescingSlot?
}

/// One fetch in the coalescing table: a cache key and, when the URL's responses vary, the
/// request's values for the Vary names (so requests that get different variants do not wait on
/// each other).
struct CoalescingSlot {
    var key: CacheKey
    var variantKey: String?

    init(key: CacheKey, variantKey: String?) {
        self.key = key
        self.variantKey = variantKey
    }

    /// The slot for `request`: its Vary values for the names that `stored` (any response stored
    /// under the key) lists.
    init(key: CacheKey, request: RequestHead, stored: CacheEntry?) {
        self.key = key
        guard let stored, !stored.varyNames.isEmpty else {
            variantKey = nil
            return
        }
        let values = Variants.secondaryKey(fieldNames: stored.varyNames, requestHeaders: request.headers)
        variantKey = values.map { $0.map { "=" + $0 } ?? "-" }.joined(separator: "\u{0}")
    }
}
