import PorticoCache

/// A request the cache sends on to a backend, and what to do with the answer.
///
/// A class: it travels from the lookup to the exchange and is read at every step of the response,
/// and as a struct of keys and strings each of those steps copied (and retained) all of it.
final class CacheForward {
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

    init(key: CacheKey, status: CacheStatus, stale: CacheEntry? = nil) {
        self.key = key
        self.status = status
        self.stale = stale
    }
}
