/// The client connections with output queued during this loop turn, written once every callback
/// of the turn has run.
///
/// Why not write at once: a turn handles many connections, and writing each response as it is
/// made spreads them over the turn, so a client is woken by the first, handles it, sleeps, and is
/// woken again by the next. Measured on pass-1k (64 connections, one wrk thread): Portico woke
/// the client once per four requests, HAProxy once per forty; written together, the responses of
/// a turn reach each client in one burst. Requests to backends are written at once instead: a
/// backend that gets its work at the end of the turn idles meanwhile (measured: 2-3 % fewer
/// requests a second on pass-1k when those were deferred too).
final class PendingWrites {
    private var clients: [ClientConnection] = []

    func add(_ client: ClientConnection) {
        guard !client.isFlushQueued else { return }
        client.isFlushQueued = true
        clients.append(client)
    }

    /// Writes everything queued, including what the writes themselves queue.
    func flushAll() {
        var index = 0
        while index < clients.count {
            let client = clients[index]
            client.isFlushQueued = false
            client.flush()
            index += 1
        }
        clients.removeAll(keepingCapacity: true)
    }
}
