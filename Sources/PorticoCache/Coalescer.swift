// Request collapsing: while one request fetches a resource, others for the same resource wait
// for it instead of fetching too (Varnish's busy objects, Pingora's cache lock).
//
// The table is a state machine with no I/O and no clock, shared by all workers behind one
// mutex. Each slot, named by the cache key and optionally a variant key (the request's values for
// the Vary names a stale entry of that key lists, so that requests that will get different
// variants don't wait on each other), is either absent or held by one leader with a queue of
// waiters:
//
//   join      absent → leader (the caller fetches);   held → follower (the caller waits)
//   lead      absent → leader;   held → nothing (a background refresh that is not needed)
//   complete  held → absent, returns the waiters: the leader stored (or decided not to store)
//             the response; each waiter looks the cache up again, and on a miss fetches itself
//   abandon   held → absent, returns the waiters: the fetch failed; each waiter fetches itself
//             (or joins again, and the first to do so leads)
//   remove    drops one waiter (its own deadline passed; the caller answers it, e.g. 504)
//
// Hit-for-miss (Varnish's name): a leader whose response turned out not storable for reasons of
// the response itself (no-store, private, too large…) abandons with `uncacheableFor`, and for
// that long `join` answers `.uncacheable` for that slot: requests go to the origin side by side instead
// of queueing behind each other's heads only to be released. The marks are bounded
// (`maxUncacheable`: when full, the expired marks go, and if that is not enough, all of them).
//
// Waiters are released in the order they joined. A waiter is a worker index and a connection id
// on that worker; how it is woken (a job posted to its worker's mailbox) is the caller's
// business, as are deadlines: the table never times anything out. (The type is concrete, not
// generic, so that every call is specialized: a generic class across modules looks its metadata
// up at run time on every request.)

import Synchronization

/// A table of in-flight fetches: the first request for a key leads, later ones wait for it.
/// Safe to use from any thread.
public final class Coalescer: Sendable {
    /// A request waiting for a fetch: which worker runs it, and its connection there.
    public struct Waiter: Sendable, Hashable, CustomStringConvertible {
        public var worker: Int
        public var connection: UInt64

        public init(worker: Int, connection: UInt64) {
            self.worker = worker
            self.connection = connection
        }

        public var description: String { "w\(worker)c\(connection)" }
    }

    /// What `join` made the caller.
    public enum Role: Sendable, Equatable {
        /// Nobody was fetching: the caller fetches, then calls `complete` or `abandon`.
        case leader
        /// A fetch is in flight: the caller waits to be returned by `complete` or `abandon`.
        case follower
        /// The resource was found not storable lately: nobody waits, the caller fetches alone.
        case uncacheable
    }

    /// The most slots remembered as uncacheable at once.
    public static var maxUncacheable: Int { 4096 }

    private struct Slot: Hashable {
        var key: CacheKey
        var variantKey: String?
    }

    private struct Table {
        var waiters: [Slot: [Waiter]] = [:]
        /// Until when each slot counts as uncacheable (wall-clock seconds).
        var uncacheable: [Slot: Double] = [:]
    }

    private let table = Mutex(Table())

    public init() {}

    /// Joins the fetch of `key` (and `variantKey`) at `now`: `.uncacheable` while the slot is
    /// marked so, `.leader` when nobody fetches (the slot is now held, with no waiters), else
    /// `.follower`, with `waiter` queued.
    public func join(_ key: CacheKey, variantKey: String? = nil, waiter: Waiter, now: Double = 0) -> Role {
        table.withLock { table in
            let slot = Slot(key: key, variantKey: variantKey)
            if let until = table.uncacheable[slot] {
                if now < until { return .uncacheable }
                table.uncacheable[slot] = nil
            }
            guard table.waiters[slot] != nil else {
                table.waiters[slot] = []
                return .leader
            }
            table.waiters[slot]!.append(waiter)
            return .follower
        }
    }

    /// Takes the slot of `key` (and `variantKey`) when nobody holds it, without queueing: a
    /// background refresh leads, or does nothing if a fetch is already in flight. Whether the
    /// caller now leads.
    public func lead(_ key: CacheKey, variantKey: String? = nil) -> Bool {
        table.withLock { table in
            let slot = Slot(key: key, variantKey: variantKey)
            guard table.waiters[slot] == nil else { return false }
            table.waiters[slot] = []
            return true
        }
    }

    /// The leader's fetch finished and the cache is up to date: frees the slot and returns its
    /// waiters, in join order, to look the cache up again. Empty when nobody waited (or the slot
    /// was not held).
    public func complete(_ key: CacheKey, variantKey: String? = nil) -> [Waiter] {
        release(Slot(key: key, variantKey: variantKey))
    }

    /// The leader's fetch failed or gave up: frees the slot and returns its waiters, in join
    /// order, to fetch for themselves. With `uncacheableFor`, joins in the next that many
    /// seconds after `now` fetch alone (see the file comment).
    public func abandon(
        _ key: CacheKey, variantKey: String? = nil, now: Double = 0, uncacheableFor: Double? = nil
    ) -> [Waiter] {
        let slot = Slot(key: key, variantKey: variantKey)
        return table.withLock { table in
            if let duration = uncacheableFor {
                if table.uncacheable.count >= Self.maxUncacheable {
                    table.uncacheable = table.uncacheable.filter { $0.value > now }
                    if table.uncacheable.count >= Self.maxUncacheable { table.uncacheable.removeAll() }
                }
                table.uncacheable[slot] = now + duration
            }
            return table.waiters.removeValue(forKey: slot) ?? []
        }
    }

    /// Drops `waiter` from the queue of `key` (its deadline passed, or its client went away);
    /// whether it was queued. The slot stays held by its leader.
    @discardableResult
    public func remove(waiter: Waiter, key: CacheKey, variantKey: String? = nil) -> Bool {
        table.withLock { table in
            let slot = Slot(key: key, variantKey: variantKey)
            guard let index = table.waiters[slot]?.firstIndex(of: waiter) else { return false }
            table.waiters[slot]!.remove(at: index)
            return true
        }
    }

    /// Whether a fetch of `key` (and `variantKey`) is in flight.
    public func isFetching(_ key: CacheKey, variantKey: String? = nil) -> Bool {
        table.withLock { $0.waiters[Slot(key: key, variantKey: variantKey)] != nil }
    }

    /// Requests waiting for the fetch of `key` (and `variantKey`).
    public func waiterCount(_ key: CacheKey, variantKey: String? = nil) -> Int {
        table.withLock { $0.waiters[Slot(key: key, variantKey: variantKey)]?.count ?? 0 }
    }

    /// Fetches in flight.
    public var fetchCount: Int {
        table.withLock { $0.waiters.count }
    }

    private func release(_ slot: Slot) -> [Waiter] {
        table.withLock { $0.waiters.removeValue(forKey: slot) ?? [] }
    }
}
