// One stored response: the flyweight every reader on every worker shares.
//
// An entry never changes after it is built (every property is a `let`), so it crosses threads
// without a lock and a reader keeps using it after the store has dropped it. Its bytes live in two
// `CacheBody` objects: `head` (status line and stored fields, without the final CRLF) and `body`.
// The split is what makes a 304 cheap: revalidation (RFC 9111 §4.3.4) changes the stored fields,
// never the content, so `replacing(headers:head:policy:)` builds a new entry with a new head and
// the *same* body object. Connections still writing the old head keep it alive; the body bytes
// are never copied.
//
// Cost: the bytes an entry is charged against the cache's memory budget, worked out once here so
// that the store's byte count is a plain sum. It is
//
//     head.allocatedBytes + body.allocatedBytes      the two allocations
//   + head.count + 16 × headers.count                 the parsed `headers` copy: the same name and
//                                                     value bytes as the head, plus 16 bytes of
//                                                     offsets per field
//   + UTF-8 bytes of the key, the Vary names and the variant values (+ 16 per Vary name)
//   + CacheEntry.fixedOverhead (200)                  the object headers, the policy, the store's
//                                                     table slot and the eviction node
//
// For example a 1 KiB body with a 300-byte, 8-field head under a 40-byte key costs
// 1024 + 300 + (300 + 128) + 40 + 200 = 1992 bytes. Small objects are dominated by overhead, which
// is why the budget counts it: a cache of 1 KiB responses would otherwise use twice its budget.

import PorticoHTTP

/// An immutable stored response, shared by all readers: key, Vary selection, head and body bytes,
/// and the freshness facts worked out when it was stored.
public final class CacheEntry: Sendable {
    /// The bytes every entry is charged on top of its buffers and strings: object headers, the
    /// `EntryPolicy`, the store's slot and the eviction node (an estimate; see the file comment).
    public static let fixedOverhead = 200

    /// The primary key (target URI) this response was stored under.
    public let key: CacheKey
    /// The field names listed by the response's `Vary`, lowercased, in order (RFC 9111 §4.1).
    /// Empty when the response does not vary.
    public let varyNames: [String]
    /// The values the request that caused this response had for `varyNames`, normalized by the
    /// caller (nil: the request did not have the field). Same length as `varyNames`.
    public let variant: [String?]
    /// The response's status code.
    public let status: Int
    /// The stored response fields: what `head` serializes, kept parsed for revalidation and
    /// conditional requests.
    public let headers: HTTPHeaders
    /// The serialized status line and stored fields, each line ending in CRLF, without the final
    /// CRLF (the server adds `Age` and `Cache-Status` first).
    public let head: CacheBody
    /// The response body (already de-chunked: the server restates framing when it serves it).
    public let body: CacheBody
    /// The RFC 9111 facts about this response: lifetime, age, validators.
    public let policy: EntryPolicy
    /// Wall-clock seconds when the response (this body) was stored.
    public let createdAt: Double
    /// The `Via` element the stored head ends with (`1.0 portico` for a response received in
    /// HTTP/1.0), for the responses the cache makes from the entry (a 304, a 206); nil when the
    /// entry was built without one.
    public let via: String?
    /// Bytes charged to the memory budget (see the file comment for the formula).
    public let cost: Int

    /// Bytes of `head`.
    public var headLength: Int { head.count }
    /// Bytes of `body`.
    public var bodyLength: Int { body.count }

    /// An entry from parts already built. `variant` must have one value per name in `varyNames`.
    public init(
        key: CacheKey,
        varyNames: [String] = [],
        variant: [String?] = [],
        status: Int,
        headers: HTTPHeaders,
        head: CacheBody,
        body: CacheBody,
        policy: EntryPolicy,
        createdAt: Double,
        via: String? = nil
    ) {
        precondition(varyNames.count == variant.count, "one variant value per Vary name")
        self.via = via
        self.key = key
        self.varyNames = varyNames
        self.variant = variant
        self.status = status
        self.headers = headers
        self.head = head
        self.body = body
        self.policy = policy
        self.createdAt = createdAt
        cost = Self.cost(key: key, varyNames: varyNames, variant: variant, headers: headers, head: head, body: body)
    }

    /// An entry whose `head` is `responseHead` serialized (its fields must already be the ones to
    /// store: hop-by-hop fields removed, framing restated as the server will serve it).
    public convenience init(
        key: CacheKey,
        varyNames: [String] = [],
        variant: [String?] = [],
        responseHead: ResponseHead,
        body: CacheBody,
        policy: EntryPolicy,
        createdAt: Double
    ) {
        self.init(
            key: key,
            varyNames: varyNames,
            variant: variant,
            status: responseHead.status,
            headers: responseHead.headers,
            head: CacheBody(responseHead: responseHead),
            body: body,
            policy: policy,
            createdAt: createdAt
        )
    }

    /// The entry after a 304 refreshed it (RFC 9111 §4.3.4): new stored fields, head bytes and
    /// policy, and this entry's body object itself, shared rather than copied. Key, variant,
    /// status and `createdAt` stay (the content is the one stored then).
    public func replacing(headers: HTTPHeaders, head: CacheBody, policy: EntryPolicy) -> CacheEntry {
        CacheEntry(
            key: key,
            varyNames: varyNames,
            variant: variant,
            status: status,
            headers: headers,
            head: head,
            body: body,
            policy: policy,
            createdAt: createdAt,
            via: via
        )
    }

    /// `replacing(headers:head:policy:)` with the head serialized from `responseHead`, whose status
    /// must be this entry's.
    public func replacing(responseHead: ResponseHead, policy: EntryPolicy) -> CacheEntry {
        replacing(headers: responseHead.headers, head: CacheBody(responseHead: responseHead), policy: policy)
    }

    /// Whether `other` answers the same requests as this entry: same key, same Vary names and the
    /// same values for them. Storing one replaces the other.
    public func hasSameVariant(as other: CacheEntry) -> Bool {
        key == other.key && varyNames == other.varyNames && variant == other.variant
    }

    // MARK: - Cost

    private static func cost(
        key: CacheKey,
        varyNames: [String],
        variant: [String?],
        headers: HTTPHeaders,
        head: CacheBody,
        body: CacheBody
    ) -> Int {
        var cost = head.allocatedBytes + body.allocatedBytes
        cost += head.count + 16 * headers.count
        cost += key.scheme.utf8.count + key.host.utf8.count + key.target.utf8.count
        for name in varyNames { cost += name.utf8.count + 16 }
        for value in variant { cost += value?.utf8.count ?? 0 }
        return cost + fixedOverhead
    }
}
