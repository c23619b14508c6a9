import CLibevent
import Glibc
import PorticoCache
import PorticoHTTP
import PorticoUpstream

// The request cycle of one client connection. Requests are handled one at a time, in order: a
// pipelined request waits in `input` until the response before it is in `output`, so responses
// go out in request order without any reordering machinery.
//
// Bodies stream in both directions through evbuffers, moved block by block without copying, with
// backpressure: a buffer above the high watermark stops whoever fills it until it drains.

/// A client's TCP connection and the exchange it has in flight.
final class ClientConnection: UpstreamConnectionDelegate {
    private enum Phase {
        /// Between requests, nothing received yet.
        case idle
        /// Part of a request head has arrived.
        case head
        /// A request is with a backend: `exchange` holds it.
        case active
        /// The last response is being flushed; then the write side is shut down.
        case closing
        /// Write side shut; unread input is drained briefly so the peer sees our response, not
        /// a reset (nginx's lingering close).
        case lingering
        case closed
    }

    private enum TimerKind { case none, idle, header, body, send, linger }

    private static let pipelineLimit = 64 * 1024
    private static let lingerTime = timeval(tv_sec: 2, tv_usec: 0)

    private unowned let worker: Worker
    private let fd: CInt
    private let peer: String
    private let input = EventBuffer()
    private let output = EventBuffer()
    private var readEvent: IOEvent?
    /// Armed while reading is paused, to learn that the client went away (EV_CLOSED, i.e.
    /// EPOLLRDHUP) without reading what backpressure holds back.
    private var closedEvent: IOEvent?
    private var writeEvent: IOEvent?
    private var timer: IOEvent?
    private var phase: Phase = .idle
    /// The request in flight, set exactly while the phase is `.active`.
    private var exchange: Exchange?
    private var timerKind: TimerKind = .none
    private var parser: RequestParser
    private var runtime: Runtime
    private var isReading = false
    private var isWriting = false
    private var peerClosed = false
    private var closeAfterResponse = false

    init(worker: Worker, fd: CInt, peer: String) {
        self.worker = worker
        self.fd = fd
        self.peer = peer
        runtime = worker.runtime
        parser = RequestParser(limits: runtime.parseLimits)
    }

    func start() {
        readEvent = IOEvent(base: worker.base, fd: fd, events: Int16(EV_READ | EV_PERSIST)) { [unowned self] _ in
            readable()
        }
        writeEvent = IOEvent(base: worker.base, fd: fd, events: Int16(EV_WRITE | EV_PERSIST)) { [unowned self] _ in
            flush()
        }
        closedEvent = IOEvent(base: worker.base, fd: fd, events: Int16(EV_CLOSED | EV_PERSIST)) { [unowned self] _ in
            peerHungUp()
        }
        timer = IOEvent(base: worker.base, fd: -1, events: 0) { [unowned self] _ in timedOut() }
        enterIdle()
    }

    /// Graceful stop: an idle connection closes now, a busy one after its current response.
    func drain() {
        switch phase {
        case .idle: close()
        case .head, .active: closeAfterResponse = true
        case .closing, .lingering, .closed: break
        }
    }

    // MARK: - Reading

    private func readable() {
        let received: Int?
        do {
            received = try input.read(from: fd)
        } catch {
            abort()
            return
        }
        guard let received else { return }
        if received == 0 {
            peerClosed = true
            setReading(false)
        }
        if case .lingering = phase {
            input.drain(input.count)
            if peerClosed { close() }
            return
        }
        process()
    }

    /// The client shut its side while reading was paused. With bytes still unread it may just have
    /// finished sending (a half-close): they are read when reading resumes. With none left, it is
    /// gone, and an upload it left unfinished must not reach the backend as if complete.
    private func peerHungUp() {
        closedEvent?.delete()
        var unread: CInt = 0
        if ioctl(fd, UInt(FIONREAD), &unread) == 0, unread > 0 { return }
        peerClosed = true
        if let exchange, !exchange.requestBodyDone {
            abort()
            return
        }
        process()
    }

    /// Acts on whatever input is buffered, as far as the current phase allows.
    private func process() {
        switch phase {
        case .idle, .head:
            parseHead()
        case .active:
            if let exchange { forwardRequestBody(exchange) }
        case .closing, .lingering, .closed:
            input.drain(input.count)
        }
        updateReading()
    }

