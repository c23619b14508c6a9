// Least recently used: one queue, newest first; an insert or a hit puts the entry at the newest
// end and eviction takes the oldest. Byte-aware only in that the shard evicts until the bytes
// fit: LRU's order does not depend on size.

/// Least-recently-used eviction over an intrusive doubly linked list: every operation O(1).
public final class LRUPolicy: EvictionPolicy {
    private static let queue = 1
    private var queues = EvictionQueues(queueCount: 1)

    public init() {}

    public var count: Int { queues.queues[Self.queue].count }

    public var bytes: Int { queues.queues[Self.queue].bytes }

    public func insert(_ id: Int, cost: Int, hash: UInt64) {
        queues.insert(id, into: Self.queue, cost: cost, hash: hash)
    }

    /// Makes `id` the most recently used.
    public func access(_ id: Int) {
        guard queues.contains(id) else { return }
        queues.moveToNewest(id, of: Self.queue)
    }

    public func replace(_ id: Int, cost: Int) {
        guard queues.contains(id) else { return }
        queues.setCost(id, cost)
        queues.moveToNewest(id, of: Self.queue)
    }

    public func remove(_ id: Int) {
        guard queues.contains(id) else { return }
        queues.remove(id)
    }

    /// The least recently used id.
    public func evict() -> Int? {
        guard let id = queues.oldest(in: Self.queue) else { return nil }
        queues.remove(id)
        return id
    }
}
