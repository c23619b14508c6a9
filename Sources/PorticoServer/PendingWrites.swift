/// A socket owner whose output can wait for the end of the loop turn.
protocol DeferredWriter: AnyObject {
    /// Set while the writer is queued, so that it is queued once per turn however often it asks.
    var isFlushQueued: Bool { get set }
    func flush()
}

/// The writers with output queued during this loop turn, written once every callback of the turn
/// has run.
///
/// Why not write at once: a turn handles many connections, and writing each response as it is
/// made spreads them over the turn, so a peer (a client, or a backend) is woken by the first,
/// handles it, sleeps, and is woken again by the next. Measured on pass-1k, that cost a wake-up
/// per four requests against one per forty for HAProxy, which writes at the end of its turn too.
/// Written together, the responses of a turn reach each peer in one burst.
final class PendingWrites {
    private var writers: [any DeferredWriter] = []

    func add(_ writer: any DeferredWriter) {
        guard !writer.isFlushQueued else { return }
        writer.isFlushQueued = true
        writers.append(writer)
    }

    /// Writes everything queued, including what the writes themselves queue (a failed backend
    /// write retries on another connection, which queues its request).
    func flushAll() {
        var index = 0
        while index < writers.count {
            let writer = writers[index]
            writer.isFlushQueued = false
            writer.flush()
            index += 1
        }
        writers.removeAll(keepingCapacity: true)
    }
}
