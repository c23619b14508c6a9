import PorticoCache
import PorticoHTTP

// The cache's part in a client's request cycle (RFC 9111): look the request up before it goes
// anywhere, answer from a stored entry by reference, or send it on, as a miss or as a
// revalidation, and decide what to do with the backend's answer when its head arrives.
//
// Coalescing: a GET that finds nothing usable joins the shared `Coalescer`. The first request
// for a key leads and fetches; the others park on their own workers until the leader's fetch is
// settled, then look the cache up again (`collapsed`) or, when the leader's response could not
// be shared, fetch on their own (`alone`). Settling happens exactly once per leader: when the
// response is stored, when it turns out not storable, or when the exchange ends any other way
// (`Exchange` going away settles it as not stored).

/// What the cache made of a request before it goes anywhere.
enum CacheLookup {
    /// Not a request the cache looks at.
    case bypass
    /// Answered from the cache (or with 504 for only-if-cached); nothing goes to a backend.
    case answered
    /// Waits for another request's fetch of the same resource.
    case waiting(CoalescingSlot)
    /// Goes to the backend: a miss, or a stored response to revalidate.
    case forward(CacheForward)
}

/// How a request may take part in coalescing.
enum CoalescingMode {
    /// It may lead or wait.
    case join
    /// It waited since `since`, and the fetch it waited for is stored: it may lead or wait
    /// again, and a response received after `since` counts as validated for it.
    case collapsed(since: Double)

    var isCollapsed: Bool {
        if case .collapsed = self { return true }
        return false
    }
    /// The fetch it waited for was not shareable, or it waited too long: it fetches alone.
    case alone
}

extension ClientConnection {
    /// `Cache-Status` of the 504 for `only-if-cached` (RFC 9111 §5.2.1.7) with nothing usable.
    static let onlyIfCachedMiss = CacheStatus.forward(.miss, detail: "only-if-cached").fieldValue
    static let onlyIfCachedStale = CacheStatus.forward(.stale, detail: "only-if-cached").fieldValue

