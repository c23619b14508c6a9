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
    enum Phase {
        /// Between requests, nothing received yet.
        case idle
        /// Part of a request head has arrived.
        case head
        /// A request is with a backend: `exchange` holds it.
        case active
        /// A request waits for another's fetch of the same resource (`waitingFor` holds it).
        case waiting
        /// The last response is being flushed; then the write side is shut down.
        case closing
        /// Write side shut; unread input is drained briefly so the peer sees our response, not
        /// a reset (nginx's lingering close).
        case lingering
        case closed
    }

    enum TimerKind { case none, idle, header, body, send, linger, coalesce, queue }

    private static let pipelineLimit = 64 * 1024
    private static let lingerTime = timeval(tv_sec: 2, tv_usec: 0)

    /// unowned(unsafe): a worker outlives its connections (it closes them before its loop returns),
    /// and a checked unowned reference costs an atomic retain on every use.
    unowned(unsafe) let worker: Worker
    /// Unique on its worker: how a coalesced fetch finds its waiters.
    let id: UInt64
    /// Where the worker keeps it in its list of open connections.
    var workerSlot = 0
    private let fd: CInt
    private let peerAddress: ResolvedAddress
    /// The client's address as text (X-Forwarded-For, the access log), made when first needed:
    /// formatting it costs a tenth of a cache hit on a fresh connection, and most hits never ask.
    private(set) lazy var peer: String = peerAddress.host
    private let input = EventBuffer()
    let output = EventBuffer()
    private var readEvent: IOEvent?
    /// Armed while reading is paused, to learn that the client went away (EV_CLOSED, i.e.
    /// EPOLLRDHUP) without reading what backpressure holds back.
    private var closedEvent: IOEvent?
    private var writeEvent: IOEvent?
    /// In the worker's `PendingWrites` this turn, so that it is queued once however often it asks.
    var isFlushQueued = false
    private let timer: DeadlineTimer
    private var phase: Phase = .idle
    /// The request in flight, set exactly while the phase is `.active`. An exchange that goes
    /// away still leading a coalesced fetch releases its waiters to fetch on their own.
    private var exchange: Exchange? {
        didSet {
            if let old = oldValue, old !== exchange { settleCoalescing(old, stored: false) }
        }
    }
    /// The request waiting for a coalesced fetch, and the fetch, while the phase is `.waiting`.
    private var waitingFor: (request: RequestHead, slot: CoalescingSlot, since: Double)?
    private var timerKind: TimerKind = .none
    private var parser: RequestParser
    /// Parses backend responses; one per connection, kept across exchanges (its field-line
    /// buffer is reused, where one per exchange allocated it every time). Not `lazy`: mutating a
    /// lazy property's struct copies it, and the copy's field array with it, on every parse.
    private var responseParser: ResponseParser
    private(set) var runtime: Runtime
    private var isReading = false
    private var isWriting = false
    private var peerClosed = false
    private(set) var closeAfterResponse = false
    /// The connection closes with input it did not read (an error, a body left unread): the
    /// close lingers so the client sees the response rather than a reset.
    private var lingerOnClose = false
    /// The request being answered is a HEAD: Portico's own answers to it carry no body.
    private var answeringHEAD = false
    /// The request being answered is HTTP/1.0: keeping its connection open must be said.
    private var answeringHTTP10 = false
    /// The socket did not take the output at once since the last request began: the client had
    /// time to send more (see `startLingering`).
    private var waitedToWrite = false
    /// `bytesWritten` when the last request began.
    private var bytesWrittenBefore = 0

    /// Whether closing now could reset a response still on its way: unread bytes in the socket,
    /// or unsent ones, after a response large or slow enough for the client to have sent more.
    private var mayBeCutByAReset: Bool {
        guard waitedToWrite || bytesWritten - bytesWrittenBefore > 64 * 1024 else { return false }
        var unread: CInt = 0
        var unsent: CInt = 0
        return ioctl(fd, UInt(FIONREAD), &unread) != 0 || unread > 0
            || ioctl(fd, UInt(TIOCOUTQ), &unsent) != 0 || unsent > 0
    }

    /// Whether the request still being parsed is a HEAD, for the error that refuses it: its
    /// request line may be all there is, but the method is known from its first bytes.
    private var inputStartsWithHEAD: Bool {
        input.withContiguousBytes { bytes in
            var start = 0
            // Empty lines may come first (RFC 9112 §2.2).
            while start < bytes.count, bytes[start] == 13 || bytes[start] == 10 { start += 1 }
            return bytes.count - start >= 5 && bytes[start..<start + 5].elementsEqual("HEAD ".utf8)
        }
    }

    init(worker: Worker, id: UInt64, fd: CInt, peer: ResolvedAddress) {
        self.worker = worker
        self.id = id
        self.fd = fd
        peerAddress = peer
        runtime = worker.runtime
        parser = RequestParser(limits: runtime.parseLimits)
        responseParser = ResponseParser(limits: runtime.responseLimits)
        timer = DeadlineTimer(worker: worker)
    }

    func start() {
        readEvent = IOEvent(base: worker.base, fd: fd, events: Int16(EV_READ | EV_PERSIST)) {
            [unowned(unsafe) self] _ in
            readable()
        }
        timer.handler = { [unowned(unsafe) self] in timedOut() }
        updateReading()
        // A client usually sends its request right after connecting, so it is often here by the
        // time the connection is accepted: read it now rather than a loop turn later. Measured on
        // close-1k: 4 % more requests a second and a lower p99; an empty read costs one recv.
        readable()
        // Only a connection still waiting for its first request needs `client_idle`: one answered
        // and closed in this turn never makes its timer.
        if case .idle = phase, timerKind == .none { setTimer(.idle, runtime.clientIdleTimeout) }
    }

    /// The write and hang-up events are made the first time they are needed: most connections
    /// never wait for the socket to drain nor pause reading, and each event is an allocation.
    private func makeWriteEvent() -> IOEvent {
        if let writeEvent { return writeEvent }
        let event = IOEvent(base: worker.base, fd: fd, events: Int16(EV_WRITE | EV_PERSIST)) {
            [unowned(unsafe) self] _ in
            flush()
        }
        writeEvent = event
        return event
    }

    private func makeClosedEvent() -> IOEvent {
        if let closedEvent { return closedEvent }
        let event = IOEvent(base: worker.base, fd: fd, events: Int16(EV_CLOSED | EV_PERSIST)) {
            [unowned(unsafe) self] _ in
            peerHungUp()
        }
        closedEvent = event
        return event
    }

    /// Graceful stop: an idle connection closes now, a busy one after its current response.
    func drain() {
        switch phase {
        case .idle: close()
        case .head, .active, .waiting: closeAfterResponse = true
        case .closing, .lingering, .closed: break
        }
    }

    // MARK: - Reading

    private func readable() {
        let received: Int?
        do {
            received = try input.read(from: fd, spill: worker.readSpill)
        } catch {
            abort()
            return
        }
        guard let received else { return }
        worker.traffic.bytesReceived.add(received, ordering: .relaxed)
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
        if let exchange, !exchange.requestBodyDone, !Self.mayHoldRestOfBody(exchange, buffered: input.count) {
            abort()
            return
        }
        process()
    }

    /// Whether `input` may hold the rest of the request body: an upload waiting for its backend
    /// (queued for a slot, connecting) and then half-closed was sent whole, and is not abandoned.
    /// A chunked body is judged when it is forwarded (a short one is cut there).
    private static func mayHoldRestOfBody(_ exchange: Exchange, buffered: Int) -> Bool {
        guard exchange.upstream == nil, buffered > 0 else { return false }
        switch exchange.requestBody {
        case .length(let remaining): return Int64(buffered) >= remaining
        case .chunked: return true
        case .done, .untilClose: return false
        }
    }

    /// Acts on whatever input is buffered, as far as the current phase allows.
    ///
    /// A loop, not a recursion: a cache hit ends its request at once, and the end of a request
    /// asks for the next one (`endRequest`), so with pipelined hits each request used to be
    /// answered one stack frame deeper than the last; thousands of them in one read overflowed
    /// the stack. A call made while processing is already under way only asks for another round.
    private func process() {
        if isProcessing {
            processAgain = true
            return
        }
        isProcessing = true
        defer { isProcessing = false }
        repeat {
            processAgain = false
            switch phase {
            case .idle where outputIsFull:
                // Pipelined requests wait in `input` until the client reads what it was sent
                // (`flush` resumes them); answering on regardless let a client that never reads
                // grow the output without bound. Reading stops too (`updateReading`), so TCP
                // pushes back, and `send` times the client out if it never reads.
                break
            case .idle, .head:
                parseHead()
            case .active:
                if let exchange { forwardRequestBody(exchange) }
            case .waiting:
                break
            case .closing, .lingering, .closed:
                input.drain(input.count)
            }
            updateReading()
        } while processAgain
    }

    /// `process` is running further up the stack.
    private var isProcessing = false
    /// A request ended while `process` was running: it takes the next round.
    private var processAgain = false

    private func parseHead() {
        guard !input.isEmpty else {
            if peerClosed { closeWhenWritten() }
            return
        }
        if case .idle = phase {
            phase = .head
            refreshRuntime()
        }
        let result: HeadParseResult<RequestHead>
        do {
            result = try input.withContiguousBytes { bytes throws(HTTPParseError) in try parser.parse(bytes) }
        } catch {
            answeringHEAD = inputStartsWithHEAD
            respondWithError(status: error.status, message: error.description, close: true)
            return
        }
        switch result {
        case .needMore:
            if peerClosed {
                closeWhenWritten()
                return
            }
            // The head is not all here: `client_header` runs from now. (A head that arrived whole,
            // as most do, never arms it.)
            if timerKind != .header { setTimer(.header, runtime.clientHeaderTimeout) }
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
        responseParser = ResponseParser(limits: runtime.responseLimits)
    }

    // MARK: - Request

    /// An absolute-form target with the `https` scheme (any case).
    static func isHTTPSTarget(_ target: String) -> Bool {
        target.utf8.count > 8 && target.utf8.prefix(8).lazy.map { $0 | 0x20 }.elementsEqual("https://".utf8)
    }

    private func startExchange(_ request: RequestHead, coalescing: CoalescingMode = .join) {
        setTimer(.none, nil)
        answeringHEAD = request.method == "HEAD"
        answeringHTTP10 = request.version == .http10
        waitedToWrite = false
        bytesWrittenBefore = bytesWritten
        if worker.accessLog != nil && logEntry == nil { logEntry = PendingLog(request, start: worker.preciseClock) }
        if !request.keepAlive || worker.isDraining { closeAfterResponse = true }
        if request.headers.contains("Expect") && request.headers.tokens("Expect") != ["100-continue"] {
            respondWithError(status: 417, message: "only 100-continue is supported", close: true)
            return
        }
        if request.method == "CONNECT" {
            respondWithError(status: 501, message: "CONNECT tunnels are not supported", close: true)
            return
        }
        if Self.isHTTPSTarget(request.target) {
            // RFC 9110 §4.2.2: "https" resources share no identity with "http" ones, and this
            // connection is not secured; answering from the http:// cache entry (or fetching
            // over plain HTTP under the https name) would conflate the two. §15.5.20: 421.
            respondWithError(
                status: 421, message: "https:// targets need a TLS connection; this listener is plain HTTP",
                close: !request.hasNoBody)
            return
        }
        let maxForwards = MaxForwards.action(for: request)
        if maxForwards == .answerLocally {
            let answer = MaxForwards.localAnswer(to: request)
            responseStatus = 200
            output.append(
                ErrorResponse.bytes(
                    status: 200,
                    contentType: answer.contentType,
                    body: answer.body,
                    close: closeAfterResponse || !request.hasNoBody,
                    date: worker.dateString,
                    extraHeaders: withCacheStatus(answer.extra),
                    headOnly: request.method == "HEAD"
                )
            )
            if !request.hasNoBody { closeAfterUnreadInput() }
            endRequest()
            return
        }
        guard let group = runtime.group(host: request.host, path: request.path) else {
            respondWithError(status: 404, message: "no route for this host and path", close: !request.hasNoBody)
            return
        }
        var cacheForward: CacheForward?
        if let cache = worker.cache, CacheRequestPolicy.canUseStoredResponse(for: request.method), request.hasNoBody {
            switch lookUp(request, in: cache, coalescing: coalescing) {
            case .bypass: break
            case .answered: return
            case .waiting(let slot):
                wait(for: slot, request: request)
                return
            case .forward(let forward): cacheForward = forward
            }
        }
        if request.expectsContinue && !request.hasNoBody {
            // RFC 9110 §10.1.1: the proxy answers 100 itself (as nginx does), so the backend sees a
            // plain request and the body starts flowing at once.
            output.append("HTTP/1.1 100 Continue\r\n\r\n")
        }
        let exchange = Exchange(
            worker: worker, request: request, group: group,
            maxForwards: maxForwards)
        responseParser.reset()
        exchange.cache = cacheForward
        exchange.requestTime = worker.wallClock
        phase = .active
        self.exchange = exchange
        flushAtEndOfTurn()
        connectUpstream(exchange, carrying: nil)
        if self.exchange === exchange {
            forwardRequestBody(exchange)
        }
    }

    /// Writes the head that goes to the backend onto `buffer`, straight from the client's parsed
    /// head: only `Max-Forwards` and a revalidation change its fields first. Written again for a
    /// retry rather than kept.
    func appendUpstreamHead(_ exchange: Exchange, to buffer: EventBuffer) {
        var remaining: Int?
        if case .forwardDecremented(let count) = exchange.maxForwards { remaining = count }
        guard remaining != nil || exchange.cache?.stale != nil else {
            // The common case, with no copy of the request's head.
            ProxyHeaders.appendUpstreamRequest(
                exchange.request, clientAddress: peer,
                serverAuthority: exchange.serverAuthority, to: buffer)
            return
        }
        var forwarded = exchange.request
        if let remaining { forwarded.headers.set("Max-Forwards", String(remaining)) }
        if let stale = exchange.cache?.stale {
            // Revalidation: the cache's validators replace the client's own conditionals, so a
            // 304 always answers for the stored response.
            forwarded.headers = Conditional.revalidationRequestHeaders(forwarded.headers, for: stale.policy)
        }
        ProxyHeaders.appendUpstreamRequest(
            forwarded, clientAddress: peer,
            serverAuthority: exchange.serverAuthority, to: buffer)
    }

    /// Parks the request until the fetch it waits for is settled (`coalescedFetchEnded`) or
    /// `coalesce_timeout` passes; reading pauses meanwhile, as for a request with a backend.
    private func wait(for slot: CoalescingSlot, request: RequestHead) {
        phase = .waiting
        waitingFor = (request, slot, worker.wallClock)
        worker.startWaiting(self)
        setTimer(.coalesce, runtime.coalesceTimeout)
        updateReading()
    }

    /// The fetch this connection waited for is settled: look again (and maybe wait again) when
    /// it was stored, else fetch alone.
    func coalescedFetchEnded(stored: Bool) {
        guard case .waiting = phase, let (request, _, since) = waitingFor else { return }
        waitingFor = nil
        phase = .head
        startExchange(request, coalescing: stored ? .collapsed(since: since) : .alone)
    }

    /// Sends the exchange to the next server: a pooled connection if one is idle, else a new one.
    /// `carrying` is what a failed connection had not sent yet (head and body so far).
    private func connectUpstream(_ exchange: Exchange, carrying unsent: EventBuffer?) {
        let group = exchange.group
        guard let server = worker.pickServer(in: group, key: exchange.balancingKey, excluding: exchange.triedServers)
        else {
            if exchange.triedServers.isEmpty {
                noServerAvailable(exchange, carrying: unsent)
            } else {
                failExchange(exchange, status: exchange.lastFailureStatus, message: "no backend server left to try")
            }
            return
        }
        if exchange.attempts == 0 { worker.recordAttempt(in: group) }
        exchange.attempts += 1
        exchange.triedServers.insert(server.id)
        exchange.took(server)
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
            appendUpstreamHead(exchange, to: upstream.output)
        }
        upstream.begin(delegate: self, responseTimeout: exchange.group.responseTimeout, reused: reused)
        if exchange.requestBodyDone { upstream.requestSent() }
    }

    /// Sends the exchange again on a fresh try: its response so far is discarded.
    func resend(_ exchange: Exchange, carrying head: EventBuffer) {
        exchange.response = nil
        responseParser.reset()
        exchange.triedServers.removeAll()
        connectUpstream(exchange, carrying: head)
    }

    private func connectFailed(_ exchange: Exchange, reason: String, unsent: EventBuffer?) {
        let server = exchange.server?.authority ?? "?"
        Log.error("backend \(exchange.group.name) server \(server): \(reason)")
        let status = exchange.unreachableStatus
        exchange.endAttempt(failure: "connect: \(reason)", status: status, now: worker.monotonicClock)
        // Nothing reached the server: any request may go to another one.
        if retry(exchange, carrying: unsent) { return }
        failExchange(exchange, status: status, message: "could not connect to backend")
    }

    /// Sends the exchange to another server when `retries` and the group's retry budget allow.
    private func retry(_ exchange: Exchange, carrying unsent: EventBuffer?) -> Bool {
        guard exchange.retriesLeft > 0, exchange.triedServers.count < exchange.group.servers.count,
            worker.takeRetry(in: exchange.group)
        else { return false }
        exchange.retriesLeft -= 1
        let carried = unsent ?? EventBuffer()
        if unsent == nil { appendUpstreamHead(exchange, to: carried) }
        connectUpstream(exchange, carrying: carried)
        return true
    }

    /// No server can take the request now: it waits in the group's queue when every server is
    /// only full (`max_conns`, with `queue`), and is answered 503 with `Retry-After` otherwise.
    private func noServerAvailable(_ exchange: Exchange, carrying unsent: EventBuffer?) {
        let group = exchange.group
        let now = worker.monotonicClock
        if let queue = group.settings.queue, unsent == nil, group.pool.isSaturated(now: now) {
            if worker.enqueue(self, group: group, limit: queue.size) {
                setTimer(.queue, timeval(queue.timeout))
                return
            }
            respondWithError(
                status: 503, message: "every server is at max_conns and the queue is full",
                close: !exchange.requestBodyDone,
                extraHeaders: [HeaderField(name: "Retry-After", value: "1")] + exchange.cacheStatusFields)
            return
        }
        let retryAfter = String(group.pool.retryAfter(now: now))
        exchange.upstream = nil
        respondWithError(
            status: 503, message: "no backend server available", close: !exchange.requestBodyDone,
            extraHeaders: [HeaderField(name: "Retry-After", value: retryAfter)] + exchange.cacheStatusFields)
    }

    /// A slot freed up in the group this connection queued for: try again.
    func dequeued() {
        guard let exchange, exchange.upstream == nil, timerKind == .queue else { return }
        setTimer(.none, nil)
        connectUpstream(exchange, carrying: nil)
        if self.exchange === exchange { forwardRequestBody(exchange) }
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
                let finished = try input.decodeChunks(&decoder, into: upstream.output, rechunk: true) { count in
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
        // `client_idle` runs while a body is owed: from the head on (a chunked body may stall
        // before its first data byte, after a size line alone), restarted by every byte.
        if !exchange.requestBodyDone, isReading, exchange.requestBodyBytes != before || timerKind == .none {
            setTimer(.body, runtime.clientIdleTimeout)
        }
        if exchange.requestBodyDone {
            if timerKind == .body { setTimer(.none, nil) }
            upstream.requestSent()
        }
        upstream.flush()
        if peerClosed && !exchange.requestBodyDone {
            // The client went away mid-body: the backend must never see a complete-looking
            // request, so its connection is cut with the body short. Responses to the requests
            // before it, still in `output`, go out first.
            exchange.upstream?.close()
            exchange.upstream = nil
            self.exchange = nil
            closeWhenWritten()
        }
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
                    try responseParser.parse(bytes, requestMethod: exchange.request.method)
                }
            } catch {
                upstream.close()
                failExchange(exchange, status: 502, message: "invalid response from backend (\(error.description))")
                return false
            }
            guard case .head(let response, let consumed) = result else { return false }
            upstream.input.drain(consumed)
            responseParser.reset()
            if response.status == 101 {
                upstream.close()
                failExchange(exchange, status: 502, message: "backend switched protocols without being asked")
                return false
            }
            // RFC 9110 §15.2: a proxy forwards interim responses (a 103's early `Link`s, a 102),
            // except to an HTTP/1.0 client, which must never get one. Portico never asks for
            // one itself (it sends no `Expect`), so it has none of its own to keep back. They are
            // advice, so a client that has not read those already sent gets no more: a backend
            // sending 102s without end cannot grow the output.
            if response.status < 200 {
                if exchange.request.version != .http10, !outputIsFull {
                    ProxyHeaders.appendInterimResponse(response, to: output)
                    flushAtEndOfTurn()
                }
                continue
            }
            let pool = exchange.group.pool
            exchange.recordResult(
                failure: pool.isFailure(status: response.status) ? "status \(response.status)" : nil,
                latency: max(0, worker.wallClock - exchange.sentAt), now: worker.monotonicClock)
            if applyCache(to: response, of: exchange, from: upstream) { return false }
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
            if !exchange.requestBodyDone { closeAfterUnreadInput() }
            responseStatus = response.status
            if logEntry != nil, let server = exchange.server {
                logEntry?.upstream = server.authority
                logEntry?.cache = exchange.cache.map { $0.status.summary } ?? "-"
            }
            ProxyHeaders.appendClientResponse(
                response,
                framing: exchange.clientFraming,
                keepAlive: !closeAfterResponse,
                clientVersion: exchange.request.version,
                date: worker.dateString,
                cacheStatus: exchange.cacheStatus,
                to: output
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
            if count <= EventBuffer.smallBody {
                upstream.input.copy(Int(count), to: output)
            } else {
                upstream.input.move(Int(count), to: output)
            }
            exchange.responseBody = count == remaining ? .done : .length(remaining: remaining - count)
        case .chunked(var decoder):
            do {
                let finished = try upstream.input.decodeChunks(
                    &decoder, into: output, rechunk: exchange.clientFraming == .chunked
                ) { count in capture(count, of: upstream.input, for: exchange) }
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
        // Stored before its last bytes go out: a client that has the whole response and asks
        // again, on any worker, finds it in the cache.
        if case .done = exchange.responseBody { store(exchange) }
        flushAtEndOfTurn()
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
            exchange.endAttempt(failure: "no response within response_timeout", status: 504, now: worker.monotonicClock)
            if exchange.mayResend, upstream.receivedNothing, retry(exchange, carrying: nil) { return }
            failExchange(exchange, status: 504, message: "backend did not respond within response_timeout")
        case .io, nil:
            if upstream.wasReused, upstream.receivedNothing, exchange.mayResend {
                // A pooled connection the backend closed just as we reused it, without a byte of
                // answer (not even an interim response, which the client may already have): the
                // request cannot have been acted on, so send it again on a fresh connection.
                exchange.endAttempt(failure: nil, status: 502, now: worker.monotonicClock)
                exchange.triedServers.remove(upstream.server.id)
                let carried = EventBuffer()
                appendUpstreamHead(exchange, to: carried)
                connectUpstream(exchange, carrying: carried)
                return
            }
            exchange.endAttempt(
                failure: "connection closed or reset before a response", status: exchange.unreachableStatus,
                now: worker.monotonicClock)
            // An idempotent request the server may have seen but did not answer at all.
            if exchange.mayResend, upstream.receivedNothing, retry(exchange, carrying: nil) { return }
            failExchange(
                exchange, status: exchange.unreachableStatus,
                message: "backend closed the connection without a response")
        }
    }

    /// The response is all in `output`: the backend connection goes back to the pool when both
    /// messages ended cleanly, and the client connection moves on to its next request.
    private func finishExchange(_ exchange: Exchange, upstream: UpstreamConnection?) {
        store(exchange)
        exchange.releaseServer()
        if let upstream {
            let reusable =
                exchange.response?.keepAlive == true && exchange.requestBodyDone && upstream.input.isEmpty
                && upstream.isUsable
            if reusable { worker.park(upstream, group: exchange.group) } else { upstream.close() }
        }
        exchange.upstream = nil
        if !exchange.requestBodyDone { closeAfterUnreadInput() }
        endRequest()
    }

    private func failExchange(_ exchange: Exchange, status: Int, message: String, close: Bool = false) {
        exchange.upstream?.close()
        exchange.upstream = nil
        exchange.releaseServer()
        if exchange.responseStarted {
            abort()
            return
        }
        if status >= 500, serveStaleOnError(exchange, status: status) { return }
        respondWithError(
            status: status, message: message, close: close || !exchange.requestBodyDone,
            extraHeaders: exchange.cacheStatusFields)
    }

    // MARK: - Ending requests

    /// The `Cache-Status` of an answer Portico makes without the cache or a backend (a refused
    /// request, `TRACE` at `Max-Forwards: 0`): while the cache is on, every response says what
    /// the cache did (RFC 9211), and here it did not handle the request: `fwd=bypass`, the
    /// registered value for that.
    static let notForwarded = HeaderField(name: "Cache-Status", value: "portico; fwd=bypass")

    /// `extra` with `notForwarded` added while the cache is on, unless it says a status already.
    private func withCacheStatus(_ extra: [HeaderField]) -> [HeaderField] {
        guard worker.cache != nil, !extra.contains(where: { $0.name == "Cache-Status" }) else { return extra }
        return extra + [Self.notForwarded]
    }

    func respondWithError(status: Int, message: String, close: Bool, extraHeaders: [HeaderField] = []) {
        if close { closeAfterUnreadInput() }
        responseStatus = status
        var extra = withCacheStatus(extraHeaders)
        // An HTTP/1.0 client that asked to keep the connection is told it stays open.
        if !closeAfterResponse, answeringHTTP10 { extra.append(HeaderField(name: "Connection", value: "keep-alive")) }
        output.append(
            ErrorResponse.bytes(
                status: status, message: message, close: closeAfterResponse, date: worker.dateString,
                extraHeaders: extra, headOnly: answeringHEAD)
        )
        endRequest()
    }

    /// The `Connection` field a response Portico makes from the cache needs: `close` when the
    /// connection ends after it, `keep-alive` for an HTTP/1.0 client keeping it, else none.
    func connectionField(for version: HTTPVersion) -> String? {
        if closeAfterResponse { return "close" }
        return version == .http10 ? "keep-alive" : nil
    }

    /// The status of the response being written: counted as its head goes out, so the tallies
    /// never lag behind what a client has received.
    var responseStatus = 0 {
        didSet {
            worker.traffic.recordResponse(status: responseStatus)
            if worker.accessLog != nil {
                if logEntry == nil { logEntry = PendingLog(nil, start: worker.preciseClock) }
                logEntry?.mark = bytesWritten + output.count
            }
        }
    }

    /// What the access log needs of the response being written; nil while the log is off.
    var logEntry: PendingLog?
    /// Bytes written to the socket over the connection's life.
    private var bytesWritten = 0

    struct PendingLog {
        var method = "-"
        var target = "-"
        var version = "-"
        var referer: String?
        var userAgent: String?
        var start: Double
        var cache = "-"
        var upstream = "-"
        /// `bytesWritten + output.count` when the response began.
        var mark = 0

        init(_ request: RequestHead?, start: Double) {
            self.start = start
            guard let request else { return }
            method = request.method
            target = request.target
            version = request.version.description
            referer = request.headers["Referer"]
            userAgent = request.headers["User-Agent"]
        }
    }

    /// Hands the finished response's line to the worker's log buffer.
    private func writeLogLine() {
        guard worker.accessLog != nil, let entry = logEntry else { return }
        logEntry = nil
        worker.log(
            AccessLogRecord(
                client: peer, time: worker.wallClock, method: entry.method, target: entry.target,
                version: entry.version, status: responseStatus, bytes: bytesWritten + output.count - entry.mark,
                duration: worker.preciseClock - entry.start, cache: entry.cache, upstream: entry.upstream,
                referer: entry.referer, userAgent: entry.userAgent))
    }

    func endRequest() {
        writeLogLine()
        exchange = nil
        answeringHEAD = false
        answeringHTTP10 = false
        // A client that shut its side after pipelining still gets an answer to every request it
        // sent whole: the connection closes once `input` holds no complete request.
        if closeAfterResponse || (peerClosed && input.isEmpty) {
            closeWhenWritten()
            return
        }
        enterIdle()
        flushAtEndOfTurn()
        if !input.isEmpty { process() }
    }

    /// Closes once the responses already in `output` are written (lingering if input is unread).
    private func closeWhenWritten() {
        phase = .closing
        setTimer(.none, nil)
        flushAtEndOfTurn()
    }

    private func enterIdle() {
        phase = .idle
        setTimer(.idle, runtime.clientIdleTimeout)
        updateReading()
    }

    // MARK: - Writing

    /// Queues the output for the end of the loop turn (see `PendingWrites`).
    private func flushAtEndOfTurn() { worker.pendingWrites.add(self) }

    func flush() {
        if case .closed = phase { return }
        if !output.isEmpty {
            let before = output.count
            do {
                let sent = try output.write(to: fd)
                bytesWritten += sent
                worker.traffic.bytesSent.add(sent, ordering: .relaxed)
            } catch {
                abort()
                return
            }
            if output.count < before, timerKind == .send { setTimer(.send, runtime.sendTimeout) }
        }
        if output.isEmpty {
            setWriting(false)
            // `client_idle` counts from when the last response left, not from when it was made:
            // a long loop turn (thousands of pipelined hits) may lie between the two.
            if timerKind == .send || timerKind == .idle { restorePhaseTimer() }
            if case .closing = phase { startLingering() }
        } else {
            setWriting(true)
            if timerKind != .send { setTimer(.send, runtime.sendTimeout) }
        }
        if output.count < UpstreamConnection.lowWatermark {
            if let exchange, let upstream = exchange.upstream {
                upstream.resumeReading()
            } else if case .idle = phase, !isProcessing {
                // Requests held back while the output was full (`process`) go on.
                if !input.isEmpty { process() } else { updateReading() }
            }
        }
    }

    /// More response bytes wait than a client that reads should let pile up: new requests are
    /// not started until it reads (high watermark; they resume below the low one, in `flush`).
    private var outputIsFull: Bool { output.count >= UpstreamConnection.highWatermark }

    private func closeAfterUnreadInput() {
        closeAfterResponse = true
        lingerOnClose = true
    }

    /// After the last response: a close with nothing unread is immediate (as nginx does for a
    /// plain `Connection: close`); otherwise the write side shuts and the input is drained for a
    /// while, so a client still sending never gets a reset in place of its response (RFC 9112
    /// §9.6). "Unread" is a body Portico did not read or bytes already buffered; and after a
    /// large response, or one the socket did not take at once (time enough for a client to send
    /// a stray CRLF or another request), also bytes waiting in the socket, or response bytes the
    /// kernel has not sent yet: a close with either would let a reset throw away the response's
    /// tail. A small response written at once, most of them, skips those two ioctls.
    private func startLingering() {
        if peerClosed || (!lingerOnClose && input.isEmpty && !mayBeCutByAReset) {
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
        case .idle:
            // A full output stops reading only once a next request has arrived: one response
            // as large as the watermark (any hit of 256 KiB or more) would otherwise turn reading
            // off and on again around every request, an epoll_ctl each. What one read brings in
            // meanwhile is all that waits.
            wanted = !peerClosed && (input.isEmpty || !outputIsFull)
        case .head:
            wanted = !peerClosed
        case .waiting:
            wanted = false
        case .active:
            if let exchange, !exchange.requestBodyDone {
                // Without a backend connection yet (queued for a `max_conns` slot, connecting),
                // the body waits in `input`: a little of it, then TCP pushes back.
                let buffered = exchange.upstream?.output.count ?? input.count
                wanted = !peerClosed && buffered < UpstreamConnection.highWatermark
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
            switch phase {
            case .active, .waiting: if !peerClosed { makeClosedEvent().add() }
            default: break
            }
        }
        // While the backend holds an upload back, the client is not stalling: `client_idle`
        // counts only while Portico is reading.
        // (A request queued for a `max_conns` slot keeps its queue timer.)
        if case .active = phase, let exchange, !exchange.requestBodyDone, timerKind != .send, timerKind != .queue {
            if on { setTimer(.body, runtime.clientIdleTimeout) } else { setTimer(.none, nil) }
        }
    }

    private func setWriting(_ on: Bool) {
        guard on != isWriting else { return }
        if case .closed = phase { return }
        isWriting = on
        if on { waitedToWrite = true }
        if on { makeWriteEvent().add() } else { writeEvent?.delete() }
    }

    private func setTimer(_ kind: TimerKind, _ duration: timeval?) {
        if let duration, kind != .none {
            timer.set(duration)
        } else if timerKind != .none {
            timer.cancel()
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
        case .waiting: setTimer(.coalesce, runtime.coalesceTimeout)
        case .active, .closing, .lingering, .closed: setTimer(.none, nil)
        }
    }

    private func timedOut() {
        let kind = timerKind
        timerKind = .none
        switch kind {
        case .header:
            answeringHEAD = inputStartsWithHEAD
            respondWithError(status: 408, message: "request head not received within client_header", close: true)
        case .idle, .linger:
            close()
        case .coalesce:
            // Waited long enough for someone else's fetch: fetch alone.
            guard let (request, slot, _) = waitingFor else { return }
            worker.stopWaiting(self, slot: slot)
            waitingFor = nil
            phase = .head
            startExchange(request, coalescing: .alone)
        case .queue:
            worker.leaveQueue(self)
            guard let exchange else { return }
            exchange.upstream = nil
            respondWithError(
                status: 503, message: "no server slot freed up within the queue timeout",
                close: !exchange.requestBodyDone, extraHeaders: [HeaderField(name: "Retry-After", value: "1")])
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
        if timerKind == .queue { worker.leaveQueue(self) }
        if let (_, slot, _) = waitingFor {
            worker.stopWaiting(self, slot: slot)
            waitingFor = nil
        }
        exchange?.upstream?.close()
        exchange?.upstream = nil
        exchange = nil
        phase = .closed
        readEvent?.delete()
        closedEvent?.delete()
        writeEvent?.delete()
        timer.stop()
        Glibc.close(fd)
        worker.clientClosed(self)
    }
}