    private func parseHead() {
        guard !input.isEmpty else {
            if peerClosed { close() }
            return
        }
        if case .idle = phase {
            phase = .head
            refreshRuntime()
            setTimer(.header, runtime.clientHeaderTimeout)
        }
        let result: HeadParseResult<RequestHead>
        do {
            result = try input.withContiguousBytes { bytes throws(HTTPParseError) in try parser.parse(bytes) }
        } catch {
            respondWithError(status: error.status, message: error.description, close: true)
            return
        }
        switch result {
        case .needMore:
            if peerClosed { close() }
        case .head(let head, let consumed):
            input.drain(consumed)
            parser.reset()
            startExchange(head)
        }
    }

    /// Each request runs under the configuration current when its first byte arrived, so a
    /// reload reaches keep-alive connections opened before it.
    private func refreshRuntime() {
        guard worker.runtime !== runtime else { return }
        runtime = worker.runtime
        parser = RequestParser(limits: runtime.parseLimits)
    }

    // MARK: - Request

    private func startExchange(_ request: RequestHead) {
        setTimer(.none, nil)
        if !request.keepAlive || worker.isDraining { closeAfterResponse = true }
        if request.headers.contains("Expect") && request.headers.tokens("Expect") != ["100-continue"] {
            respondWithError(status: 417, message: "only 100-continue is supported", close: true)
            return
        }
        if request.method == "CONNECT" {
            respondWithError(status: 501, message: "CONNECT tunnels are not supported", close: true)
            return
        }
        let maxForwards = MaxForwards.action(for: request)
        if maxForwards == .answerLocally {
            let answer = MaxForwards.localAnswer(to: request)
            output.append(
                ErrorResponse.bytes(
                    status: 200,
                    contentType: answer.contentType,
                    body: answer.body,
                    close: closeAfterResponse || !hasNoBody(request),
                    date: worker.dateString,
                    extraHeaders: answer.extra
                )
            )
            if !hasNoBody(request) { closeAfterResponse = true }
            endRequest()
            return
        }
        guard let group = runtime.group(host: request.host, path: request.path) else {
            respondWithError(status: 404, message: "no route for this host and path", close: !hasNoBody(request))
            return
        }
        var lookup = CacheLookup.bypass
        if let cache = worker.cache, request.method == "GET" || request.method == "HEAD", hasNoBody(request) {
            lookup = lookUp(request, in: cache)
            if case .answered = lookup { return }
        }
        var answeredContinue = false
        if request.expectsContinue && request.version == .http11 && !hasNoBody(request) {
            // RFC 9110 §10.1.1: the proxy answers 100 itself (as nginx does), so the backend sees a
            // plain request and the body starts flowing at once.
            output.append("HTTP/1.1 100 Continue\r\n\r\n")
            answeredContinue = true
        }
        var forwarded = request
        if case .forwardDecremented(let remaining) = maxForwards {
            forwarded.headers.set("Max-Forwards", String(remaining))
        }
        if case .forward(_, _, let stale?, _) = lookup {
            forwarded.headers = Conditional.revalidationRequestHeaders(request.headers, for: stale.policy)
        }
        let head = ProxyHeaders.upstreamRequest(forwarded, clientAddress: peer, answeredContinue: answeredContinue)
        var responseLimits = ParseLimits()
        responseLimits.headerBytes = max(runtime.config.limits.requestHeaders, 65536)
        responseLimits.headerCount = max(runtime.config.limits.headerCount, 200)
        let exchange = Exchange(request: request, group: group, upstreamHead: head, responseLimits: responseLimits)
        if case .forward(let key, let status, let stale, let conditional) = lookup {
            exchange.cacheKey = key
            exchange.cacheStatus = status
            exchange.revalidating = stale
            exchange.clientConditional = conditional
        }
        exchange.requestTime = worker.wallClock
        phase = .active
        self.exchange = exchange
        flush()
        connectUpstream(exchange, carrying: nil)
        if self.exchange === exchange {
            forwardRequestBody(exchange)
        }
    }

    private func hasNoBody(_ request: RequestHead) -> Bool {
        switch request.framing {
        case .none, .length(0): return true
        default: return false
        }
    }

