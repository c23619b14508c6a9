// The cache's counters, shared by all workers as relaxed atomics: each is a tally read for
// statistics, never used to synchronise anything, so no ordering is needed. `entries` and `bytes`
// are changed by the shards under their locks (so each shard's share is exact at every unlock);
// a snapshot taken while other workers insert may mix before and after of different shards.

import Synchronization

/// Atomic tallies of cache activity; `snapshot()` reads them all.
public final class CacheCounters: Sendable {
    /// The counters' values at one moment (field by field; see the file comment).
    public struct Snapshot: Sendable, Equatable {
        /// Entries stored (variants count separately).
        public var entries: Int
        /// Bytes charged for the stored entries (the sum of their `cost`).
        public var bytes: Int
        /// Requests answered from a fresh entry.
        public var hits: Int
        /// Requests that found no usable entry and went to the origin.
        public var misses: Int
        /// Requests that found a stale entry (served stale or revalidated).
        public var stale: Int
        /// Requests that waited for another request's fetch instead of fetching themselves.
        public var coalesced: Int
        /// Entries dropped to make room.
        public var evictions: Int
        /// Entries stored (including replacements of a variant).
        public var inserts: Int
        /// Entries refused: larger than `maxObject` or than a shard's budget.
        public var rejected: Int

        public init(
            entries: Int = 0,
            bytes: Int = 0,
            hits: Int = 0,
            misses: Int = 0,
            stale: Int = 0,
            coalesced: Int = 0,
            evictions: Int = 0,
            inserts: Int = 0,
            rejected: Int = 0
        ) {
            self.entries = entries
            self.bytes = bytes
            self.hits = hits
            self.misses = misses
            self.stale = stale
            self.coalesced = coalesced
            self.evictions = evictions
            self.inserts = inserts
            self.rejected = rejected
        }

        /// hits / (hits + stale + misses), or 0 before the first lookup.
        public var hitRatio: Double {
            let lookups = hits + stale + misses
            return lookups == 0 ? 0 : Double(hits) / Double(lookups)
        }
    }

    let entries = Atomic<Int>(0)
    let bytes = Atomic<Int>(0)
    let hits = Atomic<Int>(0)
    let misses = Atomic<Int>(0)
    let stale = Atomic<Int>(0)
    let coalesced = Atomic<Int>(0)
    let evictions = Atomic<Int>(0)
    let inserts = Atomic<Int>(0)
    let rejected = Atomic<Int>(0)

    init() {}

    /// Every counter's current value.
    public func snapshot() -> Snapshot {
        Snapshot(
            entries: entries.load(ordering: .relaxed),
            bytes: bytes.load(ordering: .relaxed),
            hits: hits.load(ordering: .relaxed),
            misses: misses.load(ordering: .relaxed),
            stale: stale.load(ordering: .relaxed),
            coalesced: coalesced.load(ordering: .relaxed),
            evictions: evictions.load(ordering: .relaxed),
            inserts: inserts.load(ordering: .relaxed),
            rejected: rejected.load(ordering: .relaxed)
        )
    }
}

extension Atomic<Int> {
    /// Adds `delta` (relaxed): a tally, see the file comment.
    @inline(__always)
    func bump(_ delta: Int = 1) {
        wrappingAdd(delta, ordering: .relaxed)
    }
}
