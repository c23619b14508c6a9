import Synchronization

// The byte-bounded, sharded store of cache entries that all workers share.
//
// Sharding: keys are spread over shards by their fingerprint, each shard with its own lock,
// eviction policy and an equal share of `memory` (the shares add up to `memory` exactly, so the
// total never exceeds it when every shard is within its own). Workers touching different keys
// rarely meet on a lock. Each shard must be able to hold the largest storable object, so the
// store uses fewer shards than asked when `memory` is small against `maxObject`: at most
// `memory / (maxObject + 64 KiB)` (the 64 KiB leave room for the head and the entry overhead).
// With the defaults, 256 MiB and 16 MiB, that is 15 shards of 17.07 MiB.
//
// Division of labour: the store holds entries and decides what to evict; it does not judge
// freshness or select variants. The server looks up the variants of a key, picks one with the RFC
// 9111 rules (Variants, Freshness), reports the outcome (`recordHit`, `recordStale`,
// `recordMiss`), removes entries it finds unusable (`remove`, `removeVariant`), and stores
// responses it judges storable (`insert`). `sweep` drops entries that can no longer be served in
// any way, so expired responses do not sit in memory until eviction reaches them.

/// All stored responses, in shards, within a byte budget; safe to use from any thread.
public final class CacheStore: Sendable {
    /// The byte budget for all entries (their `cost`, heads and overhead included).
    public let memory: Int
    /// The largest body stored; bigger responses are refused. A reload may change it
    /// (`setMaxObject`); the shards keep the count and budget they started with.
    public var maxObject: Int { maxObjectSetting.load(ordering: .relaxed) }
    private let maxObjectSetting: Atomic<Int>
    /// The eviction algorithm of every shard.
    public let eviction: EvictionKind
    /// The most variants kept per key; storing one more drops the least recently stored.
    public let maxVariants: Int
    /// Activity and occupancy tallies.
    public let counters: CacheCounters
    private let shards: [CacheShard]

    /// A store of at most `memory` bytes refusing bodies over `maxObject`, in up to `shards`
    /// shards (fewer when `memory` is small: see the file comment), keeping up to `maxVariants`
    /// variants per key.
    public init(memory: Int, maxObject: Int, eviction: EvictionKind = .lru, shards: Int = 16, maxVariants: Int = 16) {
        precondition(memory >= 0 && maxObject >= 0 && shards >= 1 && maxVariants >= 1, "bad CacheStore parameters")
        self.memory = memory
        maxObjectSetting = Atomic(maxObject)
        self.eviction = eviction
        self.maxVariants = maxVariants
        let counters = CacheCounters()
        self.counters = counters
        let count = max(1, min(shards, memory / (maxObject + 65536)))
        self.shards = (0..<count).map { index in
            let share = memory / count + (index < memory % count ? 1 : 0)
            return CacheShard(capacity: share, eviction: eviction, maxVariants: maxVariants, counters: counters)
        }
    }

    /// Applies a reloaded `max_object`: entries already stored stay, whatever their size.
    public func setMaxObject(_ value: Int) {
        maxObjectSetting.store(max(0, value), ordering: .relaxed)
    }

    /// Shards in use.
    public var shardCount: Int { shards.count }

    /// The byte budget of each shard: the most one entry may cost.
    public var shardCapacity: Int { shards.last!.capacity }

    /// The largest body the store can take: `maxObject`, or less when a shard's budget is
    /// smaller (a small `memory`). The server stops copying a response past it, rather than
    /// collecting a body that `insert` would refuse.
    public var largestBody: Int { min(maxObject, shardCapacity - 1) }

    /// Whether a body of `length` bytes may be stored.
    public func accepts(bodyLength length: Int) -> Bool {
        length <= largestBody
    }

    // MARK: - Lookup

    /// The variants stored under `key`, most recently stored first (empty on a miss). Records
    /// nothing: the caller reports what it did with them.
    public func lookup(_ key: CacheKey) -> [CacheEntry] {
        shard(for: key).lookup(key)
    }

    /// `entry` answered a request as a fresh hit: counted, and the eviction policy told.
    public func recordHit(_ entry: CacheEntry) {
        counters.hits.bump()
        _ = shard(for: entry.key).access(entry)
    }

