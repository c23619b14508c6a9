import PorticoCache
import PorticoHTTP
import Testing

private func headers(_ pairs: [(String, String)]) -> HTTPHeaders {
    HTTPHeaders(pairs.map { HeaderField(name: $0.0, value: $0.1) })
}

/// Whether a 200 with `fields` is stored, and its freshness lifetime (seconds; nil when not
/// stored). The response's Date is its receipt time, 1,000,000.
private func outcome(_ fields: [(String, String)]) -> (decision: StoreDecision, lifetime: Double?) {
    let now = 1_000_000.0
    let response = headers([("Date", HTTPDateParser.format(now))] + fields)
    let decision = Storability.decide(
        method: "GET", requestHeaders: HTTPHeaders(), status: 200, responseHeaders: response)
    guard decision == .store else { return (decision, nil) }
    let policy = Freshness.policy(requestTime: now, responseTime: now, status: 200, responseHeaders: response)
    return (decision, policy.freshnessLifetime)
}

private let inAnHour = HTTPDateParser.format(1_000_000 + 3600)

/// RFC 9213: `CDN-Cache-Control` overrides `Cache-Control` and `Expires` when it is a valid,
/// non-empty Structured Field Dictionary, and is ignored otherwise.
@Suite struct TargetedCacheControlTests {
    @Test func targetedLifetimeWinsOverCacheControlEitherWay() {
        #expect(outcome([("Cache-Control", "max-age=1"), ("CDN-Cache-Control", "max-age=3600")]).lifetime == 3600)
        #expect(outcome([("Cache-Control", "max-age=3600"), ("CDN-Cache-Control", "max-age=1")]).lifetime == 1)
        #expect(outcome([("Cache-Control", "no-store"), ("CDN-Cache-Control", "max-age=600")]).lifetime == 600)
    }

    @Test func expiresDoesNotCountBesideAValidTargetedField() {
        #expect(outcome([("CDN-Cache-Control", "max-age=0"), ("Expires", inAnHour)]).lifetime == 0)
        #expect(outcome([("CDN-Cache-Control", "max-age=60"), ("Expires", "0")]).lifetime == 60)
        // Expires would give an hour; without it there is no lifetime (and no Last-Modified).
        #expect(outcome([("CDN-Cache-Control", "must-revalidate"), ("Expires", inAnHour)]).lifetime == 0)
    }

    @Test func restrictingDirectivesApply() {
        let fresh = [("Cache-Control", "max-age=10000"), ("Expires", inAnHour)]
        #expect(outcome(fresh + [("CDN-Cache-Control", "no-store")]).decision == .doNotStore(.noStore))
        #expect(outcome(fresh + [("CDN-Cache-Control", "private")]).decision == .doNotStore(.private))
        let noCache = headers([("CDN-Cache-Control", "no-cache"), ("Cache-Control", "max-age=10000")])
        let policy = Freshness.policy(requestTime: 0, responseTime: 0, status: 200, responseHeaders: noCache)
        #expect(policy.noCache)
    }

    /// Each beside `Cache-Control: max-age=5`, which would give 5 were the field ignored instead.
    @Test func directivesWithValuesTheyCannotTakeGiveNoLifetime() {
        let fallback = [("Cache-Control", "max-age=5")]
        #expect(outcome(fallback + [("CDN-Cache-Control", "max-age=\"10000\"")]).lifetime == 0)
        #expect(outcome(fallback + [("CDN-Cache-Control", "max-age=1.5")]).lifetime == 0)
        #expect(outcome(fallback + [("CDN-Cache-Control", "max-age=-1")]).lifetime == 0)
        #expect(outcome(fallback + [("CDN-Cache-Control", "max-age=60, no-store=?0")]).lifetime == 60)
        #expect(
            outcome(fallback + [("CDN-Cache-Control", "max-age=60;a=1, foobar")]).lifetime == 60,
            "parameters are ignored")
        #expect(outcome(fallback + [("CDN-Cache-Control", "max-age=99999999999")]).lifetime == 2_147_483_648)
    }

    /// An invalid field is ignored whole: `Cache-Control` decides.
    @Test(arguments: [
        "max-age=10000, &&&&&",
        "MaX-aGe=10000",
        "max-age =10000",
        "max-age= 10000",
        "max-age=10000,",
        "max-age=10000 no-cache",
        "max-age=1234567890123456",
        "max-age=\"unterminated",
        "",
        "   ",
    ])
    func invalidTargetedFieldIsIgnored(value: String) {
        #expect(
            outcome([("CDN-Cache-Control", value), ("Cache-Control", "no-store")]).decision == .doNotStore(.noStore))
        #expect(outcome([("CDN-Cache-Control", value), ("Cache-Control", "max-age=5")]).lifetime == 5)
    }

    @Test func fieldLinesCombineIntoOneDictionary() {
        #expect(outcome([("CDN-Cache-Control", "foo"), ("CDN-Cache-Control", "max-age=30")]).lifetime == 30)
        #expect(
            outcome([("CDN-Cache-Control", "max-age=30"), ("CDN-Cache-Control", "max-age=40")]).lifetime == 40,
            "a repeated key keeps its last value")
        #expect(
            outcome([("CDN-Cache-Control", "max-age=30"), ("CDN-Cache-Control", "bad key")]).lifetime == 0,
            "one bad line spoils the field: Cache-Control (none here) decides")
    }

    @Test func structuredValuesOfEveryTypeParse() {
        let value = #"a=1, b=-2.5, c="x\"y", d=tok/en:1, e=:aGk=:, f=?1, g=(1 "two" three);p, h;q=?0, *i"#
        #expect(outcome([("CDN-Cache-Control", value + ", max-age=7")]).lifetime == 7)
    }
}
