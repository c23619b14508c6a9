// Which stored entry goes when a shard is over its byte budget.
//
// A policy knows nothing about HTTP or about the entries themselves, as Pingora's `pingora-lru`
// and `tinyufo` know nothing about caching: the shard names each entry by a small integer `id`
// (an index into its slot table, reused after removal) and tells the policy its cost in bytes
// and its key's fingerprint. The shard calls `evict()` until the bytes it holds fit; the policy
// answers with the id to drop and forgets it. Policies are not thread-safe: each belongs to one
// shard and is only touched under that shard's lock.

/// The eviction order of one shard's entries, by id. Not thread-safe.
///
/// Ids are non-negative and dense (the store reuses freed ones), so implementations index tables
/// by them. `access`, `replace` and `remove` of an id the policy doesn't hold do nothing;
/// inserting an id it holds is a programmer error.
public protocol EvictionPolicy: AnyObject {
    /// Entries held.
    var count: Int { get }
    /// Sum of the costs of the entries held.
    var bytes: Int { get }
    /// Starts tracking `id`, which costs `cost` bytes and belongs to the key with fingerprint
    /// `hash` (S3-FIFO remembers evicted keys by it; ids are reused, keys are not).
    func insert(_ id: Int, cost: Int, hash: UInt64)
    /// `id` was used to answer a request (a hit).
    func access(_ id: Int)
    /// The entry behind `id` was replaced by a newer copy of the same response (a 304 refresh or a
    /// re-fetch) costing `cost`: it keeps its place in the order and counts as an access.
    func replace(_ id: Int, cost: Int)
    /// Stops tracking `id` (purged, invalidated or replaced): not an eviction, so nothing is
    /// remembered about it.
    func remove(_ id: Int)
    /// Chooses an entry to drop, stops tracking it and returns its id; nil when empty.
    func evict() -> Int?
}

/// The eviction algorithms a `CacheStore` can use (`eviction lru | s3fifo;` in proxy.conf).
public enum EvictionKind: String, Sendable, CaseIterable {
    /// Least recently used: `LRUPolicy`.
    case lru
    /// S3-FIFO (Yang et al., SOSP 2023): `S3FIFOPolicy`. Resists one-hit scans.
    case s3fifo

    /// A new, empty policy for a shard of `capacity` bytes.
    public func makePolicy(capacity: Int) -> any EvictionPolicy {
        switch self {
        case .lru: LRUPolicy()
        case .s3fifo: S3FIFOPolicy(capacity: capacity)
        }
    }
}
