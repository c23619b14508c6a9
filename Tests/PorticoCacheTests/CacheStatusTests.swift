import PorticoCache
import Testing

@Suite struct CacheStatusTests {
    @Test(arguments: [
        (CacheStatus.hit(ttl: 42), "portico; hit; ttl=42"),
        (.hit(ttl: -5), "portico; hit; ttl=-5"),
        (.hit(ttl: nil, collapsed: true), "portico; hit; collapsed"),
        (.forward(.miss, stored: true), "portico; fwd=miss; stored"),
        (
            .forward(.uriMiss, status: 200, ttl: 60, stored: true),
            "portico; fwd=uri-miss; fwd-status=200; ttl=60; stored"
        ),
        (.forward(.varyMiss), "portico; fwd=vary-miss"),
        (.forward(.stale, status: 304, ttl: 60, stored: true), "portico; fwd=stale; fwd-status=304; ttl=60; stored"),
        (.forward(.stale, status: 503, ttl: -30), "portico; fwd=stale; fwd-status=503; ttl=-30"),
        (.forward(.request, status: 200), "portico; fwd=request; fwd-status=200"),
        (.forward(.method), "portico; fwd=method"),
        (.forward(.bypass), "portico; fwd=bypass"),
        (.forward(.partial), "portico; fwd=partial"),
        (.forward(.miss, collapsed: true), "portico; fwd=miss; collapsed"),
        (.forward(.miss, detail: NotStoredReason.noStore.token), "portico; fwd=miss; detail=no-store"),
        (.forward(.miss, detail: "origin said so"), #"portico; fwd=miss; detail="origin said so""#),
        (.forward(.miss, detail: "caf\u{e9}"), #"portico; fwd=miss; detail="caf?""#),
        (.forward(.miss, detail: "9lives"), #"portico; fwd=miss; detail="9lives""#),
        (
            CacheStatus(
                outcome: .forward(.miss), forwardStatus: 504, ttl: -999_999_999_999_999, stored: true,
                collapsed: true, detail: #"\\"#),
            #"portico; fwd=miss; fwd-status=504; ttl=-999999999999999; stored; collapsed; detail="\\\\""#
        ),
    ])
    func fieldValue(status: CacheStatus, expected: String) {
        #expect(status.fieldValue == expected)
    }

    @Test(arguments: [
        (42.0, 42),
        (0.5, 0),
        (-0.5, -1),
        (-30, -30),
        (1e20, 999_999_999_999_999),
        (-Double.infinity, -999_999_999_999_999),
        (Double.nan, 0),
    ])
    func ttlSecondsRoundsDown(remaining: Double, expected: Int) {
        #expect(CacheStatus.ttlSeconds(remaining) == expected)
    }

    @Test func revalidationReasonsMapToForwardReasons() {
        #expect(RevalidationReason.stale.forwardReason == .stale)
        #expect(RevalidationReason.responseNoCache.forwardReason == .stale)
        #expect(RevalidationReason.requestNoCache.forwardReason == .request)
        #expect(RevalidationReason.requestMaxAge.forwardReason == .request)
        #expect(RevalidationReason.requestMinFresh.forwardReason == .request)
    }
}
