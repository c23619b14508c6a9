import Testing

@testable import PorticoServer

@Suite struct RouteMatchingTests {
    @Test(arguments: [
        ("api.example.com", "api.example.com", true),
        ("API.Example.com", "api.example.com", true),
        ("www.example.com", "*.example.com", true),
        ("a.b.example.com", "*.example.com", true),
        ("example.com", "*.example.com", false),
        ("badexample.com", "*.example.com", false),
        ("api.example.org", "api.example.com", false),
    ])
    func hostPatterns(host: String, pattern: String, matches: Bool) {
        #expect(Runtime.host(host, matches: pattern) == matches)
    }

    @Test func portIsIgnoredWhenMatchingHosts() {
        #expect(Runtime.stripPort("example.com:8080") == "example.com")
        #expect(Runtime.stripPort("[::1]:8080") == "[::1]")
        #expect(Runtime.stripPort("example.com") == "example.com")
    }
}
