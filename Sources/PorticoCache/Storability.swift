import PorticoHTTP

// Whether a shared cache may store a response (RFC 9111 §3), checked in this order; the first
// failing rule names the reason:
//
//   method          only GET. RFC 9111 lets POST responses with explicit freshness be stored;
//                   Portico does not. A 200 to HEAD is not stored either, but may update the
//                   stored GET response (§4.3.5, `CacheFill.updatedByHead`).
//   status          final (not 1xx), not 304 (it only updates, §4.3.4), not 206 (partial content
//                   is not supported, §3.3-§3.4), and one whose caching rules this cache
//                   understands: the RFC 9110 §15 codes listed in `understoodStatuses`. A cache may
//                   always decline to store, so unknown codes are not stored even with freshness.
//   conditional     412 and 416: they answer the request's own precondition (If-Match,
//                   If-Unmodified-Since) or Range, which a cache leaves to the origin (§4.3.2),
//                   not the resource; stored, one client's precondition would answer everyone.
//   request-no-store  the request said no-store (§5.2.1.5).
//   no-store        the response said no-store (§5.2.2.5) — unless it also says must-understand
//                   and the status is understood: §5.2.2.3 says such a cache SHOULD then ignore
//                   no-store, which is the point of must-understand.
//   private         any private, qualified or not (§5.2.2.7; the qualified form would allow
//                   storing without the listed fields; this cache simply does not store).
//   authorization   the request carried Authorization and the response has none of public,
//                   s-maxage or must-revalidate (§3.5).
//   vary-star       Vary contains "*" (or a member that is not a field name): such a response
//                   can never be selected (§4.1), so storing it only wastes memory.
//   no-freshness    none of: max-age, s-maxage, Expires, public, or a heuristically cacheable
//                   status (§3, RFC 9110 §15.1). An invalid max-age or Expires still counts: the
//                   response is stored, stale (see Freshness). The directives are those of a
//                   valid CDN-Cache-Control when there is one, and then Expires does not count.
//   set-cookie      Set-Cookie on a response that is cacheable only by heuristics (no max-age,
//                   s-maxage, Expires or public). RFC 9111 allows storing it and §3.1 says a
//                   stored response keeps all its fields, so one user's cookie would be replayed
//                   to everyone; declining to store is always allowed, and an origin that wants
//                   such responses shared says so explicitly (or lists Set-Cookie in no-cache=
//                   or private=, which already keep it from being reused unvalidated here).

/// The outcome of `Storability.decide`.
public enum StoreDecision: Sendable, Equatable {
    case store
    case doNotStore(NotStoredReason)
}

/// Why a response was not stored; `token` is the Cache-Status `detail` (RFC 9211 §2.8).
public enum NotStoredReason: String, Sendable, Equatable, CaseIterable {
    case method
    case status
    case conditional
    case requestNoStore = "request-no-store"
    case noStore = "no-store"
    case `private`
    case authorization
    case varyStar = "vary-star"
    case noFreshness = "no-freshness"
    case setCookie = "set-cookie"

    /// A short sf-token for `Cache-Status: portico; fwd=miss; detail=no-store`.
    public var token: String { rawValue }

    /// Whether the reason lies in the response alone, so that the next request for the URL will
    /// most likely get an unstorable response too (not so for the request's own Authorization
    /// or no-store, its preconditions, nor for a method that is not GET).
    public var concernsTheResponse: Bool {
        switch self {
        case .method, .conditional, .requestNoStore, .authorization: false
        case .status, .noStore, .private, .varyStar, .noFreshness, .setCookie: true
        }
    }
}

/// RFC 9111 §3 for a shared cache.
public enum Storability {
    /// RFC 9110 §15.1: statuses "defined as heuristically cacheable". 206 is among them but is
    /// never stored here.
    public static let heuristicallyCacheableStatuses: StatusSet = [
        200, 203, 204, 206, 300, 301, 308, 404, 405, 410, 414, 501,
    ]