    /// Sends the exchange to the next server: a pooled connection if one is idle, else a new one.
    /// `carrying` is what a failed connection had not sent yet (head and body so far).
    private func connectUpstream(_ exchange: Exchange, carrying unsent: EventBuffer?) {
        guard let server = worker.pickServer(in: exchange.group, excluding: exchange.triedServers) else {
            failExchange(exchange, status: 502, message: "no backend server left to try")
            return
        }
        exchange.triedServers.append(server.id)
        exchange.server = server
        let upstream: UpstreamConnection
        var reused = false
        if unsent == nil, let idle = worker.takeIdleUpstream(slot: exchange.group.slots[server.id]) {
            upstream = idle
            reused = true
        } else {
            do {
                upstream = try UpstreamConnection(
                    worker: worker,
                    server: server,
                    slot: exchange.group.slots[server.id],
                    address: exchange.group.addresses[server.id],
                    connectTimeout: exchange.group.connectTimeout
                )
            } catch {
                connectFailed(exchange, reason: error.description, unsent: unsent)
                return
            }
        }
        exchange.upstream = upstream
        if let unsent {
            unsent.moveAll(to: upstream.output)
        } else {
            upstream.output.append(exchange.upstreamHead)
        }
        upstream.begin(delegate: self, responseTimeout: exchange.group.responseTimeout, reused: reused)
        if exchange.requestBodyDone { upstream.requestSent() }
    }

    private func connectFailed(_ exchange: Exchange, reason: String, unsent: EventBuffer?) {
        let server = exchange.server.map { "\($0.host):\($0.port)" } ?? "?"
        Log.error("backend \(exchange.group.name) server \(server): \(reason)")
        if exchange.retriesLeft > 0, exchange.triedServers.count < exchange.group.servers.count {
            exchange.retriesLeft -= 1
            let carried = unsent ?? EventBuffer()
            if unsent == nil { carried.append(exchange.upstreamHead) }
            connectUpstream(exchange, carrying: carried)
            return
        }
        failExchange(exchange, status: 502, message: "could not connect to backend")
    }

    /// Moves request body bytes from the client to the backend, re-framing a chunked body.
    private func forwardRequestBody(_ exchange: Exchange) {
        guard let upstream = exchange.upstream, !exchange.requestBodyDone else { return }
        let before = exchange.requestBodyBytes
        switch exchange.requestBody {
        case .done, .untilClose:
            return
        case .length(let remaining):
            let count = min(Int64(input.count), remaining)
            input.move(Int(count), to: upstream.output)
            exchange.requestBodyBytes += count
            exchange.requestBody = count == remaining ? .done : .length(remaining: remaining - count)
        case .chunked(var decoder):
            do {
                let finished = try relayChunks(&decoder, from: input, to: upstream.output, rechunk: true) { count in
                    exchange.requestBodyBytes += Int64(count)
                }
                exchange.requestBody = finished ? .done : .chunked(decoder)
            } catch {
                failExchange(exchange, status: 400, message: error.description, close: true)
                return
            }
            if exchange.requestBodyBytes > runtime.config.limits.requestBody {
                failExchange(exchange, status: 413, message: "request body larger than request_body", close: true)
                return
            }
        }
        if exchange.requestBodyBytes != before { setTimer(.body, runtime.clientIdleTimeout) }
        if exchange.requestBodyDone {
            if timerKind == .body { setTimer(.none, nil) }
            upstream.requestSent()
        }
        upstream.flush()
        if peerClosed && !exchange.requestBodyDone {
            // The client went away mid-body: the backend must never see a complete-looking
            // request, so its connection is cut with the body short.
            abort()
        }
    }

    /// Decodes chunked framing from `source`, appending payload to `destination` (re-chunked for
    /// a 1.1 peer, raw otherwise). Returns true at the last chunk.
    private func relayChunks(
        _ decoder: inout ChunkedDecoder,
        from source: EventBuffer,
        to destination: EventBuffer,
        rechunk: Bool,
        captureFor exchange: Exchange? = nil,
        counted: (Int) -> Void
    ) throws(HTTPParseError) -> Bool {
        while !source.isEmpty {
            let (consumed, event) = try source.withFirstSegment { bytes throws(HTTPParseError) in
                try decoder.next(bytes)
            }
            switch event {
            case .needMore:
                source.drain(consumed)
            case .data(let range) where range.isEmpty:
                source.drain(consumed)
            case .data(let range):
                source.drain(range.lowerBound)
                if let exchange { capture(range.count, of: source, for: exchange) }
                if rechunk { destination.append(ChunkedEncoding.chunkHeader(range.count)) }
                source.move(range.count, to: destination)
                if rechunk { destination.append("\r\n") }
                counted(range.count)
            case .end:
                source.drain(consumed)
                if rechunk { destination.append(ChunkedEncoding.lastChunk) }
                return true
            }
        }
        return false
    }