    /// RFC 9111 §4: picks the stored variant for the request and decides whether it may be used.
    func lookUp(_ request: RequestHead, in cache: CacheStore, coalescing: CoalescingMode) -> CacheLookup {
        guard let key = CacheKey(scheme: "http", request: request) else { return .bypass }
        let now = worker.wallClock
        // Most requests carry none of the fields below: one pass rules them all out.
        let fields = request.headers.cacheRequestFields
        let control =
            fields.isDisjoint(with: .directives) ? CacheControl() : CacheControl(requestHeaders: request.headers)
        let variants = cache.lookup(key)
        let entry = variants.first {
            Variants.matches(fieldNames: $0.varyNames, storedValues: $0.variant, requestHeaders: request.headers)
        }
        guard let entry else {
            cache.recordMiss()
            if control.onlyIfCached {
                respondWithError(
                    status: 504, message: "only-if-cached and nothing stored", close: false,
                    extraHeaders: [HeaderField(name: "Cache-Status", value: Self.onlyIfCachedMiss)])
                return .answered
            }
            let forward = CacheForward(key: key, status: .forward(variants.isEmpty ? .miss : .varyMiss))
            return coalesce(
                request, forward, stored: variants.first, personal: !fields.isDisjoint(with: .personal),
                mode: coalescing)
        }
        let conditional =
            fields.isDisjoint(with: .preconditions)
            ? .proceed
            : Conditional.evaluate(
                method: request.method,
                requestHeaders: request.headers,
                storedStatus: entry.status,
                storedHeaders: entry.headers,
                responseTime: entry.policy.responseTime,
                now: now
            )
        if conditional == .forward { return .forward(CacheForward(key: key, status: .forward(.request))) }
        let collapsed = coalescing.isCollapsed
        switch CacheRequestPolicy.decide(request: control, entry: entry.policy, now: now) {
        case .fresh:
            cache.recordHit(entry)
            let ttl = CacheStatus.ttlSeconds(entry.policy.remainingFreshness(at: now))
            serve(
                entry, to: request, notModified: conditional == .notModified, now: now,
                status: .hit(ttl: ttl, collapsed: collapsed), ranged: fields.contains(.range))
            return .answered
        case .staleServable(let reason):
            cache.recordStale(entry)
            let ttl = CacheStatus.ttlSeconds(entry.policy.remainingFreshness(at: now))
            let detail = reason.needsBackgroundRefresh ? "stale-while-revalidate" : "max-stale"
            serve(
                entry, to: request, notModified: conditional == .notModified, now: now,
                status: .hit(ttl: ttl, collapsed: collapsed, detail: detail), ranged: fields.contains(.range))
            if reason.needsBackgroundRefresh { refreshInBackground(entry, for: request, key: key) }
            return .answered
        case .onlyIfCachedUnsatisfiable:
            respondWithError(
                status: 504, message: "only-if-cached and the stored response is stale", close: false,
                extraHeaders: [HeaderField(name: "Cache-Status", value: Self.onlyIfCachedStale)])
            return .answered
        case .mustRevalidate(let reason):
            if case .collapsed(let since) = coalescing, reason.forwardReason == .stale,
                entry.policy.responseTime >= since
            {
                // The fetch this request waited for brought (or validated) the entry after it
                // arrived: that is the validation no-cache or staleness asks for. Without this,
                // waiters for a `no-cache` or `max-age=0` URL would revalidate one after another.
                cache.recordHit(entry)
                serve(
                    entry, to: request, notModified: conditional == .notModified, now: now,
                    status: .hit(ttl: CacheStatus.ttlSeconds(entry.policy.remainingFreshness(at: now)), collapsed: true)
                )
                return .answered
            }
            // An entry nothing can revalidate goes now, unless the request's own stale-if-error
            // may still want it when the origin fails (RFC 5861 §4), or the request is a HEAD,
            // whose answer may freshen it (RFC 9111 §4.3.5).
            if control.staleIfError == nil, request.method != "HEAD", cache.removeIfUnusable(entry, now: now) {
                return lookUp(request, in: cache, coalescing: coalescing)
            }
            let forward = CacheForward(key: key, status: .forward(reason.forwardReason), stale: entry)
            forward.clientConditional = conditional
            // A client that asked for the origin's word (no-cache, max-age, min-fresh) does not
            // wait for someone else's fetch.
            if reason.forwardReason == .request { return .forward(forward) }
            return coalesce(
                request, forward, stored: entry, personal: !fields.isDisjoint(with: .personal), mode: coalescing)
        }
    }

    /// Joins the fetch of a GET that the cache cannot answer: leads it (the request goes on, and
    /// settles the slot later) or waits for it.
    private func coalesce(
        _ request: RequestHead, _ forward: CacheForward, stored: CacheEntry?, personal: Bool, mode: CoalescingMode
    ) -> CacheLookup {
        if case .alone = mode { return .forward(forward) }
        // A Range request gets a part (206, not stored), and one with If-Match or
        // If-Unmodified-Since may get a 412: nothing another request could share.
        guard request.method == "GET", !personal, let coalescer = worker.coalescer else {
            return .forward(forward)
        }
        // The slot itself is made only when the request leads or waits: most requests for a URL
        // marked uncacheable (hit-for-miss) need none.
        let variantKey = CoalescingSlot.variantKey(of: request, stored: stored)
        let waiter = Coalescer.Waiter(worker: worker.index, connection: id)
        switch coalescer.join(forward.key, variantKey: variantKey, waiter: waiter, now: worker.wallClock) {
        case .follower:
            worker.cache?.recordCoalesced()
            return .waiting(CoalescingSlot(key: forward.key, variantKey: variantKey))
        case .leader:
            forward.slot = CoalescingSlot(key: forward.key, variantKey: variantKey)
            return .forward(forward)
        case .uncacheable:
            return .forward(forward)
        }
    }

