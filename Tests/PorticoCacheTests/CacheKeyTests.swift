import PorticoCache
import PorticoHTTP
import Testing

@Suite struct CacheKeyTests {
    @Test(arguments: [
        ("http", "Example.COM", "example.com"),
        ("http", "example.com:80", "example.com"),
        ("HTTP", "example.com:80", "example.com"),
        ("http", "example.com:", "example.com"),
        ("http", "example.com:443", "example.com:443"),
        ("https", "example.com:443", "example.com"),
        ("https", "example.com:80", "example.com:80"),
        ("http", "example.com:8080", "example.com:8080"),
        ("http", "example.com:0080", "example.com"),
        ("http", "[::1]:80", "[::1]"),
        ("http", "[::1]", "[::1]"),
        ("http", "[::1]:8080", "[::1]:8080"),
        ("http", "::1", "::1"),
        ("http", "EXAMPLE.com:x", "example.com:x"),
    ])
    func hostIsLowercasedWithoutDefaultPort(scheme: String, host: String, expected: String) {
        #expect(CacheKey(scheme: scheme, host: host, target: "/").host == expected)
    }

    @Test func schemeIsLowercased() {
        let key = CacheKey(scheme: "HTTPS", host: "a", target: "/")
        #expect(key.scheme == "https")
        #expect(key.description == "https://a/")
    }

    @Test func equivalentSpellingsAreOneKey() {
        let plain = CacheKey(scheme: "http", host: "example.com", target: "/a?b=1")
        let spelled = CacheKey(scheme: "HTTP", host: "EXAMPLE.com:80", target: "/a?b=1")
        #expect(plain == spelled)
        #expect(plain.fingerprint == spelled.fingerprint)
        #expect(plain.hashValue == spelled.hashValue)
        #expect(Set([plain, spelled]).count == 1)
    }

    @Test(arguments: [
        ("/a?b=1&c=2", "/a?c=2&b=1"),
        ("/%7e", "/~"),
        ("/A", "/a"),
        ("/a", "/a/"),
        ("/a", "/a?"),
    ])
    func pathAndQueryAreKeptExactly(first: String, second: String) {
        let one = CacheKey(scheme: "http", host: "h", target: first)
        let other = CacheKey(scheme: "http", host: "h", target: second)
        #expect(one != other)
        #expect(one.fingerprint != other.fingerprint)
    }

    @Test func partsDoNotRunTogether() {
        let one = CacheKey(scheme: "http", host: "ab", target: "/c")
        let other = CacheKey(scheme: "http", host: "a", target: "b/c")
        #expect(one != other)
        #expect(one.fingerprint != other.fingerprint)
        #expect(CacheKey(scheme: "http", host: "h", target: "/") != CacheKey(scheme: "https", host: "h", target: "/"))
    }

    @Test func requestKeyUsesHostAndOriginFormPath() throws {
        var headers = HTTPHeaders()
        headers.add("Host", "Example.com:80")
        var request = RequestHead(method: "GET", target: "/x?y", version: .http11, headers: headers)
        #expect(CacheKey(scheme: "http", request: request) == nil)
        request.host = "Example.com:80"
        let key = try #require(CacheKey(scheme: "http", request: request))
        #expect(key == CacheKey(scheme: "http", host: "example.com", target: "/x?y"))
    }
}
