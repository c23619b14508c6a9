import PorticoCache
import PorticoHTTP
import Testing

private let t0 = 1_700_000_000.0

/// Stored entries for the lookup table: all fresh for 60 s from `t0`, with no initial age.
enum LookupTestEntry: String, Sendable, CaseIterable {
    case plain
    case mustRevalidate
    case noCache
    case staleWhileRevalidate30

    var policy: EntryPolicy {
        var policy = EntryPolicy(freshnessLifetime: 60, correctedInitialAge: 0, responseTime: t0, etag: #""v""#)
        switch self {
        case .plain: break
        case .mustRevalidate: policy.mustRevalidate = true
        case .noCache: policy.noCache = true
        case .staleWhileRevalidate30: policy.staleWhileRevalidate = 30
        }
        return policy
    }
}

private func requestDirectives(_ fields: [(String, String)]) -> CacheControl {
    CacheControl(requestHeaders: HTTPHeaders(fields.map { HeaderField(name: $0.0, value: $0.1) }))
}

@Suite struct CacheRequestPolicyTests {
    /// (request Cache-Control, entry, seconds after t0, decision)
    @Test(
        arguments: [
            ("", LookupTestEntry.plain, 30.0, LookupDecision.fresh),
            ("", .plain, 59.5, .fresh),
            ("", .plain, 60, .mustRevalidate(.stale)),
            ("", .plain, 61, .mustRevalidate(.stale)),
            ("no-store", .plain, 30, .fresh),  // §5.2.1.5: no-store does not stop reuse.
            ("no-cache", .plain, 10, .mustRevalidate(.requestNoCache)),
            ("", .noCache, 10, .mustRevalidate(.responseNoCache)),
            ("max-stale", .noCache, 10, .mustRevalidate(.responseNoCache)),
            ("max-age=20", .plain, 30, .mustRevalidate(.requestMaxAge)),
            ("max-age=40", .plain, 30, .fresh),
            ("max-age=0", .plain, 0, .fresh),
            ("max-age=0", .plain, 1, .mustRevalidate(.requestMaxAge)),
            ("max-age=abc", .plain, 1, .mustRevalidate(.requestMaxAge)),
            ("min-fresh=40", .plain, 30, .mustRevalidate(.requestMinFresh)),
            ("min-fresh=30", .plain, 30, .fresh),
            ("min-fresh=20", .plain, 30, .fresh),
            ("max-stale", .plain, 5000, .staleServable(.maxStale)),
            ("max-stale=10", .plain, 65, .staleServable(.maxStale)),
            ("max-stale=10", .plain, 80, .mustRevalidate(.stale)),
            ("max-stale", .mustRevalidate, 61, .mustRevalidate(.stale)),
            ("max-stale=10", .plain, 30, .fresh),
            ("", .mustRevalidate, 30, .fresh),
            ("", .staleWhileRevalidate30, 70, .staleServable(.staleWhileRevalidate)),
            ("", .staleWhileRevalidate30, 90, .staleServable(.staleWhileRevalidate)),
            ("", .staleWhileRevalidate30, 91, .mustRevalidate(.stale)),
            ("max-age=3600", .staleWhileRevalidate30, 70, .mustRevalidate(.stale)),
            ("min-fresh=1", .staleWhileRevalidate30, 70, .mustRevalidate(.stale)),
            ("max-stale=5", .staleWhileRevalidate30, 70, .mustRevalidate(.stale)),
            ("max-stale=20", .staleWhileRevalidate30, 70, .staleServable(.maxStale)),
            ("no-cache", .staleWhileRevalidate30, 70, .mustRevalidate(.requestNoCache)),
            ("only-if-cached", .plain, 30, .fresh),
            ("only-if-cached", .plain, 70, .onlyIfCachedUnsatisfiable),
            ("only-if-cached, no-cache", .plain, 30, .onlyIfCachedUnsatisfiable),
            ("only-if-cached, max-stale", .plain, 70, .staleServable(.maxStale)),
            ("only-if-cached", .staleWhileRevalidate30, 70, .staleServable(.staleWhileRevalidate)),
            ("only-if-cached, max-stale", .mustRevalidate, 70, .onlyIfCachedUnsatisfiable),
        ] as [(String, LookupTestEntry, Double, LookupDecision)])
    func lookup(cacheControl: String, entry: LookupTestEntry, after: Double, expected: LookupDecision) {
        let request = requestDirectives(cacheControl.isEmpty ? [] : [("Cache-Control", cacheControl)])
        #expect(CacheRequestPolicy.decide(request: request, entry: entry.policy, now: t0 + after) == expected)
    }