    /// `entry` was found stale (served stale, or revalidated): counted, and the eviction policy
    /// told (a revalidated entry is in use).
    public func recordStale(_ entry: CacheEntry) {
        counters.stale.bump()
        _ = shard(for: entry.key).access(entry)
    }

    /// A request found no usable entry.
    public func recordMiss() {
        counters.misses.bump()
    }

    /// A request waited for another's fetch (see `Coalescer`).
    public func recordCoalesced() {
        counters.coalesced.bump()
    }

    // MARK: - Changes

    /// Stores `entry`, replacing the stored variant with the same Vary names and values (which
    /// keeps that one's place in the eviction order), and evicting until the shard is within
    /// its budget. Returns false, storing nothing, when the body is over `maxObject` or the entry
    /// costs more than a shard's budget.
    @discardableResult
    public func insert(_ entry: CacheEntry) -> Bool {
        let shard = shard(for: entry.key)
        guard entry.bodyLength <= maxObject, entry.cost <= shard.capacity, shard.insert(entry) else {
            counters.rejected.bump()
            return false
        }
        return true
    }

    /// Removes every variant stored under `key`; how many.
    @discardableResult
    public func remove(_ key: CacheKey) -> Int {
        shard(for: key).remove(key)
    }

    /// Removes `entry` if it is still stored; a newer copy stored since is kept.
    @discardableResult
    public func removeVariant(_ entry: CacheEntry) -> Bool {
        shard(for: entry.key).remove(entry)
    }

    /// Removes every variant of every key for which `predicate` holds (the admin endpoint's
    /// `purge?prefix=`); how many entries. The predicate runs under each shard's lock in turn:
    /// it must be quick and must not call the store.
    @discardableResult
    public func purge(where predicate: (CacheKey) -> Bool) -> Int {
        shards.reduce(0) { $0 + $1.removeAll(keys: predicate) }
    }

    /// Removes the entries that no request can use any more at `now`: stale by more than
    /// `grace` seconds plus what RFC 5861 allows them to be served stale, which is
    /// `max(stale-while-revalidate, stale-if-error)`, or nothing with `must-revalidate`
    /// (`EntryPolicy.mustRevalidate`). That is, an entry goes when
    ///
    ///     remainingFreshness(at: now) < −(grace + allowance)
    ///
    /// `grace` keeps expired entries that have a validator around for a cheap 304 revalidation;
    /// 0 drops them as soon as they are unusable. Returns how many were removed. Each shard is
    /// locked for one pass over its entries.
    @discardableResult
    public func sweep(now: Double, grace: Double) -> Int {
        shards.reduce(0) { removed, shard in
            removed + shard.removeAll(entries: { Self.isExpired($0.policy, now: now, grace: grace) })
        }
    }

    /// Removes `entry` when no request can use it any more: past every stale allowance (see
    /// `sweep`) and without a validator to revalidate it with. Whether it was removed. Lookups
    /// call this, so expired entries go as soon as they are found, not only at the next sweep.
    @discardableResult
    public func removeIfUnusable(_ entry: CacheEntry, now: Double) -> Bool {
        guard !entry.policy.hasValidator, Self.isExpired(entry.policy, now: now, grace: 0) else { return false }
        return removeVariant(entry)
    }

    /// Every stored entry, in no particular order (for the admin endpoint and tests).
    public func allEntries() -> [CacheEntry] {
        shards.flatMap { $0.allEntries() }
    }

    /// The sum of the shards' byte counts, each read under its lock (`counters` has the same
    /// figure without locking).
    public var bytes: Int {
        shards.reduce(0) { $0 + $1.bytes }
    }

    // MARK: - Private

    private func shard(for key: CacheKey) -> CacheShard {
        shards[Int(key.fingerprint % UInt64(shards.count))]
    }

    static func isExpired(_ policy: EntryPolicy, now: Double, grace: Double) -> Bool {
        let allowance = policy.mustRevalidate ? 0 : max(policy.staleWhileRevalidate ?? 0, policy.staleIfError ?? 0)
        return policy.remainingFreshness(at: now) < -(grace + allowance)
    }
}
