import PorticoCache

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