    /// Writes a stored response: its shared head and body by reference, with `Age` and
    /// `Cache-Status` (and the connection's own fields) written beside them.
    ///
    /// `ranged`: whether the request has a Range field, when the caller knows (else it is looked for).
    func serve(
        _ entry: CacheEntry, to request: RequestHead, notModified: Bool, now: Double, status: CacheStatus,
        ranged: Bool? = nil
    ) {
        responseStatus = notModified ? 304 : entry.status
        logEntry?.cache = status.summary
        let age = max(0, Int(entry.policy.currentAge(at: now)))
        if notModified {
            var headers = Conditional.notModifiedHeaders(stored: entry.headers)
            headers.add("Age", String(age))
            headers.add("Via", entry.via ?? ProxyHeaders.via(.http11))
            headers.add("Cache-Status", status.fieldValue)
            if let connection = connectionField(for: request.version) { headers.add("Connection", connection) }
            output.append(
                ResponseHead(version: .http11, status: 304, reason: "Not Modified", headers: headers).serialized())
        } else if entry.status == 200, request.method == "GET", ranged ?? request.headers.contains("Range"),
            case let range = ByteRange.evaluate(
                requestHeaders: request.headers, storedHeaders: entry.headers, length: entry.bodyLength, now: now),
            range != .whole
        {
            servePart(range, of: entry, age: age, status: status, version: request.version)
        } else {
            output.appendReference(entry.head)
            // The per-response lines, written straight into the output: this runs for every hit.
            output.append(bound: status.fieldValueBound + 80) { tail in
                tail.write("Age: ")
                tail.write(decimal: age)
                tail.write("\r\nCache-Status: ")
                status.write(to: &tail)
                if closeAfterResponse {
                    tail.write("\r\nConnection: close")
                } else if request.version == .http10 {
                    tail.write("\r\nConnection: keep-alive")
                }
                tail.write("\r\n\r\n")
            }
            if request.method != "HEAD" { output.appendReference(entry.body) }
        }
        endRequest()
    }

    /// A 206 with one range of a stored 200 (by reference, like the whole body), or a 416 when
    /// the range starts past its end (RFC 9110 §14.4, §15.5.17).
    private func servePart(
        _ range: ByteRange, of entry: CacheEntry, age: Int, status: CacheStatus, version: HTTPVersion
    ) {
        responseStatus = range == .unsatisfiable ? 416 : 206
        var headers = entry.headers
        headers.remove("Content-Length")
        headers.remove("Content-Range")
        let length = entry.bodyLength
        var part: Range<Int> = 0..<0
        let head: ResponseHead
        if case .part(let bytes) = range {
            part = bytes
            headers.add("Content-Range", "bytes \(bytes.lowerBound)-\(bytes.upperBound - 1)/\(length)")
            headers.add("Content-Length", String(bytes.count))
            head = ResponseHead(version: .http11, status: 206, reason: "Partial Content", headers: headers)
        } else {
            headers.add("Content-Range", "bytes */\(length)")
            headers.add("Content-Length", "0")
            head = ResponseHead(version: .http11, status: 416, reason: "Range Not Satisfiable", headers: headers)
        }
        var fields = head
        fields.headers.add("Age", String(age))
        fields.headers.appendListElement("Via", entry.via ?? ProxyHeaders.via(.http11))
        fields.headers.add("Cache-Status", status.fieldValue)
        if let connection = connectionField(for: version) { fields.headers.add("Connection", connection) }
        output.append(fields.serialized())
        if !part.isEmpty { output.appendReference(entry.body, range: part) }
    }

