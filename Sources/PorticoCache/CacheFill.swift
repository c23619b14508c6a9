// A response on its way into the cache, and the entry a 304 turns a stored one into.
//
// The server copies a storable response's body here as it streams to the client (the client's
// bytes are moved, never held back for the cache). A fill gives up, and frees what it copied, as
// soon as the body outgrows `maxObject`; it is only sealed into an entry when the body arrived
// whole, so a response cut short is never stored. Everything an entry needs besides the body is
// known when the head arrives, and taken then: `response_time` (RFC 9111 §4.2.3) is the time the
// head was received, not the time the last body byte was.
//
// The stored head restates framing as the cache serves it: `Content-Length` of the de-chunked
// body, never `Transfer-Encoding`; `Age` is left out because every response gets its own.

import PorticoHTTP

/// The body of a storable response being collected, with what the entry will need.
public final class CacheFill {
    public let key: CacheKey
    /// The request and response times of the exchange (RFC 9111 §4.2.3).
    public let requestTime: Double
    public let responseTime: Double
    private let response: ResponseHead
    private let varyNames: [String]
    private let variant: [String?]
    private let maxObject: Int
    private var builder: CacheBody.Builder?

    /// A fill for `response`, the answer to a request with `requestHeaders` (for its Vary
    /// values). `maxObject` bounds the body.
    public init(
        key: CacheKey,
        requestHeaders: HTTPHeaders,
        response: ResponseHead,
        requestTime: Double,
        responseTime: Double,
        maxObject: Int
    ) {
        self.key = key
        self.requestTime = requestTime
        self.responseTime = responseTime
        self.response = response
        self.maxObject = maxObject
        varyNames = Variants.fieldNames(response.headers)
        variant = Variants.secondaryKey(fieldNames: varyNames, requestHeaders: requestHeaders)
        var expected = 0
        if case .length(let length) = response.framing, length <= Int64(maxObject) { expected = Int(length) }
        builder = CacheBody.Builder(expectedCount: expected)
    }

    /// What the cache does with a response to a GET: store it (collecting the body into the
    /// fill), or not, with the reason as a `Cache-Status` detail and whether the reason lies in
    /// the response (`NotStoredReason.concernsTheResponse`).
    public enum Admission {
        case store(CacheFill)
        case skip(detail: String, responseReason: Bool)
    }

    /// RFC 9111 §3 for the response to `request`, plus Portico's own limits: a declared length
    /// over `maxObject` is refused at once (`too-large`), and a response stale on arrival without
    /// a validator, past its stale-while-revalidate and stale-if-error windows, is not stored
    /// since it could never be used (`no-freshness`).
    public static func admit(
        key: CacheKey,
        request: RequestHead,
        response: ResponseHead,
        requestTime: Double,
        responseTime: Double,
        maxObject: Int
    ) -> Admission {
        switch Storability.decide(
            method: request.method, requestHeaders: request.headers, status: response.status,
            responseHeaders: response.headers)
        {
        case .doNotStore(let reason):
            return .skip(detail: reason.rawValue, responseReason: reason.concernsTheResponse)
        case .store:
            if case .length(let length) = response.framing, length > Int64(maxObject) {
                return .skip(detail: "too-large", responseReason: true)
            }
            let policy = Freshness.policy(
                requestTime: requestTime, responseTime: responseTime, status: response.status,
                responseHeaders: response.headers)
            // Stale on arrival and nothing to revalidate it with: useless, unless its own
            // stale-while-revalidate or stale-if-error window still covers it.
            if !policy.hasValidator && CacheStore.isExpired(policy, now: responseTime, grace: 0) {
                return .skip(detail: "no-freshness", responseReason: true)
            }
            return .store(
                CacheFill(
                    key: key, requestHeaders: request.headers, response: response, requestTime: requestTime,
                    responseTime: responseTime, maxObject: maxObject))
        }
    }

    /// False once the fill gave up (the body outgrew `maxObject`).
    public var isActive: Bool { builder != nil }

    /// Copies the next body bytes; past `maxObject` the fill gives up for good.
    public func append(_ bytes: UnsafeRawBufferPointer) {
        guard let builder else { return }
        guard builder.count + bytes.count <= maxObject else {
            self.builder = nil
            return
        }
        builder.append(bytes: bytes)
    }

    /// The entry for the whole body; nil when the fill gave up. Call only when the body ended
    /// where its framing said it would.
    public func finish(via: String) -> CacheEntry? {
        guard let builder else { return nil }
        self.builder = nil
        let headers = Storability.storedHeaders(response.headers, responseTime: responseTime)
        let body = builder.finish()
        return CacheEntry(
            key: key,
            varyNames: varyNames,
            variant: variant,
            status: response.status,
            headers: headers,
            head: Self.storedHead(
                status: response.status, reason: response.reason, headers: headers, bodyLength: body.count, via: via),
            body: body,
            policy: Freshness.policy(
                requestTime: requestTime, responseTime: responseTime, status: response.status,
                responseHeaders: headers),
            createdAt: responseTime,
            via: via
        )
    }

