import PorticoCache
import PorticoHTTP
import Testing

private func headers(_ pairs: [(String, String)]) -> HTTPHeaders {
    HTTPHeaders(pairs.map { HeaderField(name: $0.0, value: $0.1) })
}

@Suite struct InvalidationTests {
    private static let target = TargetURI(scheme: "http", authority: "Example.com", pathAndQuery: "/items/1?x=y")!

    /// RFC 9111 §4.4: (method, status, response fields, URIs invalidated).
    @Test(
        arguments: [
            ("POST", 200, [], ["http://example.com/items/1?x=y"]),
            ("PUT", 204, [], ["http://example.com/items/1?x=y"]),
            ("DELETE", 302, [], ["http://example.com/items/1?x=y"]),
            ("PURGE", 200, [], ["http://example.com/items/1?x=y"]),  // Unknown methods are unsafe.
            ("POST", 404, [], []),
            ("POST", 500, [], []),
            ("POST", 100, [], []),
            ("GET", 200, [], []),
            ("HEAD", 200, [], []),
            ("OPTIONS", 200, [], []),
            (
                "POST", 201, [("Location", "/items/2")],
                ["http://example.com/items/1?x=y", "http://example.com/items/2"]
            ),
            (
                "PUT", 200, [("Content-Location", "http://EXAMPLE.com:80/items/1.json#top")],
                ["http://example.com/items/1?x=y", "http://example.com/items/1.json"]
            ),
            (
                "POST", 303, [("Location", "//example.com/done"), ("Content-Location", "/items/1?x=y")],
                ["http://example.com/items/1?x=y", "http://example.com/done"]
            ),
            ("POST", 201, [("Location", "http://evil.example/items/2")], ["http://example.com/items/1?x=y"]),
            ("POST", 201, [("Location", "//evil.example/items/2")], ["http://example.com/items/1?x=y"]),
            ("POST", 201, [("Location", "https://example.com/items/2")], ["http://example.com/items/1?x=y"]),
            ("POST", 201, [("Location", "http://example.com:8080/items/2")], ["http://example.com/items/1?x=y"]),
            ("POST", 201, [("Location", "items/2")], ["http://example.com/items/1?x=y"]),  // Relative: ignored.
            ("POST", 201, [("Location", "mailto:a@example.com")], ["http://example.com/items/1?x=y"]),
        ] as [(String, Int, [(String, String)], [String])])
    func invalidates(method: String, status: Int, response: [(String, String)], expected: [String]) {
        let uris = Invalidation.urisToInvalidate(
            method: method, status: status, target: Self.target, responseHeaders: headers(response))
        #expect(uris.map(\.description) == expected)
    }

    @Test(arguments: [
        ("http", "example.com", "/a", "http://example.com/a"),
        ("HTTP", "EXAMPLE.COM:80", "/a", "http://example.com/a"),
        ("https", "example.com:443", "", "https://example.com/"),
        ("https", "example.com:8443", "?q=1", "https://example.com:8443/?q=1"),
        ("http", "user:pw@example.com", "/a#frag", "http://example.com/a"),
        ("http", "[::1]:8080", "/a", "http://[::1]:8080/a"),
        ("http", "example.com:", "/a", "http://example.com/a"),
    ])
    func targetURINormalizes(scheme: String, authority: String, path: String, expected: String) throws {
        let uri = try #require(TargetURI(scheme: scheme, authority: authority, pathAndQuery: path))
        #expect(uri.description == expected)
    }

    @Test(arguments: [
        ("ftp", "example.com", "/a"),
        ("http", "", "/a"),
        ("http", "example.com:99999", "/a"),
        ("http", "example.com:8o", "/a"),
        ("http", "exa mple.com", "/a"),
        ("http", "[::1", "/a"),
        ("http", "example.com", "a"),
    ])
    func targetURIRejects(scheme: String, authority: String, path: String) {
        #expect(TargetURI(scheme: scheme, authority: authority, pathAndQuery: path) == nil)
    }

    @Test func sameOriginComparesSchemeHostAndPort() throws {
        let a = try #require(TargetURI(absolute: "http://example.com/a"))
        #expect(a.hasSameOrigin(as: try #require(TargetURI(absolute: "http://EXAMPLE.COM:80/b"))))
        #expect(!a.hasSameOrigin(as: try #require(TargetURI(absolute: "https://example.com/a"))))
        #expect(!a.hasSameOrigin(as: try #require(TargetURI(absolute: "http://example.com:81/a"))))
        #expect(!a.hasSameOrigin(as: try #require(TargetURI(absolute: "http://www.example.com/a"))))
        #expect(a.port == 80)
        #expect(a.authority == "example.com")
    }
}