    // MARK: - Response (UpstreamConnectionDelegate)

    func upstreamReceived(_ upstream: UpstreamConnection) {
        guard let exchange, exchange.upstream === upstream else { return }
        if exchange.response == nil {
            guard receiveResponseHead(exchange, from: upstream) else { return }
        }
        forwardResponseBody(exchange, from: upstream)
    }

    /// Parses the response head once it is complete and sends the client's version of it. Returns
    /// false while the head is incomplete or after the exchange failed.
    private func receiveResponseHead(_ exchange: Exchange, from upstream: UpstreamConnection) -> Bool {
        while true {
            let result: HeadParseResult<ResponseHead>
            do {
                result = try upstream.input.withContiguousBytes { bytes throws(HTTPParseError) in
                    try exchange.responseParser.parse(bytes, requestMethod: exchange.request.method)
                }
            } catch {
                upstream.close()
                failExchange(exchange, status: 502, message: "invalid response from backend (\(error.description))")
                return false
            }
            guard case .head(let response, let consumed) = result else { return false }
            upstream.input.drain(consumed)
            exchange.responseParser.reset()
            if response.status == 101 {
                upstream.close()
                failExchange(exchange, status: 502, message: "backend switched protocols without being asked")
                return false
            }
            // 1xx interim responses: the proxy already answered 100 Continue if it was asked;
            // the others are informational and dropped.
            if response.status < 200 { continue }
            if exchange.cacheKey != nil || !Invalidation.isSafe(exchange.request.method) {
                if let served = applyCache(to: response, of: exchange, from: upstream), served { return false }
            }
            exchange.response = response
            switch response.framing {
            case .none: exchange.responseBody = .done
            case .length(let length): exchange.responseBody = length == 0 ? .done : .length(remaining: length)
            case .chunked: exchange.responseBody = .chunked(ChunkedDecoder())
            case .untilClose: exchange.responseBody = .untilClose
            }
            exchange.clientFraming = ProxyHeaders.clientFraming(for: response, clientVersion: exchange.request.version)
            if exchange.clientFraming == .untilClose || !response.keepAlive && exchange.request.version == .http10 {
                closeAfterResponse = true
            }
            if !exchange.requestBodyDone { closeAfterResponse = true }
            output.append(
                ProxyHeaders.clientResponse(
                    response,
                    framing: exchange.clientFraming,
                    keepAlive: !closeAfterResponse,
                    clientVersion: exchange.request.version,
                    date: worker.dateString,
                    cacheStatus: exchange.cacheStatus?.fieldValue
                )
            )
            exchange.responseStarted = true
            return true
        }
    }

    private func forwardResponseBody(_ exchange: Exchange, from upstream: UpstreamConnection) {
        switch exchange.responseBody {
        case .done:
            break
        case .length(let remaining):
            let count = min(Int64(upstream.input.count), remaining)
            capture(Int(count), of: upstream.input, for: exchange)
            upstream.input.move(Int(count), to: output)
            exchange.responseBody = count == remaining ? .done : .length(remaining: remaining - count)
        case .chunked(var decoder):
            do {
                let finished = try relayChunks(
                    &decoder,
                    from: upstream.input,
                    to: output,
                    rechunk: exchange.clientFraming == .chunked,
                    captureFor: exchange
                ) { _ in }
                exchange.responseBody = finished ? .done : .chunked(decoder)
            } catch {
                Log.error("backend \(exchange.group.name): bad chunked body: \(error.description)")
                upstream.close()
                abort()
                return
            }
        case .untilClose:
            let count = upstream.input.count
            if count > 0 {
                capture(count, of: upstream.input, for: exchange)
                if exchange.clientFraming == .chunked { output.append(ChunkedEncoding.chunkHeader(count)) }
                upstream.input.moveAll(to: output)
                if exchange.clientFraming == .chunked { output.append("\r\n") }
            }
        }
        flush()
        guard self.exchange === exchange else { return }
        if case .done = exchange.responseBody {
            finishExchange(exchange, upstream: upstream)
        } else if output.count > UpstreamConnection.highWatermark {
            upstream.pauseReading()
        }
    }

    func upstreamDrained(_ upstream: UpstreamConnection) {
        guard let exchange, exchange.upstream === upstream else { return }
        if !exchange.requestBodyDone { updateReading() }
    }