    /// Cache work when a response head arrives: a 304 refreshes the stored response and answers
    /// from it; a 5xx may be replaced by a stale response (`stale-if-error`); a storable response
    /// starts being copied; an unsafe method's success invalidates what it changed (§4.4).
    /// Returns true when the client was answered from the cache.
    func applyCache(to response: ResponseHead, of exchange: Exchange, from upstream: UpstreamConnection) -> Bool {
        guard let cache = worker.cache else { return false }
        let request = exchange.request
        if !Invalidation.isSafe(request.method) {
            invalidate(after: request, response: response, in: cache)
            return false
        }
        guard let forward = exchange.cache else { return false }
        let now = worker.wallClock
        if let stale = forward.stale, response.status == 304 {
            releaseUpstream(of: exchange, upstream, keepAlive: response.keepAlive)
            let refreshed: CacheEntry
            var stored = false
            switch CacheFill.revalidated(
                stale, with304: response.headers, requestHeaders: request.headers,
                requestTime: exchange.requestTime, responseTime: now, via: ProxyHeaders.via(response.version))
            {
            case .mismatch:
                // RFC 9111 §4.3.4: a 304 that matches no stored response says nothing about what
                // to serve; fetch again with the client's own request.
                refetchWithoutValidators(exchange)
                return true
            case .store(let entry):
                refreshed = entry
                stored = cache.insert(entry)
            case .serveOnly(let entry, let dropStale):
                refreshed = entry
                if dropStale { cache.removeVariant(stale) }
            }
            settleCoalescing(exchange, stored: stored)
            var status = forward.status
            status.forwardStatus = 304
            status.ttl = CacheStatus.ttlSeconds(refreshed.policy.remainingFreshness(at: now))
            status.stored = stored
            serve(
                refreshed, to: request, notModified: forward.clientConditional == .notModified, now: now,
                status: status)
            return true
        }
        if CacheRequestPolicy.errorStatuses.contains(response.status),
            serveStaleOnError(exchange, status: response.status)
        {
            upstream.close()
            return true
        }
        forward.status.forwardStatus = response.status
        if request.method == "HEAD", response.status == 200, let stored = forward.stale {
            // RFC 9111 §4.3.5: the HEAD's answer freshens the stored GET response, or shows it
            // out of date. The client gets the origin's answer either way.
            switch CacheFill.updatedByHead(
                stored, with: response.headers, requestHeaders: request.headers, requestTime: exchange.requestTime,
                responseTime: now, via: ProxyHeaders.via(response.version))
            {
            case .store(let entry): forward.status.stored = cache.insert(entry)
            case .serveOnly(_, let dropStale): if dropStale { cache.removeVariant(stored) }
            case .mismatch: cache.removeVariant(stored)
            }
        }
        var uncacheable = false
        if request.method == "GET" {
            switch CacheFill.admit(
                key: forward.key, request: request, response: response, requestTime: exchange.requestTime,
                responseTime: now, maxObject: cache.largestBody)
            {
            case .store(let fill):
                exchange.fill = fill
                forward.status.stored = true
            case .skip(let detail, let responseReason):
                forward.status.detail = detail
                // A 304 answers the client's own conditional, not the URL in general.
                uncacheable = responseReason && response.status != 304
            }
        }
        // Waiters need not wait for a response they cannot share, nor later requests for one
        // that will not be storable either.
        if exchange.fill == nil { settleCoalescing(exchange, stored: false, uncacheable: uncacheable) }
        return false
    }

    /// Sends the client's request again as it came, conditionals included: the cache's own
    /// revalidation got a 304 that did not match the stored response.
    private func refetchWithoutValidators(_ exchange: Exchange) {
        // The 304 ended this attempt: its slot on the server is given back before the refetch
        // takes one (it was kept, one slot leaked per mismatch, until `max_conns` said 503).
        exchange.endAttempt(failure: nil, status: 304, now: worker.monotonicClock)
        exchange.cache?.stale = nil
        exchange.requestTime = worker.wallClock
        let head = EventBuffer()
        appendUpstreamHead(exchange, to: head)
        resend(exchange, carrying: head)
    }

