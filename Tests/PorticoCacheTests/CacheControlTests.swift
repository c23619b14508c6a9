import PorticoCache
import PorticoHTTP
import Testing

@Suite struct CacheControlTests {
    /// The directives of one `Cache-Control` line per value.
    private func parse(_ values: String...) -> CacheControl {
        CacheControl(HTTPHeaders(values.map { HeaderField(name: "Cache-Control", value: $0) }))
    }

    @Test func parsesResponseDirectives() {
        let cc = parse(
            "public, max-age=60, s-maxage=120, must-revalidate, proxy-revalidate, no-transform, immutable",
            "stale-while-revalidate=30, stale-if-error=600, must-understand")
        #expect(cc.isPublic)
        #expect(cc.maxAge == 60)
        #expect(cc.sMaxAge == 120)
        #expect(cc.mustRevalidate && cc.proxyRevalidate && cc.noTransform && cc.immutable && cc.mustUnderstand)
        #expect(cc.staleWhileRevalidate == 30)
        #expect(cc.staleIfError == 600)
        #expect(!cc.noStore && !cc.noCache && !cc.isPrivate)
    }

    @Test func parsesRequestDirectives() {
        let cc = parse("max-age=10, max-stale=5, min-fresh=3, only-if-cached, no-store, no-cache")
        #expect(cc.maxAge == 10)
        #expect(cc.maxStale == .seconds(5))
        #expect(cc.minFresh == 3)
        #expect(cc.onlyIfCached && cc.noStore && cc.noCache)
        #expect(parse("max-stale").maxStale == .any)
    }

    @Test func directiveNamesIgnoreCase() {
        let cc = parse("Max-Age=5, NO-STORE, Private")
        #expect(cc.maxAge == 5)
        #expect(cc.noStore)
        #expect(cc.isPrivate)
    }

    @Test func readsEveryFieldLine() {
        var headers = HTTPHeaders()
        headers.add("Cache-Control", "public")
        headers.add("Content-Type", "text/plain")
        headers.add("cache-control", "max-age=60")
        let cc = CacheControl(headers)
        #expect(cc.isPublic)
        #expect(cc.maxAge == 60)
    }

    /// RFC 9111 §5.2.2.4, §5.2.2.7: a shared cache may treat the qualified forms like the
    /// unqualified ones, which is what Portico does.
    @Test(arguments: [
        #"no-cache="Set-Cookie, X-Foo""#, #"no-cache="a", no-cache"#, #"no-cache="""#, #"NO-CACHE="a""#,
    ])
    func qualifiedNoCacheCountsAsNoCache(_ value: String) {
        #expect(parse(value).noCache)
    }

    @Test func qualifiedPrivateCountsAsPrivate() {
        let cc = parse(#"private="Authorization-Info", max-age=60"#)
        #expect(cc.isPrivate)
        #expect(cc.maxAge == 60)
    }

    /// Invalid and repeated delta-seconds (RFC 9111 §1.2.2, §4.2.1): invalid counts as 0,
    /// overflow as 2^31, repeats keep the smallest.
    @Test(arguments: [
        ("max-age=60", 60),
        ("max-age=abc", 0),
        ("max-age=-1", 0),
        ("max-age=1.5", 0),
        ("max-age", 0),
        ("max-age=", 0),
        ("max-age=60s", 0),
        ("max-age=2147483648", 2_147_483_648),
        ("max-age=99999999999999999999999", 2_147_483_648),
        ("max-age=60, max-age=30", 30),
        ("max-age=30, max-age=60", 30),
        ("max-age=60, max-age=abc", 0),
        ("max-age = 60", 0),
        ("max-age =60", 0),
        ("max-age= 60", 0),
        (#"max-age="60""#, 60),
        (#"max-age="6\0""#, 60),
        (#"max-age="60"x"#, 0),
        (#"max-age="60"#, 0),
        (#"max-age=" 60""#, 0),
        ("max-age=060", 60),
    ])
    func maxAgeArgument(value: String, expected: Int) {
        #expect(parse(value).maxAge == expected)
    }

    @Test(arguments: [
        ("max-stale", CacheControl.MaxStale.any),
        ("max-stale=10", .seconds(10)),
        ("max-stale, max-stale=5", .seconds(5)),
        ("max-stale=5, max-stale", .seconds(5)),
        ("max-stale=9, max-stale=4", .seconds(4)),
        ("max-stale=abc", .seconds(0)),
    ])
    func maxStaleArgument(value: String, expected: CacheControl.MaxStale) {
        #expect(parse(value).maxStale == expected)
    }

    @Test func minFreshKeepsTheLargestAndIgnoresInvalid() {
        #expect(parse("min-fresh=5, min-fresh=10").minFresh == 10)
        #expect(parse("min-fresh=abc").minFresh == nil)
        #expect(parse("min-fresh").minFresh == nil)
    }

    @Test func staleWindowsTreatInvalidAsZero() {
        let cc = parse("stale-while-revalidate=abc, stale-if-error=-5")
        #expect(cc.staleWhileRevalidate == 0)
        #expect(cc.staleIfError == 0)
    }

    @Test func relaxingDirectivesNeedTheirValidForm() {
        let cc = parse("public=yes, immutable=1, must-understand=x")
        #expect(!cc.isPublic && !cc.immutable && !cc.mustUnderstand)
        let restrictive = parse("no-store=1, must-revalidate=x, only-if-cached=1, proxy-revalidate=y")
        #expect(restrictive.noStore && restrictive.mustRevalidate && restrictive.onlyIfCached)
        #expect(restrictive.proxyRevalidate)
    }

    @Test func commasInsideQuotedArgumentsDoNotSplit() {
        let cc = parse(#"ext="a, max-age=1", max-age=5"#)
        #expect(cc.maxAge == 5)
    }

    @Test func emptyElementsAndUnknownDirectivesAreIgnored() {
        let cc = parse(", , max-age=5,, foo, bar=baz, \"quoted\"")
        #expect(cc.maxAge == 5)
        #expect(
            cc
                == {
                    var c = CacheControl(); c.maxAge = 5; return c
                }())
    }

    @Test func pragmaNoCacheCountsOnlyWithoutCacheControl() {
        var pragmaOnly = HTTPHeaders()
        pragmaOnly.add("Pragma", "no-cache")
        #expect(CacheControl(requestHeaders: pragmaOnly).noCache)
        #expect(!CacheControl(pragmaOnly).noCache)

        var both = pragmaOnly
        both.add("Cache-Control", "max-age=5")
        #expect(!CacheControl(requestHeaders: both).noCache)

        var other = HTTPHeaders()
        other.add("Pragma", "x-foo=1, No-Cache")
        #expect(CacheControl(requestHeaders: other).noCache)
    }
}