    func upstreamEnded(_ upstream: UpstreamConnection, error: UpstreamConnection.Failure?) {
        guard let exchange, exchange.upstream === upstream else { return }
        if exchange.response != nil {
            if error == nil, case .untilClose = exchange.responseBody {
                if exchange.clientFraming == .chunked { output.append(ChunkedEncoding.lastChunk) }
                exchange.responseBody = .done
                finishExchange(exchange, upstream: nil)
            } else {
                // The response was cut short: the client must see a truncated message (the
                // connection closes), never one padded or marked complete.
                abort()
            }
            return
        }
        switch error {
        case .connect(let reason)?:
            connectFailed(exchange, reason: reason, unsent: upstream.output)
        case .connectTimeout?:
            connectFailed(exchange, reason: "connect timed out", unsent: upstream.output)
        case .responseTimeout?:
            failExchange(exchange, status: 504, message: "backend did not respond within response_timeout")
        case .io, nil:
            if upstream.wasReused && exchange.isIdempotent && exchange.requestBodyDone
                && exchange.request.framing == .none
            {
                // A pooled connection the backend closed just as we reused it: the request cannot
                // have been acted on, so send it again on a fresh connection.
                exchange.triedServers.removeAll { $0 == upstream.server.id }
                let carried = EventBuffer()
                carried.append(exchange.upstreamHead)
                connectUpstream(exchange, carrying: carried)
                return
            }
            failExchange(exchange, status: 502, message: "backend closed the connection without a response")
        }
    }

    /// The response is all in `output`: the backend connection goes back to the pool when both
    /// messages ended cleanly, and the client connection moves on to its next request.
    private func finishExchange(_ exchange: Exchange, upstream: UpstreamConnection?) {
        store(exchange)
        if let upstream {
            let reusable =
                exchange.response?.keepAlive == true && exchange.requestBodyDone && upstream.input.isEmpty
                && upstream.isUsable
            if reusable { worker.park(upstream, group: exchange.group) } else { upstream.close() }
        }
        exchange.upstream = nil
        if !exchange.requestBodyDone { closeAfterResponse = true }
        endRequest()
    }

    private func failExchange(_ exchange: Exchange, status: Int, message: String, close: Bool = false) {
        exchange.upstream?.close()
        exchange.upstream = nil
        if exchange.responseStarted {
            abort()
            return
        }
        if status >= 500, serveStaleOnError(exchange, status: status) { return }
        respondWithError(status: status, message: message, close: close || !exchange.requestBodyDone)
    }

    // MARK: - Cache

    /// What the cache made of a request before it goes anywhere.
    private enum CacheLookup {
        /// Not a request the cache looks at.
        case bypass
        /// Answered from the cache (or with 504 for only-if-cached); nothing goes to a backend.
        case answered
        /// Goes to the backend: a miss, or a stored response to revalidate.
        case forward(CacheKey, CacheStatus, CacheEntry?, Conditional.Outcome)
    }

    /// RFC 9111 §4: picks the stored variant for the request and decides whether it may be used.
    private func lookUp(_ request: RequestHead, in cache: CacheStore) -> CacheLookup {
        guard let key = CacheKey(scheme: "http", request: request) else { return .bypass }
        let now = worker.wallClock
        let control = CacheControl(requestHeaders: request.headers)
        let variants = cache.lookup(key)
        let entry = variants.first {
            Variants.matches(fieldNames: $0.varyNames, storedValues: $0.variant, requestHeaders: request.headers)
        }
        guard let entry else {
            cache.recordMiss()
            if control.onlyIfCached {
                respondWithError(status: 504, message: "only-if-cached and nothing stored", close: false)
                return .answered
            }
            return .forward(key, .forward(variants.isEmpty ? .miss : .varyMiss), nil, .proceed)
        }
        let conditional = Conditional.evaluate(
            method: request.method,
            requestHeaders: request.headers,
            storedStatus: entry.status,
            storedHeaders: entry.headers,
            responseTime: entry.policy.responseTime,
            now: now
        )
        if conditional == .forward { return .forward(key, .forward(.request), nil, .proceed) }
        switch CacheRequestPolicy.decide(request: control, entry: entry.policy, now: now) {
        case .fresh:
            cache.recordHit(entry)
            serve(entry, to: request, notModified: conditional == .notModified, now: now, status: nil)
            return .answered
        case .staleServable:
            cache.recordStale(entry)
            serve(entry, to: request, notModified: conditional == .notModified, now: now, status: nil)
            return .answered
        case .onlyIfCachedUnsatisfiable:
            respondWithError(status: 504, message: "only-if-cached and the stored response is stale", close: false)
            return .answered
        case .mustRevalidate(let reason):
            let stale = entry.policy.hasValidator ? entry : nil
            return .forward(key, .forward(reason.forwardReason), stale, conditional)
        }
    }