    /// RFC 9111 §4.4: a successful unsafe request invalidates its target and the same-origin
    /// `Location` and `Content-Location` it names.
    private func invalidate(after request: RequestHead, response: ResponseHead, in cache: CacheStore) {
        guard let host = request.host,
            let target = TargetURI(scheme: "http", authority: host, pathAndQuery: request.path)
        else { return }
        for uri in Invalidation.urisToInvalidate(
            method: request.method, status: response.status, target: target, responseHeaders: response.headers)
        {
            cache.remove(CacheKey(scheme: uri.scheme, host: uri.authority, target: uri.pathAndQuery))
        }
    }

    /// Copies `count` bytes at the front of `source` into the exchange's fill; a fill that
    /// outgrew `max_object` is dropped, and its waiters released.
    func capture(_ count: Int, of source: EventBuffer, for exchange: Exchange) {
        guard let fill = exchange.fill else { return }
        source.copy(count, into: fill)
        if !fill.isActive {
            exchange.fill = nil
            settleCoalescing(exchange, stored: false, uncacheable: true)
        }
    }

    /// Stores a response that arrived whole, and lets its waiters look again.
    func store(_ exchange: Exchange) {
        guard let cache = worker.cache, let fill = exchange.fill else { return }
        exchange.fill = nil
        let stored =
            fill.finish(via: ProxyHeaders.via(exchange.response?.version ?? .http11)).map { cache.insert($0) } ?? false
        settleCoalescing(exchange, stored: stored)
    }

    /// RFC 9111 §4.2.4 with RFC 5861 §4: answers with the stale response when the backend failed
    /// and `stale-if-error` (or the request's `max-stale`) allows it.
    func serveStaleOnError(_ exchange: Exchange, status: Int) -> Bool {
        guard let stale = exchange.cache?.stale, let cache = worker.cache else { return false }
        let now = worker.wallClock
        guard
            CacheRequestPolicy.canServeStaleOnError(
                entry: stale.policy, request: CacheControl(requestHeaders: exchange.request.headers), now: now)
        else { return false }
        exchange.upstream = nil
        cache.recordStale(stale)
        let ttl = CacheStatus.ttlSeconds(stale.policy.remainingFreshness(at: now))
        serve(
            stale, to: exchange.request, notModified: false, now: now,
            status: .forward(.stale, status: status, ttl: ttl, detail: "stale-if-error"))
        return true
    }

    /// Ends the coalesced fetch this exchange leads, if any: waiters look the cache up again
    /// when it was stored, and fetch on their own otherwise (and, when the response is
    /// `uncacheable`, so do requests for a while: see `Coalescer`).
    func settleCoalescing(_ exchange: Exchange, stored: Bool, uncacheable: Bool = false) {
        guard let slot = exchange.cache?.slot else { return }
        exchange.cache?.slot = nil
        worker.settle(slot, stored: stored, uncacheable: uncacheable)
    }

    /// Starts one background refresh of a stale entry served under stale-while-revalidate,
    /// unless a fetch of it is already in flight.
    private func refreshInBackground(_ entry: CacheEntry, for request: RequestHead, key: CacheKey) {
        guard let coalescer = worker.coalescer, let cache = worker.cache,
            let group = runtime.group(host: request.host, path: request.path)
        else { return }
        let slot = CoalescingSlot(key: key, request: request, stored: entry)
        guard coalescer.lead(slot.key, variantKey: slot.variantKey) else { return }
        BackgroundRefresh(
            worker: worker, cache: cache, stale: entry, request: request, group: group, slot: slot, clientAddress: peer
        ).start()
    }

    /// A backend connection whose response was consumed by the cache goes back to the pool.
    private func releaseUpstream(of exchange: Exchange, _ upstream: UpstreamConnection, keepAlive: Bool) {
        exchange.upstream = nil
        if keepAlive && upstream.input.isEmpty && exchange.requestBodyDone {
            worker.park(upstream, group: exchange.group)
        } else {
            upstream.close()
        }
    }
}
