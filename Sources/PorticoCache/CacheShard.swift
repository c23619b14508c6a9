// One lock's share of the cache: a map from key to that key's stored variants, an eviction
// policy and a byte count, behind one `Mutex`.
//
// Ownership: the shard owns the only strong references the cache holds to its entries. Dropping
// one (eviction, replacement, purge) never frees bytes a connection is still writing: readers
// hold their own references (and libevent holds the bodies it writes, LIBEVENT-NOTES.md). The
// lock is held only for table and list updates, never for I/O or for building an entry.
//
// Bookkeeping: every stored entry has a slot id, the name the eviction policy knows it by; freed
// ids are reused, so the policy's tables stay as small as the shard. `bytes` is the sum of the
// stored entries' `cost` and never exceeds `capacity` when the lock is released.

import Synchronization

/// A mutex-protected part of a `CacheStore`: variants by key, eviction order and bytes, kept
/// within `capacity`.
final class CacheShard: Sendable {
    /// The byte budget of this shard.
    let capacity: Int
    private let state: Mutex<State>
    private let counters: CacheCounters

    init(capacity: Int, eviction: EvictionKind, maxVariants: Int, counters: CacheCounters) {
        self.capacity = capacity
        self.counters = counters
        state = Mutex(State(policy: eviction.makePolicy(capacity: capacity), maxVariants: maxVariants))
    }

    /// Bytes held (the sum of the entries' `cost`).
    var bytes: Int { state.withLock { $0.bytes } }

    /// The variants stored under `key`, most recently stored first.
    func lookup(_ key: CacheKey) -> [CacheEntry] {
        state.withLock { $0.variants[key]?.entries ?? [] }
    }

    /// Tells the eviction policy that `entry` was used; false when it is no longer stored.
    func access(_ entry: CacheEntry) -> Bool {
        state.withLock { state in
            guard let id = state.id(of: entry) else { return false }
            state.policy.access(id)
            return true
        }
    }

    /// Stores `entry` (whose cost is within `capacity`), replacing the variant it matches and
    /// evicting until it fits. False if it could not be made to fit.
    func insert(_ entry: CacheEntry) -> Bool {
        state.withLock { $0.insert(entry, capacity: capacity, counters: counters) }
    }

    /// Removes every variant stored under `key`; how many.
    func remove(_ key: CacheKey) -> Int {
        state.withLock { state in
            guard let ids = state.variants[key]?.ids else { return 0 }
            for id in ids { state.drop(id, counters: counters) }
            return ids.count
        }
    }

    /// Removes `entry` itself if it is still stored (not a newer copy of it).
    func remove(_ entry: CacheEntry) -> Bool {
        state.withLock { state in
            guard let id = state.id(of: entry) else { return false }
            state.drop(id, counters: counters)
            return true
        }
    }

    /// Removes every variant of every key for which `predicate` holds; how many entries. The
    /// predicate runs under the lock.
    func removeAll(keys predicate: (CacheKey) -> Bool) -> Int {
        state.withLock { state in
            var doomed: [Int] = []
            for (key, variants) in state.variants where predicate(key) { doomed += variants.ids }
            for id in doomed { state.drop(id, counters: counters) }
            return doomed.count
        }
    }

    /// Removes every entry for which `predicate` holds; how many. The predicate runs under the
    /// lock.
    func removeAll(entries predicate: (CacheEntry) -> Bool) -> Int {
        state.withLock { state in
            var doomed: [Int] = []
            for case let (id, entry?) in state.slots.enumerated() where predicate(entry) { doomed.append(id) }
            for id in doomed { state.drop(id, counters: counters) }
            return doomed.count
        }
    }

    /// Every stored entry, in no particular order.
    func allEntries() -> [CacheEntry] {
        state.withLock { $0.slots.compactMap { $0 } }
    }

    // MARK: - State

    /// The variants of one key, most recently stored first, with their slot ids.
    private struct KeyVariants {
        var entries: [CacheEntry]
        var ids: [Int]
    }

    private struct State {
        var policy: any EvictionPolicy
        let maxVariants: Int
        /// Entry by slot id; nil for a free id.
        var slots: [CacheEntry?] = []
        var freeIDs: [Int] = []
        var variants: [CacheKey: KeyVariants] = [:]
        var bytes = 0

        init(policy: any EvictionPolicy, maxVariants: Int) {
            self.policy = policy
            self.maxVariants = maxVariants
        }

        func id(of entry: CacheEntry) -> Int? {
            guard let variants = variants[entry.key],
                let index = variants.entries.firstIndex(where: { $0 === entry })
            else { return nil }
            return variants.ids[index]
        }

        mutating func insert(_ entry: CacheEntry, capacity: Int, counters: CacheCounters) -> Bool {
            // The variant this one replaces keeps its slot and its place in the eviction order.
            // Variants stored under another Vary list are dropped: the origin changed how the
            // resource varies, and the old list would keep selecting outdated responses.
            var replaced: Int?
            if let existing = variants[entry.key] {
                for (index, stored) in existing.entries.enumerated() {
                    if stored.varyNames != entry.varyNames {
                        drop(existing.ids[index], counters: counters)
                    } else if stored.variant == entry.variant {
                        replaced = existing.ids[index]
                    }
                }
                if replaced == nil, let remaining = variants[entry.key], remaining.ids.count >= maxVariants {
                    for id in remaining.ids[(maxVariants - 1)...] { drop(id, counters: counters) }
                }
            }
            while bytes + entry.cost - (replaced.map { slots[$0]!.cost } ?? 0) > capacity {
                guard let victim = policy.evict() else { return false }
                if victim == replaced { replaced = nil }
                drop(victim, evicted: true, counters: counters)
            }
            if let id = replaced {
                let old = slots[id]!
                slots[id] = entry
                unlist(id, key: entry.key)
                list(entry, id: id)
                bytes += entry.cost - old.cost
                counters.bytes.bump(entry.cost - old.cost)
                policy.replace(id, cost: entry.cost)
            } else {
                let id = freeIDs.popLast() ?? slots.count
                if id == slots.count { slots.append(entry) } else { slots[id] = entry }
                list(entry, id: id)
                bytes += entry.cost
                counters.entries.bump()
                counters.bytes.bump(entry.cost)
                policy.insert(id, cost: entry.cost, hash: entry.key.fingerprint)
            }
            counters.inserts.bump()
            return true
        }

        /// Forgets slot `id`: table, variants, bytes, and the policy unless it chose the victim.
        mutating func drop(_ id: Int, evicted: Bool = false, counters: CacheCounters) {
            guard let entry = slots[id] else { return }
            if evicted {
                counters.evictions.bump()
            } else {
                policy.remove(id)
            }
            slots[id] = nil
            freeIDs.append(id)
            unlist(id, key: entry.key)
            bytes -= entry.cost
            counters.entries.bump(-1)
            counters.bytes.bump(-entry.cost)
        }

        /// Adds `entry` as the newest variant of its key.
        private mutating func list(_ entry: CacheEntry, id: Int) {
            if variants[entry.key] == nil {
                variants[entry.key] = KeyVariants(entries: [entry], ids: [id])
            } else {
                variants[entry.key]!.entries.insert(entry, at: 0)
                variants[entry.key]!.ids.insert(id, at: 0)
            }
        }

        private mutating func unlist(_ id: Int, key: CacheKey) {
            guard let index = variants[key]?.ids.firstIndex(of: id) else { return }
            if variants[key]!.ids.count == 1 {
                variants[key] = nil
            } else {
                variants[key]!.entries.remove(at: index)
                variants[key]!.ids.remove(at: index)
            }
        }
    }
}