    @Test func pragmaNoCacheRevalidates() {
        let request = requestDirectives([("Pragma", "no-cache")])
        #expect(
            CacheRequestPolicy.decide(request: request, entry: LookupTestEntry.plain.policy, now: t0 + 1)
                == .mustRevalidate(.requestNoCache))
    }

    /// The file comment's worked numbers, from headers to decision: max-age=60,
    /// stale-while-revalidate=30, corrected initial age 10.
    @Test func staleWhileRevalidateFromHeaders() {
        let policy = Freshness.policy(
            requestTime: t0, responseTime: t0, status: 200,
            responseHeaders: HTTPHeaders([
                HeaderField(name: "Date", value: HTTPDateParser.format(t0 - 10)),
                HeaderField(name: "Cache-Control", value: "max-age=60, stale-while-revalidate=30"),
            ]))
        let none = CacheControl()
        #expect(CacheRequestPolicy.decide(request: none, entry: policy, now: t0 + 49) == .fresh)
        let stale = CacheRequestPolicy.decide(request: none, entry: policy, now: t0 + 55)
        #expect(stale == .staleServable(.staleWhileRevalidate))
        if case .staleServable(let reason) = stale { #expect(reason.needsBackgroundRefresh) }
        #expect(CacheRequestPolicy.decide(request: none, entry: policy, now: t0 + 85) == .mustRevalidate(.stale))
        #expect(!StaleServeReason.maxStale.needsBackgroundRefresh)
    }

    /// (request Cache-Control, stale-if-error, must-revalidate, no-cache, seconds after t0, may serve?)
    @Test(
        arguments: [
            ("", 60.0, false, false, 70.0, true),
            ("", 60, false, false, 120, true),
            ("", 60, false, false, 121, false),
            ("", nil, false, false, 70, false),
            ("", 60, true, false, 70, false),
            ("", 60, false, true, 70, false),
            ("", nil, false, false, 30, true),  // Fresh.
            ("", nil, true, false, 30, true),  // Fresh, must-revalidate only concerns stale use.
            ("no-cache", 60, false, false, 30, false),
            ("stale-if-error=100", nil, false, false, 150, true),
            ("stale-if-error=100", nil, false, false, 161, false),
            ("max-stale", nil, false, false, 5000, true),
            ("max-stale=5", nil, false, false, 70, false),
            ("max-stale", nil, true, false, 70, false),
            ("max-age=0", 60, false, false, 70, true),  // RFC 5861 §4: regardless of other freshness information.
        ] as [(String, Double?, Bool, Bool, Double, Bool)])
    func staleOnError(
        cacheControl: String,
        staleIfError: Double?,
        mustRevalidate: Bool,
        noCache: Bool,
        after: Double,
        expected: Bool
    ) {
        let entry = EntryPolicy(
            freshnessLifetime: 60, correctedInitialAge: 0, responseTime: t0, noCache: noCache,
            mustRevalidate: mustRevalidate, staleIfError: staleIfError)
        let request = requestDirectives(cacheControl.isEmpty ? [] : [("Cache-Control", cacheControl)])
        #expect(CacheRequestPolicy.canServeStaleOnError(entry: entry, request: request, now: t0 + after) == expected)
    }

    @Test func methodsAndMisses() {
        #expect(CacheRequestPolicy.canUseStoredResponse(for: "GET"))
        #expect(CacheRequestPolicy.canUseStoredResponse(for: "HEAD"))
        #expect(!CacheRequestPolicy.canUseStoredResponse(for: "POST"))
        #expect(!CacheRequestPolicy.canUseStoredResponse(for: "get"))
        #expect(
            CacheRequestPolicy.mustAnswerMissWithGatewayTimeout(
                requestDirectives([("Cache-Control", "only-if-cached")])))
        #expect(!CacheRequestPolicy.mustAnswerMissWithGatewayTimeout(CacheControl()))
        #expect(CacheRequestPolicy.errorStatuses == [500, 502, 503, 504])
    }
}