    /// Writes a stored response: its shared head and body by reference, with `Age` and
    /// `Cache-Status` (and the connection's own fields) written beside them.
    private func serve(
        _ entry: CacheEntry, to request: RequestHead, notModified: Bool, now: Double, status: CacheStatus?
    ) {
        let age = max(0, Int(entry.policy.currentAge(at: now)))
        let ttl = CacheStatus.ttlSeconds(entry.policy.remainingFreshness(at: now))
        let statusValue = (status ?? .hit(ttl: ttl)).fieldValue
        if notModified {
            var headers = Conditional.notModifiedHeaders(stored: entry.headers)
            headers.add("Age", String(age))
            headers.add("Via", ProxyHeaders.via)
            headers.add("Cache-Status", statusValue)
            if closeAfterResponse { headers.add("Connection", "close") }
            output.append(
                ResponseHead(version: .http11, status: 304, reason: "Not Modified", headers: headers).serialized())
        } else {
            output.appendReference(entry.head)
            var tail = "Age: \(age)\r\nCache-Status: \(statusValue)\r\n"
            if closeAfterResponse {
                tail += "Connection: close\r\n"
            } else if request.version == .http10 {
                tail += "Connection: keep-alive\r\n"
            }
            tail += "\r\n"
            output.append(Array(tail.utf8))
            if request.method != "HEAD" { output.appendReference(entry.body) }
        }
        endRequest()
    }

    /// Cache work when a response head arrives: a 304 refreshes the stored response and answers
    /// from it; a 5xx may be replaced by a stale response (`stale-if-error`); a storable response
    /// starts being copied; an unsafe method's success invalidates what it changed (§4.4).
    /// Returns true when the client was answered from the cache.
    private func applyCache(to response: ResponseHead, of exchange: Exchange, from upstream: UpstreamConnection)
        -> Bool?
    {
        guard let cache = worker.cache else { return nil }
        let request = exchange.request
        if !Invalidation.isSafe(request.method) {
            if let host = request.host,
                let target = TargetURI(scheme: "http", authority: host, pathAndQuery: request.path)
            {
                for uri in Invalidation.urisToInvalidate(
                    method: request.method, status: response.status, target: target, responseHeaders: response.headers)
                {
                    _ = cache.remove(CacheKey(scheme: uri.scheme, host: uri.authority, target: uri.pathAndQuery))
                }
            }
            return nil
        }
        guard exchange.cacheKey != nil else { return nil }
        let now = worker.wallClock
        if let stale = exchange.revalidating, response.status == 304,
            Conditional.validates(notModified: response.headers, stored: stale.headers)
        {
            let headers = Conditional.updatedHeaders(
                stored: stale.headers, with304: response.headers, responseTime: now)
            let policy = Freshness.policy(
                requestTime: exchange.requestTime, responseTime: now, status: stale.status, responseHeaders: headers)
            let refreshed = stale.replacing(
                headers: headers,
                head: storedHead(
                    status: stale.status, reason: reasonPhrase(of: stale), headers: headers,
                    bodyLength: stale.bodyLength),
                policy: policy
            )
            _ = cache.insert(refreshed)
            releaseUpstream(of: exchange, upstream)
            let status = CacheStatus.forward(
                .stale, status: 304, ttl: CacheStatus.ttlSeconds(policy.remainingFreshness(at: now)))
            serve(
                refreshed, to: request, notModified: exchange.clientConditional == .notModified, now: now,
                status: status)
            return true
        }
        if response.status >= 500, exchange.revalidating != nil, serveStaleOnError(exchange, status: response.status) {
            upstream.close()
            return true
        }
        guard request.method == "GET" else { return nil }
        var status = exchange.cacheStatus ?? .forward(.miss)
        status.forwardStatus = response.status
        switch Storability.decide(
            method: request.method, requestHeaders: request.headers, status: response.status,
            responseHeaders: response.headers)
        {
        case .store:
            let limit = Int(runtime.config.cache.maxObject)
            let policy = Freshness.policy(
                requestTime: exchange.requestTime, responseTime: now, status: response.status,
                responseHeaders: response.headers)
            if case .length(let length) = response.framing, length > limit {
                status.detail = "too-large"
            } else if !policy.isFresh(at: now) && !policy.hasValidator {
                // Stale on arrival and nothing to revalidate with: storing it could never help.
                status.detail = "no-freshness"
            } else {
                exchange.capture = CacheBody.Builder(
                    expectedCount: {
                        if case .length(let length) = response.framing { return Int(length) }
                        return 0
                    }())
                exchange.captureLimit = limit
                status.stored = true
            }
        case .doNotStore(let reason):
            status.detail = reason.rawValue
        }
        exchange.cacheStatus = status
        return nil
    }

