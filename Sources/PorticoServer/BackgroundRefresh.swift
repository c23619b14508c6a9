import PorticoCache
import PorticoHTTP
import PorticoUpstream

// stale-while-revalidate (RFC 5861 §3): a client was just served a stale entry, and this fetch
// brings the entry up to date behind its back. It is a backend exchange with no client: a
// conditional GET built from the client's request (so the Vary values are the client's, but not
// its Range, preconditions or Cache-Control), whose
// 304 refreshes the entry and whose storable 200 replaces it. Anything else leaves the stale
// entry as it is, to be revalidated by the next request that finds it past its window.
//
// At most one refresh runs per entry: the refresh leads the entry's coalescing slot
// (`Coalescer.lead`), so requests that need the entry revalidated meanwhile wait for it instead
// of fetching too, and are woken when it is settled. Its worker keeps it alive until it ends.

/// A background fetch that revalidates one stale entry.
final class BackgroundRefresh: UpstreamConnectionDelegate {
    private unowned let worker: Worker
    private let cache: CacheStore
    private let stale: CacheEntry
    private let request: RequestHead
    /// What the refresh asks for, as storability judges it: a GET without the client's
    /// directives, range or preconditions (a refresh started by a HEAD or by a client's
    /// `no-store` still stores the 200 it fetches for everyone).
    private let admissionRequest: RequestHead
    private let group: BackendGroup
    private let slot: CoalescingSlot
    private let upstreamHead: [UInt8]
    private let requestTime: Double
    private var upstream: UpstreamConnection?
    private var parser: ResponseParser
    private var response: ResponseHead?
    private var body: Exchange.BodyProgress = .done
    private var fill: CacheFill?
    /// The server picked, whose slot is given back when the refresh ends.
    private var server: UpstreamServer?

    init(
        worker: Worker, cache: CacheStore, stale: CacheEntry, request: RequestHead, group: BackendGroup,
        slot: CoalescingSlot, clientAddress: String
    ) {
        self.worker = worker
        self.cache = cache
        self.stale = stale
        self.request = request
        self.group = group
        self.slot = slot
        var forwarded = request
        forwarded.method = "GET"
        forwarded.framing = .none
        // The refresh is for the cache, not for this client: the whole representation, without
        // the client's directives, range or preconditions.
        let clientOnly = [
            "Cache-Control", "Pragma", "Range", "If-Range", "If-Match", "If-Unmodified-Since", "If-None-Match",
            "If-Modified-Since",
        ]
        for name in clientOnly { forwarded.headers.remove(name) }
        admissionRequest = forwarded
        forwarded.headers = Conditional.revalidationRequestHeaders(forwarded.headers, for: stale.policy)
        upstreamHead = ProxyHeaders.upstreamRequest(forwarded, clientAddress: clientAddress)
        requestTime = worker.wallClock
        var limits = ParseLimits()
        limits.headerBytes = 65536
        limits.headerCount = 200
        parser = ResponseParser(limits: limits)
    }

    func start() {
        guard let server = worker.pickServer(in: group, key: slot.key.fingerprint, excluding: []) else {
            finish(stored: false)
            return
        }
        self.server = server
        send(to: server, reusing: true)
    }

    /// Sends the request on a pooled connection when `reusing` and one is idle, else on a new one.
    private func send(to server: UpstreamServer, reusing: Bool) {
        let slotIndex = group.slots[server.id]
        var reused = false
        let connection: UpstreamConnection
        if reusing, let idle = worker.takeIdleUpstream(slot: slotIndex) {
            connection = idle
            reused = true
        } else {
            do {
                connection = try UpstreamConnection(
                    worker: worker, server: server, slot: slotIndex, address: group.addresses[server.id],
                    connectTimeout: group.connectTimeout)
            } catch {
                Log.error("backend \(group.name): background refresh could not connect: \(error)")
                finish(stored: false)
                return
            }
        }
        upstream = connection
        worker.refreshStarted(self)
        connection.output.append(upstreamHead)
        connection.begin(delegate: self, responseTimeout: group.responseTimeout, reused: reused)
        connection.requestSent()
    }

    // MARK: - UpstreamConnectionDelegate

