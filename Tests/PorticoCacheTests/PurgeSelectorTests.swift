import PorticoCache
import Testing

@Suite struct PurgeSelectorTests {
    private func key(_ host: String, _ target: String, scheme: String = "http") -> CacheKey {
        CacheKey(scheme: scheme, host: host, target: target)
    }

    @Test func pathAloneSelectsItOnEveryHost() throws {
        let selector = try PurgeSelector(query: "url=/logo.png")
        #expect(selector.matches(key("a.example", "/logo.png")))
        #expect(selector.matches(key("b.example:8080", "/logo.png")))
        #expect(!selector.matches(key("a.example", "/logo.png?v=2")))
        #expect(!selector.matches(key("a.example", "/logo")))
    }

    @Test func absoluteURLSelectsItsHostOnlyNormalizedAsKeysAre() throws {
        let selector = try PurgeSelector(query: "url=HTTP://Shop.Example:80/a?b=1")
        #expect(selector.matches(key("shop.example", "/a?b=1")))
        #expect(!selector.matches(key("other.example", "/a?b=1")))
        #expect(!selector.matches(key("shop.example", "/a?b=1", scheme: "https")))
        #expect(try PurgeSelector(query: "url=http://shop.example").matches(key("shop.example", "/")))
    }

    @Test func prefixSelectsEverythingUnderAPath() throws {
        let everywhere = try PurgeSelector(query: "prefix=/static/")
        #expect(everywhere.matches(key("a.example", "/static/app.js")))
        #expect(everywhere.matches(key("b.example", "/static/")))
        #expect(!everywhere.matches(key("a.example", "/statics")))
        let oneHost = try PurgeSelector(query: "prefix=https://cdn.example/img/")
        #expect(oneHost.matches(key("cdn.example", "/img/1.png", scheme: "https")))
        #expect(!oneHost.matches(key("cdn.example", "/img/1.png")))
    }

    @Test func valuesArePercentDecodedOnce() throws {
        #expect(try PurgeSelector(query: "url=%2Fa%3Fb%3D1") == PurgeSelector(match: .target("/a?b=1")))
        #expect(try PurgeSelector(query: "url=/caf%25C3%25A9") == PurgeSelector(match: .target("/caf%C3%A9")))
        #expect(try PurgeSelector(query: "url=/a+b") == PurgeSelector(match: .target("/a+b")))
    }

    @Test(arguments: [
        ("", PurgeError.needsOneOfURLOrPrefix),
        ("url=/a&prefix=/b", .needsOneOfURLOrPrefix),
        ("url=/a&url=/b", .needsOneOfURLOrPrefix),
        ("prefix=/a&prefix=/b", .needsOneOfURLOrPrefix),
        ("path=/a", .unknownParameter("path")),
        ("url=logo.png", .invalidURL("logo.png")),
        ("url=http:///a", .invalidURL("http:///a")),
        ("url=/a%2", .invalidEscape("/a%2")),
        ("url=/a%zz", .invalidEscape("/a%zz")),
    ])
    func badQueriesAreRefusedWithAReason(query: String, expected: PurgeError) {
        #expect(throws: expected) { try PurgeSelector(query: query) }
        #expect(!expected.description.isEmpty)
    }
}
