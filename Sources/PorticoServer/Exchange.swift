import PorticoCache
import PorticoHTTP
import PorticoUpstream

/// One request on its way through the proxy: the client's head, the backend it went to, and how
/// far each body has travelled. Owned by its client connection; ends when the response has been
/// handed to the client's output buffer in full, or when it fails.
final class Exchange {
    /// How much of a body is still to come.
    enum BodyProgress {
        case done
        case length(remaining: Int64)
        case chunked(ChunkedDecoder)
        case untilClose
    }

    let request: RequestHead
    let group: BackendGroup
    let maxForwards: MaxForwards.Action
    var requestBody: BodyProgress
    var requestBodyBytes: Int64 = 0
    var upstream: UpstreamConnection?
    var server: UpstreamServer?
    var triedServers = ServerSet()
    /// How many more servers may be tried after a connect failure (`retries`).
    var retriesLeft: Int
    var response: ResponseHead?
    var responseBody: BodyProgress = .done
    var clientFraming: ProxyHeaders.ClientFraming = .passThrough
    /// The response head has gone to the client: a failure from now on can only cut the
    /// connection, never turn into an error response.
    var responseStarted = false

    // MARK: Cache

    /// Set when the cache looked at the request and sent it on: what to do with the answer.
    var cache: CacheForward?
    /// The `Cache-Status` the client gets while the cache is on (RFC 9211): the lookup's, or, for a
    /// request the cache never looked at, `fwd=method` (an unsafe method) or `fwd=bypass` (a GET
    /// with a body, a request without a host). Nil while the cache is off.
    var cacheStatus: CacheStatus? {
        if let cache { return cache.status }
        guard worker.cache != nil else { return nil }
        return .forward(CacheRequestPolicy.canUseStoredResponse(for: request.method) ? .bypass : .method)
    }

    /// The status for a backend that could not be reached or closed without answering: 502, or
    /// 504 when a stored response had to be revalidated and may not be served stale (RFC 9111
    /// §5.2.2.2: a disconnected cache generates a 504).
    var unreachableStatus: Int { cache?.stale == nil ? 502 : 504 }

    /// `cacheStatus` as a field for a response Portico makes itself.
    var cacheStatusFields: [HeaderField] {
        cacheStatus.map { [HeaderField(name: "Cache-Status", value: $0.fieldValue)] } ?? []
    }

    /// When the request went to the backend (RFC 9111 §4.2.3 `request_time`).
    var requestTime: Double = 0
    /// The body being copied for storage, while the response is storable and within `max_object`.
    var fill: CacheFill?

    /// unowned(unsafe): the worker outlives the connections that own exchanges.
    unowned(unsafe) let worker: Worker

    init(
        worker: Worker, request: RequestHead, group: BackendGroup,
        maxForwards: MaxForwards.Action
    ) {
        self.worker = worker
        self.request = request
        self.group = group
        self.maxForwards = maxForwards
        switch request.framing {
        case .none, .untilClose: requestBody = .done
        case .length(let length): requestBody = length == 0 ? .done : .length(remaining: length)
        case .chunked: requestBody = .chunked(ChunkedDecoder())
        }
        retriesLeft = group.settings.retries
    }

    // MARK: Servers

    /// Servers tried so far, counting a resend on a fresh connection.
    var attempts = 0
    /// Whether `server` holds a slot of the pool (in flight, `max_conns`) not yet given back.
    private var holdsSlot = false
    /// Whether the current attempt's outcome went to the pool (its breaker) already.
    private var resultRecorded = false
    /// The status the last failed attempt would give the client (502 or 504).
    private(set) var lastFailureStatus = 502

    /// The key `balance hash` maps to a server: the cache key's fingerprint, so one URL keeps
    /// going to one server. Only computed for such groups.
    var balancingKey: UInt64 {
        guard group.settings.balance == .hash else { return 0 }
        return CacheKey(scheme: "http", request: request)?.fingerprint ?? 0
    }

    /// When the current attempt was sent, on the loop's cached clock (`Worker.wallClock`), for the
    /// server's latency: exact to a loop turn, which is what a histogram of milliseconds needs,
    /// and two clock reads a request cheaper than `preciseClock`.
    var sentAt = 0.0

    /// `host:port` of the server this attempt goes to: the Host of a request that named none.
    var serverAuthority: String {
        server?.authority ?? ""
    }

    /// The pool gave this exchange a slot on `server`.
    func took(_ server: UpstreamServer) {
        self.server = server
        sentAt = worker.wallClock
        holdsSlot = true
        resultRecorded = false
    }

    /// Tells the pool what the current attempt came to (nil: success), once per attempt.
    func recordResult(failure: String?, latency: Double? = nil, now: Double) {
        guard let server, !resultRecorded else { return }
        resultRecorded = true
        group.pool.record(server.id, failure: failure, latency: latency, now: now)
    }

    /// The current attempt is over: its outcome recorded (nil failure records nothing for a
    /// connection that was stale, not the server's fault) and its slot given back.
    func endAttempt(failure: String?, status: Int, now: Double) {
        if let failure {
            recordResult(failure: failure, now: now)
            lastFailureStatus = status
        } else {
            resultRecorded = true
        }
        releaseServer()
    }

    /// Gives back the slot on `server`, once.
    func releaseServer() {
        guard holdsSlot, let server else { return }
        holdsSlot = false
        group.pool.release(server.id)
        worker.slotFreed(in: group)
    }

    deinit { releaseServer() }

    /// Whether sending the request again cannot do harm: idempotent (RFC 9110 §9.2.2), with no
    /// body to send again.
    var mayResend: Bool {
        isIdempotent && requestBodyDone && request.hasNoBody
    }

    var requestBodyDone: Bool {
        if case .done = requestBody { return true }
        return false
    }

    /// RFC 9110 §9.2.2: requests whose repetition has the same effect as sending them once.
    var isIdempotent: Bool {
        switch request.method {
        case "GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE": return true
        default: return false
        }
    }
}