    /// Copies `count` bytes at the front of `source` into the exchange's capture, giving up on
    /// storing once the body outgrows `max_object`.
    private func capture(_ count: Int, of source: EventBuffer, for exchange: Exchange) {
        guard let builder = exchange.capture, count > 0 else { return }
        guard builder.count + count <= exchange.captureLimit else {
            exchange.capture = nil
            return
        }
        source.forEachSegment(upTo: count) { builder.append(bytes: $0) }
    }

    /// Stores a response that arrived whole.
    private func store(_ exchange: Exchange) {
        guard let cache = worker.cache, let builder = exchange.capture, let key = exchange.cacheKey,
            let response = exchange.response
        else { return }
        exchange.capture = nil
        let now = worker.wallClock
        let headers = Storability.storedHeaders(response.headers, responseTime: now)
        let body = builder.finish()
        let varyNames = Variants.fieldNames(response.headers)
        let entry = CacheEntry(
            key: key,
            varyNames: varyNames,
            variant: Variants.secondaryKey(fieldNames: varyNames, requestHeaders: exchange.request.headers),
            status: response.status,
            headers: headers,
            head: storedHead(
                status: response.status, reason: response.reason, headers: headers, bodyLength: body.count),
            body: body,
            policy: Freshness.policy(
                requestTime: exchange.requestTime, responseTime: now, status: response.status,
                responseHeaders: headers),
            createdAt: now
        )
        _ = cache.insert(entry)
    }

    /// The head a stored response is served with: stored fields, `Via`, the body's length, no
    /// `Age` (each response gets its own), and no final CRLF.
    private func storedHead(status: Int, reason: String, headers: HTTPHeaders, bodyLength: Int) -> CacheBody {
        var fields = headers
        fields.remove("Age")
        fields.set("Content-Length", String(bodyLength))
        fields.appendListElement("Via", ProxyHeaders.via)
        return CacheBody(responseHead: ResponseHead(version: .http11, status: status, reason: reason, headers: fields))
    }

    /// The reason phrase of a stored status line ("HTTP/1.1 200 OK" → "OK").
    private func reasonPhrase(of entry: CacheEntry) -> String {
        let line = entry.head.bytes.prefix { $0 != UInt8(ascii: "\r") }
        guard line.count > 13 else { return "" }
        return String(decoding: line.dropFirst(13), as: UTF8.self)
    }

    /// RFC 9111 §4.2.4 with RFC 5861 §4: answers with the stale response when the backend failed
    /// and `stale-if-error` (or the request's `max-stale`) allows it.
    private func serveStaleOnError(_ exchange: Exchange, status: Int) -> Bool {
        guard let stale = exchange.revalidating, let cache = worker.cache else { return false }
        let now = worker.wallClock
        guard
            CacheRequestPolicy.canServeStaleOnError(
                entry: stale.policy, request: CacheControl(requestHeaders: exchange.request.headers), now: now)
        else { return false }
        exchange.upstream = nil
        cache.recordStale(stale)
        let served = CacheStatus.forward(
            .stale, status: status, ttl: CacheStatus.ttlSeconds(stale.policy.remainingFreshness(at: now)))
        serve(stale, to: exchange.request, notModified: false, now: now, status: served)
        return true
    }

    /// A backend connection whose response was consumed by the cache goes back to the pool.
    private func releaseUpstream(of exchange: Exchange, _ upstream: UpstreamConnection) {
        exchange.upstream = nil
        if upstream.input.isEmpty && exchange.requestBodyDone {
            worker.park(upstream, group: exchange.group)
        } else {
            upstream.close()
        }
    }

    // MARK: - Ending requests

    private func respondWithError(status: Int, message: String, close: Bool) {
        if close { closeAfterResponse = true }
        output.append(
            ErrorResponse.bytes(status: status, message: message, close: closeAfterResponse, date: worker.dateString)
        )
        endRequest()
    }