    func upstreamReceived(_ upstream: UpstreamConnection) {
        guard upstream === self.upstream else { return }
        if response == nil {
            guard receiveHead(from: upstream) else { return }
        }
        readBody(from: upstream)
    }

    func upstreamDrained(_ upstream: UpstreamConnection) {}

    func upstreamEnded(_ upstream: UpstreamConnection, error: UpstreamConnection.Failure?) {
        guard upstream === self.upstream else { return }
        self.upstream = nil
        // A pooled connection the backend closed as it was reused (its keep-alive timeout): the
        // request never arrived, so it goes once more on a new connection, as clients' do.
        if response == nil, upstream.wasReused, upstream.receivedNothing, let server {
            send(to: server, reusing: false)
            return
        }
        if error == nil, response != nil, case .untilClose = body {
            complete()
        } else {
            finish(stored: false)
        }
    }

    // MARK: - Response

    private func receiveHead(from upstream: UpstreamConnection) -> Bool {
        let head: ResponseHead
        do {
            guard let final = try upstream.input.takeFinalResponseHead(&parser, requestMethod: "GET") else {
                return false
            }
            head = final
        } catch {
            abandon()
            return false
        }
        let now = worker.wallClock
        if head.status == 304 {
            var stored = false
            switch CacheFill.revalidated(
                stale, with304: head.headers, requestHeaders: request.headers, requestTime: requestTime,
                responseTime: now, via: ProxyHeaders.via(head.version))
            {
            case .mismatch:
                abandon()
                return false
            case .store(let refreshed):
                stored = cache.insert(refreshed)
            case .serveOnly(_, let dropStale):
                if dropStale { cache.removeVariant(stale) }
            }
            if head.keepAlive && upstream.input.isEmpty { release(upstream) } else { upstream.close() }
            self.upstream = nil
            finish(stored: stored)
            return false
        }
        guard
            case .store(let fill) = CacheFill.admit(
                key: stale.key, request: admissionRequest, response: head, requestTime: requestTime,
                responseTime: now, maxObject: cache.largestBody)
        else {
            abandon()
            return false
        }
        self.fill = fill
        response = head
        switch head.framing {
        case .none: body = .done
        case .length(let length): body = length == 0 ? .done : .length(remaining: length)
        case .chunked: body = .chunked(ChunkedDecoder())
        case .untilClose: body = .untilClose
        }
        return true
    }

    private func readBody(from upstream: UpstreamConnection) {
        switch body {
        case .done:
            break
        case .length(let remaining):
            let count = min(Int64(upstream.input.count), remaining)
            upstream.input.copy(Int(count), into: fill)
            upstream.input.drain(Int(count))
            body = count == remaining ? .done : .length(remaining: remaining - count)
        case .chunked(var decoder):
            do {
                let finished = try upstream.input.decodeChunks(&decoder, into: nil, rechunk: false) { count in
                    upstream.input.copy(count, into: fill)
                }
                body = finished ? .done : .chunked(decoder)
            } catch {
                abandon()
                return
            }
        case .untilClose:
            upstream.input.copy(upstream.input.count, into: fill)
            upstream.input.drain(upstream.input.count)
        }
        if fill?.isActive != true {
            abandon()
        } else if case .done = body {
            if response?.keepAlive == true && upstream.input.isEmpty { release(upstream) } else { upstream.close() }
            self.upstream = nil
            complete()
        }
    }

    // MARK: - Ending

    private func complete() {
        let stored =
            fill?.finish(via: ProxyHeaders.via(response?.version ?? .http11)).map { cache.insert($0) } ?? false
        finish(stored: stored)
    }

    private func abandon() {
        upstream?.close()
        upstream = nil
        finish(stored: false)
    }

    private func release(_ upstream: UpstreamConnection) {
        worker.park(upstream, group: group)
    }

    private func finish(stored: Bool) {
        if let server {
            group.pool.release(server.id)
            self.server = nil
            // A request queued for the slot this refresh held goes on now, not at its timeout.
            worker.slotFreed(in: group)
        }
        fill = nil
        worker.settle(slot, stored: stored)
        worker.refreshEnded(self)
    }
}