    /// What a 304 from the origin makes of a stored response (RFC 9111 §4.3.4), or a 200 to a HEAD
    /// (§4.3.5).
    public enum Revalidation {
        /// The 304 validates it: serve `entry` (merged fields, same body) and store it in place of
        /// the stale one.
        case store(CacheEntry)
        /// The 304 validates it, but the merged response may not be stored: serve `entry` to this
        /// request only. `dropStale`: the reason lies in the response (the 304 made it private or
        /// no-store, or changed its Vary), so the stale entry must go too; otherwise (the request's
        /// own no-store or Authorization) it stays as it was.
        case serveOnly(CacheEntry, dropStale: Bool)
        /// The answer does not apply to the stored response. After a 304: fetch again without
        /// conditions; after a HEAD's 200: the stored response is out of date and goes.
        case mismatch
    }

    /// `stale` revalidated by a 304 answering a request with `requestHeaders`: merged fields, a
    /// new head and policy, the same body object, and whether the result may be stored. The
    /// merged fields are checked like a new response's (§3): a 304 may add `private` or
    /// `no-store`, and a stored response must not outlive that; a 304 that changes `Vary` would
    /// leave the entry filed under the old variant, so it is not stored either.
    public static func revalidated(
        _ stale: CacheEntry,
        with304 notModified: HTTPHeaders,
        requestHeaders: HTTPHeaders,
        requestTime: Double,
        responseTime: Double,
        via: String
    ) -> Revalidation {
        guard Conditional.validates(notModified: notModified, stored: stale.headers) else { return .mismatch }
        return updated(
            stale, with: notModified, requestHeaders: requestHeaders, requestTime: requestTime,
            responseTime: responseTime, via: via)
    }

    /// What a 200 answering a HEAD makes of the stored GET response it could stand for (RFC 9111
    /// §4.3.5): when the stored response is a 200 too, every validator the answer carries (`ETag`,
    /// `Last-Modified`) has the stored value, and its `Content-Length`, if any, is the stored
    /// body's length, its fields update the stored response as a 304's would (it is the same
    /// representation, so the body stands). An answer with none of the three updates it too, as
    /// §4.3.5 says, and as a 304 without validators updates the one stored response that has none
    /// (§4.3.4). Otherwise `.mismatch`: the stored response is out of date (a 200 where a 404 or a
    /// 301 was stored, or another ETag), and it goes.
    public static func updatedByHead(
        _ stored: CacheEntry,
        with response: HTTPHeaders,
        requestHeaders: HTTPHeaders,
        requestTime: Double,
        responseTime: Double,
        via: String
    ) -> Revalidation {
        guard stored.status == 200 else { return .mismatch }
        for name in ["ETag", "Last-Modified"] {
            if let value = response[name], value != stored.headers[name] { return .mismatch }
        }
        if let length = response["Content-Length"], Int(length) != stored.bodyLength { return .mismatch }
        return updated(
            stored, with: response, requestHeaders: requestHeaders, requestTime: requestTime,
            responseTime: responseTime, via: via)
    }

    /// `stale` with the fields of `update` merged in (§3.2): a new head and policy, the same body.
    private static func updated(
        _ stale: CacheEntry,
        with update: HTTPHeaders,
        requestHeaders: HTTPHeaders,
        requestTime: Double,
        responseTime: Double,
        via: String
    ) -> Revalidation {
        let headers = Conditional.updatedHeaders(stored: stale.headers, with304: update, responseTime: responseTime)
        let policy = Freshness.policy(
            requestTime: requestTime, responseTime: responseTime, status: stale.status, responseHeaders: headers)
        // The stored response keeps the protocol it came in; the 304 only updates its fields.
        let head = storedHead(
            status: stale.status, reason: stale.reasonPhrase, headers: headers, bodyLength: stale.bodyLength,
            via: stale.via ?? via)
        let entry = stale.replacing(headers: headers, head: head, policy: policy)
        if Variants.fieldNames(headers) != stale.varyNames { return .serveOnly(entry, dropStale: true) }
        switch Storability.decide(
            method: "GET", requestHeaders: requestHeaders, status: stale.status, responseHeaders: headers)
        {
        case .store: return .store(entry)
        case .doNotStore(let reason): return .serveOnly(entry, dropStale: reason.concernsTheResponse)
        }
    }

    /// The head a stored response is served with: stored fields, `via` appended, the body's
    /// length (none for a 204, which RFC 9110 §8.6 forbids to carry one), no `Age`, and no final
    /// CRLF.
    static func storedHead(status: Int, reason: String, headers: HTTPHeaders, bodyLength: Int, via: String)
        -> CacheBody
    {
        var fields = headers
        fields.remove("Age")
        if status == 204 {
            fields.remove("Content-Length")
        } else {
            fields.set("Content-Length", String(bodyLength))
        }
        fields.appendListElement("Via", via)
        return CacheBody(responseHead: ResponseHead(version: .http11, status: status, reason: reason, headers: fields))
    }
}

extension CacheEntry {
    /// The reason phrase of the stored status line (`HTTP/1.1 200 OK` → `OK`).
    var reasonPhrase: String {
        let line = head.bytes.prefix { $0 != UInt8(ascii: "\r") }
        guard line.count > 13 else { return "" }
        return Array(line.dropFirst(13)).withUnsafeBytes { FieldText.decode($0) }
    }
}