    private func endRequest() {
        exchange = nil
        if closeAfterResponse || peerClosed {
            phase = .closing
            setTimer(.none, nil)
            flush()
            return
        }
        enterIdle()
        flush()
        if !input.isEmpty { process() }
    }

    private func enterIdle() {
        phase = .idle
        setTimer(.idle, runtime.clientIdleTimeout)
        updateReading()
    }

    // MARK: - Writing

    private func flush() {
        if case .closed = phase { return }
        if !output.isEmpty {
            let before = output.count
            do {
                _ = try output.write(to: fd)
            } catch {
                abort()
                return
            }
            if output.count < before, timerKind == .send { setTimer(.send, runtime.sendTimeout) }
        }
        if output.isEmpty {
            setWriting(false)
            if timerKind == .send { restorePhaseTimer() }
            if case .closing = phase { startLingering() }
        } else {
            setWriting(true)
            if timerKind != .send { setTimer(.send, runtime.sendTimeout) }
        }
        if let exchange, let upstream = exchange.upstream,
            output.count < UpstreamConnection.lowWatermark
        {
            upstream.resumeReading()
        }
    }

    private func startLingering() {
        if peerClosed {
            close()
            return
        }
        phase = .lingering
        shutdown(fd, CInt(SHUT_WR))
        setTimer(.linger, ClientConnection.lingerTime)
        setReading(true)
        if !input.isEmpty { input.drain(input.count) }
    }

    // MARK: - Interest and timers

    private func updateReading() {
        let wanted: Bool
        switch phase {
        case .idle, .head:
            wanted = !peerClosed
        case .active:
            if let exchange, !exchange.requestBodyDone {
                wanted = !peerClosed && (exchange.upstream?.output.count ?? 0) < UpstreamConnection.highWatermark
            } else {
                wanted = !peerClosed && input.count < ClientConnection.pipelineLimit
            }
        case .lingering:
            wanted = !peerClosed
        case .closing, .closed:
            wanted = false
        }
        setReading(wanted)
    }

    private func setReading(_ on: Bool) {
        guard on != isReading else { return }
        if case .closed = phase { return }
        isReading = on
        if on {
            readEvent?.add()
            closedEvent?.delete()
        } else {
            readEvent?.delete()
            if !peerClosed, case .active = phase { closedEvent?.add() }
        }
        // While the backend holds an upload back, the client is not stalling: `client_idle`
        // counts only while Portico is reading.
        if case .active = phase, let exchange, !exchange.requestBodyDone, timerKind != .send {
            if on { setTimer(.body, runtime.clientIdleTimeout) } else { setTimer(.none, nil) }
        }
    }

    private func setWriting(_ on: Bool) {
        guard on != isWriting else { return }
        if case .closed = phase { return }
        isWriting = on
        if on { writeEvent?.add() } else { writeEvent?.delete() }
    }

    private func setTimer(_ kind: TimerKind, _ duration: timeval?) {
        if let duration, kind != .none {
            timer?.add(timeout: duration)
        } else if timerKind != .none {
            timer?.delete()
        }
        timerKind = kind
    }

    /// After a pending write completed, the timer goes back to what the phase waits for.
    private func restorePhaseTimer() {
        switch phase {
        case .idle: setTimer(.idle, runtime.clientIdleTimeout)
        case .head: setTimer(.header, runtime.clientHeaderTimeout)
        case .active where exchange?.requestBodyDone == false:
            setTimer(.body, runtime.clientIdleTimeout)
        case .active, .closing, .lingering, .closed: setTimer(.none, nil)
        }
    }

    private func timedOut() {
        let kind = timerKind
        timerKind = .none
        switch kind {
        case .header:
            respondWithError(status: 408, message: "request head not received within client_header", close: true)
        case .idle, .linger:
            close()
        case .body, .send, .none:
            abort()
        }
    }

    // MARK: - Closing

    /// Ends everything at once: the backend connection (so a partial request or response never
    /// looks complete) and the client socket.
    private func abort() {
        close()
    }

    func close() {
        if case .closed = phase { return }
        exchange?.upstream?.close()
        exchange?.upstream = nil
        exchange = nil
        phase = .closed
        readEvent?.delete()
        closedEvent?.delete()
        writeEvent?.delete()
        timer?.delete()
        Glibc.close(fd)
        worker.clientClosed(self)
    }
}
