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
    /// The serialized request head for the backend, kept so a bodiless request can be sent again.
    var upstreamHead: [UInt8]
    var requestBody: BodyProgress
    var requestBodyBytes: Int64 = 0
    var upstream: UpstreamConnection?
    var server: UpstreamServer?
    var triedServers: [Int] = []
    /// How many more servers may be tried after a connect failure (`retries`).
    var retriesLeft: Int
    var responseParser: ResponseParser
    var response: ResponseHead?
    var responseBody: BodyProgress = .done
    var clientFraming: ProxyHeaders.ClientFraming = .passThrough
    /// The response head has gone to the client: a failure from now on can only cut the
    /// connection, never turn into an error response.
    var responseStarted = false

    // MARK: Cache

    /// Set when the cache looked at the request and sent it on: what to do with the answer.
    var cache: CacheForward?
    /// When the request went to the backend (RFC 9111 §4.2.3 `request_time`).
    var requestTime: Double = 0
    /// The body being copied for storage, while the response is storable and within `max_object`.
    var fill: CacheFill?

    init(request: RequestHead, group: BackendGroup, upstreamHead: [UInt8], responseLimits: ParseLimits) {
        self.request = request
        self.group = group
        self.upstreamHead = upstreamHead
        switch request.framing {
        case .none, .untilClose: requestBody = .done
        case .length(let length): requestBody = length == 0 ? .done : .length(remaining: length)
        case .chunked: requestBody = .chunked(ChunkedDecoder())
        }
        retriesLeft = group.settings.retries
        responseParser = ResponseParser(limits: responseLimits)
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
