// FIFO queues threaded through one node table indexed by id: the intrusive doubly linked lists
// both policies are built from (LRU is one queue whose hits move to the front; S3-FIFO is two
// queues whose hits move nothing). Every operation is O(1) and allocates only when the table
// grows to a new highest id.

/// Doubly linked queues over a table of nodes indexed by entry id. An id is in at most one queue.
struct EvictionQueues {
    /// One entry's links and bookkeeping. `queue` 0 means the id is not held.
    struct Node {
        /// The neighbour inserted after this one (toward the newest end), or -1.
        var newer: Int32 = -1
        /// The neighbour inserted before this one (toward the oldest end), or -1.
        var older: Int32 = -1
        var queue: UInt8 = 0
        /// S3-FIFO's capped access counter; LRU leaves it alone.
        var frequency: UInt8 = 0
        var cost: Int = 0
        var hash: UInt64 = 0
    }

    /// The two ends of one queue and its totals.
    struct Queue {
        var newest: Int32 = -1
        var oldest: Int32 = -1
        var count = 0
        var bytes = 0
    }

    private(set) var nodes: [Node] = []
    /// Queue `q` is `queues[q]`, for q in 1...queueCount; index 0 is unused.
    private(set) var queues: [Queue]

    init(queueCount: Int) {
        queues = Array(repeating: Queue(), count: queueCount + 1)
    }

    /// The queue holding `id`, or 0.
    @inline(__always)
    func queue(of id: Int) -> Int {
        id >= 0 && id < nodes.count ? Int(nodes[id].queue) : 0
    }

    @inline(__always)
    func contains(_ id: Int) -> Bool { queue(of: id) != 0 }

    subscript(id: Int) -> Node {
        nodes[id]
    }

    /// The oldest id of queue `q`, or nil when it is empty.
    func oldest(in q: Int) -> Int? {
        let id = queues[q].oldest
        return id < 0 ? nil : Int(id)
    }

    /// Starts holding `id` at the newest end of queue `q`.
    mutating func insert(_ id: Int, into q: Int, cost: Int, hash: UInt64) {
        precondition(id >= 0 && id < Int(Int32.max), "eviction id out of range")
        precondition(!contains(id), "id \(id) is already held")
        if id >= nodes.count {
            nodes.append(contentsOf: repeatElement(Node(), count: id - nodes.count + 1))
        }
        nodes[id] = Node(queue: UInt8(q), cost: cost, hash: hash)
        link(id, into: q)
    }

    /// Stops holding `id`.
    mutating func remove(_ id: Int) {
        unlink(id)
        nodes[id].queue = 0
    }

    /// Moves `id` (held) to the newest end of queue `q` (its own or another).
    mutating func moveToNewest(_ id: Int, of q: Int) {
        unlink(id)
        nodes[id].queue = UInt8(q)
        link(id, into: q)
    }

    mutating func setFrequency(_ id: Int, _ frequency: UInt8) {
        nodes[id].frequency = frequency
    }

    /// Changes the cost of `id` (held), keeping its queue's byte total right.
    mutating func setCost(_ id: Int, _ cost: Int) {
        let q = Int(nodes[id].queue)
        queues[q].bytes += cost - nodes[id].cost
        nodes[id].cost = cost
    }

    // MARK: - Links

    private mutating func link(_ id: Int, into q: Int) {
        let previousNewest = queues[q].newest
        nodes[id].newer = -1
        nodes[id].older = previousNewest
        if previousNewest >= 0 {
            nodes[Int(previousNewest)].newer = Int32(id)
        } else {
            queues[q].oldest = Int32(id)
        }
        queues[q].newest = Int32(id)
        queues[q].count += 1
        queues[q].bytes += nodes[id].cost
    }

    private mutating func unlink(_ id: Int) {
        let node = nodes[id]
        let q = Int(node.queue)
        precondition(q != 0, "id \(id) is not held")
        if node.newer >= 0 {
            nodes[Int(node.newer)].older = node.older
        } else {
            queues[q].newest = node.older
        }
        if node.older >= 0 {
            nodes[Int(node.older)].newer = node.newer
        } else {
            queues[q].oldest = node.newer
        }
        queues[q].count -= 1
        queues[q].bytes -= node.cost
    }
}