    /// The final statuses whose caching requirements this cache implements: those RFC 9110 §15
    /// defines, minus 206 (partial content) and 304 (an update, not a response to store), and
    /// minus 305 and 306 (deprecated and unused).
    public static let understoodStatuses: StatusSet = [
        200, 201, 202, 203, 204, 205,
        300, 301, 302, 303, 307, 308,
        400, 401, 402, 403, 404, 405, 406, 407, 408, 409, 410, 411, 412, 413, 414, 415, 416, 417, 421, 422, 426,
        500, 501, 502, 503, 504, 505,
    ]

    /// May a shared cache store this response to this request? (RFC 9111 §3)
    public static func decide(
        method: String,
        requestHeaders: HTTPHeaders,
        status: Int,
        responseHeaders: HTTPHeaders
    ) -> StoreDecision {
        guard method == "GET" else { return .doNotStore(.method) }
        guard understoodStatuses.contains(status) else { return .doNotStore(.status) }
        if status == 412 || status == 416 { return .doNotStore(.conditional) }
        // Pragma has no no-store: the plain parse (one scan when the request has no Cache-Control).
        if CacheControl(requestHeaders).noStore { return .doNotStore(.requestNoStore) }
        let cacheControl = CacheControl(responseHeaders: responseHeaders)
        // §5.2.2.3: an understood status with must-understand overrides no-store.
        if cacheControl.noStore && !cacheControl.mustUnderstand { return .doNotStore(.noStore) }
        if cacheControl.isPrivate { return .doNotStore(.private) }
        if requestHeaders.contains("Authorization"),
            !(cacheControl.isPublic || cacheControl.sMaxAge != nil || cacheControl.mustRevalidate)
        {
            return .doNotStore(.authorization)
        }
        if Variants.fieldNames(responseHeaders).contains("*") { return .doNotStore(.varyStar) }
        let isExplicit =
            cacheControl.maxAge != nil || cacheControl.sMaxAge != nil || cacheControl.isPublic
            || (!cacheControl.isTargeted && responseHeaders.contains("Expires"))
        guard isExplicit || heuristicallyCacheableStatuses.contains(status) else {
            return .doNotStore(.noFreshness)
        }
        if !isExplicit && responseHeaders.contains("Set-Cookie") { return .doNotStore(.setCookie) }
        return .store
    }

    /// The fields to keep with a stored response (RFC 9111 §3.1): all received fields except the
    /// hop-by-hop ones (`Connection` and those it names, Keep-Alive, Proxy-Connection, TE,
    /// Transfer-Encoding, Upgrade, Trailer; RFC 9110 §7.6.1) and the proxy-specific
    /// Proxy-Authenticate, Proxy-Authentication-Info and Proxy-Authorization, which a cache MUST NOT
    /// store. A response
    /// without Date gets one for `responseTime` (RFC 9110 §6.6.1: a recipient caching it MUST
    /// add one), so the stored copy keeps the date its age was computed from.
    public static func storedHeaders(_ responseHeaders: HTTPHeaders, responseTime: Double) -> HTTPHeaders {
        var headers = withoutUnstorableFields(responseHeaders)
        if !headers.contains("Date") { headers.add("Date", HTTPDateParser.format(responseTime)) }
        return headers
    }

    /// The fields RFC 9111 §3.1 keeps out of storage (and out of a 304 update): `Connection` and
    /// the fields it names, the other hop-by-hop fields of RFC 9110 §7.6.1, and
    /// Proxy-Authenticate, Proxy-Authentication-Info and Proxy-Authorization.
    static let unstorableFieldNames: Set<String> = [
        "connection", "keep-alive", "proxy-connection", "te", "transfer-encoding", "upgrade", "trailer",
        "proxy-authenticate", "proxy-authentication-info", "proxy-authorization",
    ]

    /// `headers` without the fields of `unstorableFieldNames` and those `Connection` names.
    static func withoutUnstorableFields(_ headers: HTTPHeaders) -> HTTPHeaders {
        let connectionOptions = Set(headers.tokens("Connection"))
        return HTTPHeaders(
            headers.filter { field in
                let name = FieldValueSyntax.lowercased(field.name[...])
                return !unstorableFieldNames.contains(name) && !connectionOptions.contains(name)
            })
    }
}
