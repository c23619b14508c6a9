import PorticoHTTP

// Conditional requests between client, cache and origin (RFC 9110 §13, RFC 9111 §4.3).
//
// Client → cache (RFC 9111 §4.3.2): a cache evaluates only If-None-Match and If-Modified-Since.
// "The If-Match and If-Unmodified-Since conditional header fields are not applicable to a cache"
// and such preconditions "are likely intended for some other (inbound) server", so a request
// carrying either is forwarded rather than answered from the cache. Otherwise, in the order of
// RFC 9110 §13.2.2:
//   - If-None-Match (§13.1.2), weak comparison: `*` or any listed tag weakly equal to the stored
//     ETag ⇒ 304; no match (or no stored ETag) ⇒ serve the stored response. When If-None-Match
//     is present, If-Modified-Since is ignored.
//   - If-Modified-Since (§13.1.3), only for GET and HEAD, only with exactly one valid HTTP-date
//     (an invalid date or a list is ignored): the stored Last-Modified — or, if it has none, its
//     Date, or the time it was received (RFC 9111 §4.3.2) — at or before that date ⇒ 304.
//   - Preconditions are ignored when the stored status is not 2xx (RFC 9110 §13.2.1: they apply
//     only where the unconditional answer would be 2xx or 412).
//
// Cache → origin (§4.3.1): the stored ETag goes in If-None-Match and the stored Last-Modified in
// If-Modified-Since; the client's own If-None-Match and If-Modified-Since are replaced, because
// the origin's answer must be about the stored response. The client's conditional is evaluated
// against the refreshed entry afterwards.
//
// Origin 304 → stored response (§4.3.4, §3.2): see `updatedHeaders` and `validates`.

/// Evaluates conditional requests and builds validation requests and 304 updates.
public enum Conditional {
    /// What to do with a client request that a stored response could satisfy.
    public enum Outcome: Sendable, Equatable {
        /// Answer 304 Not Modified from the stored response (`notModifiedHeaders`).
        case notModified
        /// Serve the stored response as usual.
        case proceed
        /// If-Match or If-Unmodified-Since: the precondition is for the origin; forward the
        /// request instead of answering from the cache (RFC 9111 §4.3.2).
        case forward
    }

    // MARK: - Client → cache

    /// Evaluates the client's preconditions against a stored response (RFC 9110 §13.2.2,
    /// RFC 9111 §4.3.2).
    ///
    /// - Parameters:
    ///   - method: the client's method; only GET and HEAD are evaluated.
    ///   - requestHeaders: the client's fields.
    ///   - storedStatus: the stored response's status.
    ///   - storedHeaders: the stored response's fields (ETag, Last-Modified, Date).
    ///   - responseTime: when the stored response was received, the last-resort modification date.
    ///   - now: the present, for two-digit years in obsolete dates.
    public static func evaluate(
        method: String,
        requestHeaders: HTTPHeaders,
        storedStatus: Int,
        storedHeaders: HTTPHeaders,
        responseTime: Double,
        now: Double
    ) -> Outcome {
        if requestHeaders.contains("If-Match") || requestHeaders.contains("If-Unmodified-Since") { return .forward }
        guard method == "GET" || method == "HEAD", (200...299).contains(storedStatus) else { return .proceed }

        let noneMatch = requestHeaders.values("If-None-Match")
        if !noneMatch.isEmpty {
            guard let stored = entityTag(in: storedHeaders).flatMap(EntityTag.init) else {
                // Only `*` matches a response without an entity tag: "the origin server has a
                // current representation" is all `*` asks.
                return noneMatch.contains { FieldValueSyntax.trimmed($0[...]) == "*" } ? .notModified : .proceed
            }
            return noneMatch.contains { EntityTag.list($0, containsWeakMatchFor: stored) } ? .notModified : .proceed
        }

        let modifiedSince = requestHeaders.values("If-Modified-Since")
        guard modifiedSince.count == 1, let since = HTTPDateParser.parse(modifiedSince[0], now: now) else {
            return .proceed
        }
        let lastModified =
            storedHeaders["Last-Modified"].flatMap { HTTPDateParser.parse($0, now: now) }
            ?? Freshness.dateValue(storedHeaders, responseTime: responseTime)
        return lastModified <= since ? .notModified : .proceed
    }

    /// The fields of a 304 answered from a stored response (RFC 9110 §15.4.5): those a 200 would
    /// carry among Cache-Control, Content-Location, Date, ETag, Expires and Vary, plus
    /// Last-Modified when there is no ETag (it guides cache updates downstream). The caller adds
    /// Age and Cache-Status.
    public static func notModifiedHeaders(stored: HTTPHeaders) -> HTTPHeaders {
        var names = ["cache-control", "content-location", "date", "etag", "expires", "vary"]
        if !stored.contains("ETag") { names.append("last-modified") }
        return HTTPHeaders(stored.filter { names.contains(FieldValueSyntax.lowercased($0.name[...])) })
    }

    // MARK: - Cache → origin

    /// The validators to send when revalidating `policy`'s response (RFC 9111 §4.3.1):
    /// `If-None-Match` with its ETag and `If-Modified-Since` with its Last-Modified, each when
    /// present. Empty when the response has no validator: the request is then unconditional.
    public static func validationHeaders(for policy: EntryPolicy) -> [(name: String, value: String)] {
        var fields: [(name: String, value: String)] = []
        if let etag = policy.etag { fields.append(("If-None-Match", etag)) }
        if let lastModified = policy.lastModified { fields.append(("If-Modified-Since", lastModified)) }
        return fields
    }

    /// The client's request fields made into a revalidation of `policy`'s response: the client's
    /// If-None-Match and If-Modified-Since are replaced by `validationHeaders(for:)`. A Range
    /// keeps its If-Range: the origin then answers a changed representation whole (RFC 9110
    /// §13.1.5), where without it a resuming client would get part of another version.
    public static func revalidationRequestHeaders(_ requestHeaders: HTTPHeaders, for policy: EntryPolicy)
        -> HTTPHeaders
    {
        var headers = requestHeaders
        headers.remove("If-None-Match")
        headers.remove("If-Modified-Since")
        for field in validationHeaders(for: policy) { headers.add(field.name, field.value) }
        return headers
    }

    // MARK: - Origin 304 → stored response

    /// Whether a 304 from the origin applies to the stored response (RFC 9111 §4.3.4).
    ///
    /// A strong ETag in the 304 must equal the stored ETag strongly, a weak one weakly; without
    /// an ETag, a Last-Modified in the 304 must equal the stored one. A 304 with no validator at
    /// all answers the conditional request this cache sent for this one response, so it applies
    /// (§4.3.4 names that case for a stored response without validators; with one stored
    /// response per revalidation, the same reasoning holds). When this returns false, the caller
    /// fetches the response again without conditions.
    public static func validates(notModified: HTTPHeaders, stored: HTTPHeaders) -> Bool {
        if notModified.contains("ETag") {
            // A malformed ETag identifies nothing: the 304 cannot be matched to this response.
            guard let new = entityTag(in: notModified).flatMap(EntityTag.init),
                let old = entityTag(in: stored).flatMap(EntityTag.init)
            else { return false }
            return new.isWeak ? new.weaklyMatches(old) : new.stronglyMatches(old)
        }
        if let received = notModified["Last-Modified"] { return received == stored["Last-Modified"] }
        return true
    }

    /// The stored fields after a 304 (RFC 9111 §3.2, §4.3.4): each field the 304 carries
    /// replaces all stored lines of that name, the rest are kept in order, except:
    ///   - Content-Length, which a 304 describes nothing about (§3.2 MUST);
    ///   - hop-by-hop fields and Proxy-Authenticate / Proxy-Authentication-Info, never stored
    ///     (§3.1);
    ///   - Age: the stored one described the old message, so it is dropped unless the 304 has
    ///     its own — otherwise the refreshed entry would count the old age twice;
    ///   - Date: when the 304 has none, it gets one for `responseTime` (RFC 9110 §6.6.1), or the
    ///     stored Date would make the refreshed entry look as old as the original.
    /// Recompute the entry's policy from the result with `Freshness.policy`, using the
    /// revalidation's request and response times.
    public static func updatedHeaders(stored: HTTPHeaders, with304 notModified: HTTPHeaders, responseTime: Double)
        -> HTTPHeaders
    {
        var update = Storability.withoutUnstorableFields(notModified)
        update.remove("Content-Length")
        if !update.contains("Date") { update.add("Date", HTTPDateParser.format(responseTime)) }

        var replaced: [String] = []
        for field in update {
            let name = FieldValueSyntax.lowercased(field.name[...])
            if !replaced.contains(name) { replaced.append(name) }
        }
        if !replaced.contains("age") { replaced.append("age") }
        var merged = HTTPHeaders(stored.filter { !replaced.contains(FieldValueSyntax.lowercased($0.name[...])) })
        for field in update { merged.add(field.name, field.value) }
        return merged
    }

    // MARK: - Entity tags

    /// The response's ETag as sent, if it is a valid entity-tag (RFC 9110 §8.8.3): a malformed
    /// one can be neither compared nor sent back.
    public static func entityTag(in headers: HTTPHeaders) -> String? {
        guard let value = headers["ETag"] else { return nil }
        let trimmed = FieldValueSyntax.trimmed(value[...])
        return EntityTag(String(trimmed)) != nil ? String(trimmed) : nil
    }

    /// RFC 9110 §8.8.3.2 weak comparison of two entity-tags as sent (`"x"` or `W/"x"`): equal
    /// opaque tags, either or both weak. False if either is malformed.
    public static func weaklyMatch(_ a: String, _ b: String) -> Bool {
        guard let a = EntityTag(a), let b = EntityTag(b) else { return false }
        return a.weaklyMatches(b)
    }

    /// RFC 9110 §8.8.3.2 strong comparison: both strong and equal. False if either is malformed.
    public static func stronglyMatch(_ a: String, _ b: String) -> Bool {
        guard let a = EntityTag(a), let b = EntityTag(b) else { return false }
        return a.stronglyMatches(b)
    }
}

/// `entity-tag = [ weak ] opaque-tag` (RFC 9110 §8.8.3), `opaque-tag = DQUOTE *etagc DQUOTE`,
/// `etagc = %x21 / %x23-7E / obs-text`.
private struct EntityTag {
    var isWeak: Bool
    var opaque: [UInt8]

    init?(_ value: String) {
        var bytes = Array(value.utf8)[...]
        isWeak = bytes.starts(with: "W/".utf8)
        if isWeak { bytes = bytes.dropFirst(2) }
        guard bytes.count >= 2, bytes.first == FieldValueSyntax.quote, bytes.last == FieldValueSyntax.quote else {
            return nil
        }
        let inner = bytes.dropFirst().dropLast()
        guard inner.allSatisfy(Self.isEtagc) else { return nil }
        opaque = Array(inner)
    }

    static func isEtagc(_ byte: UInt8) -> Bool {
        byte == 0x21 || (byte >= 0x23 && byte != 0x7F)
    }

    func weaklyMatches(_ other: EntityTag) -> Bool { opaque == other.opaque }

    func stronglyMatches(_ other: EntityTag) -> Bool { !isWeak && !other.isWeak && opaque == other.opaque }

    /// Whether an If-None-Match line (`*` or `#entity-tag`) holds a tag weakly equal to `tag`.
    /// Entity tags may contain commas, so the list is scanned tag by tag; a malformed member
    /// matches nothing and scanning resumes after the next comma.
    static func list(_ line: String, containsWeakMatchFor tag: EntityTag) -> Bool {
        let bytes = Array(line.utf8)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == FieldValueSyntax.comma || FieldValueSyntax.isWhitespace(byte) {
                index += 1
                continue
            }
            if byte == UInt8(ascii: "*") { return true }
            var start = index
            var isWeak = false
            if bytes[index...].starts(with: "W/".utf8) {
                isWeak = true
                start += 2
            }
            if start < bytes.count, bytes[start] == FieldValueSyntax.quote,
                let close = bytes[(start + 1)...].firstIndex(of: FieldValueSyntax.quote),
                bytes[(start + 1)..<close].allSatisfy(isEtagc)
            {
                if EntityTag(isWeak: isWeak, opaque: Array(bytes[(start + 1)..<close])).weaklyMatches(tag) {
                    return true
                }
                index = close + 1
            } else {
                // Malformed: skip to the next comma.
                while index < bytes.count, bytes[index] != FieldValueSyntax.comma { index += 1 }
            }
        }
        return false
    }

    private init(isWeak: Bool, opaque: [UInt8]) {
        self.isWeak = isWeak
        self.opaque = opaque
    }
}
