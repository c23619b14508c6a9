import Testing

/// `route` picks a backend by host and path prefix, first match wins; the host comes from `Host`,
/// or from an absolute-form target, which replaces it (RFC 9112 §3.2.2); a request no route
/// matches gets 404 (README, "Errors Portico makes itself").
@Suite("Routing", .timeLimit(.minutes(1)))
struct RoutingTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var request: String
        var backend: String
        /// The request line's target and the Host the backend must see.
        var target: String
        var host: String
        var testDescription: String { request.split(separator: "\r\n").joined(separator: " | ") }
    }

    static let cases: [Case] = [
        Case(
            request: Wire.get("/v1/x", host: "api.example.com"), backend: "a", target: "/v1/x", host: "api.example.com"),
        Case(request: Wire.get("/v2/", host: "api.example.com"), backend: "b", target: "/v2/", host: "api.example.com"),
        Case(request: Wire.get("/v1", host: "api.example.com"), backend: "b", target: "/v1", host: "api.example.com"),
        Case(request: Wire.get("/v1/x", host: "example.com"), backend: "b", target: "/v1/x", host: "example.com"),
        Case(request: Wire.get("/v1/x", host: "notexample.com"), backend: "b", target: "/v1/x", host: "notexample.com"),
        // A port in Host and the case of the name do not matter (RFC 3986 §3.2.2).
        Case(
            request: Wire.get("/v1/x", host: "api.example.com:8080"), backend: "a", target: "/v1/x",
            host: "api.example.com:8080"),
        Case(
            request: Wire.get("/v1/x", host: "API.Example.COM"), backend: "a", target: "/v1/x", host: "API.Example.COM"),
        // Absolute form: the target's authority is the host, for routing and for the backend.
        Case(
            request: "GET http://api.example.com/v1/abs HTTP/1.1\r\nHost: other.test\r\n\r\n", backend: "a",
            target: "/v1/abs", host: "api.example.com"),
        Case(
            request: "GET http://example.com/v1/abs HTTP/1.1\r\nHost: api.example.com\r\n\r\n", backend: "b",
            target: "/v1/abs", host: "example.com"),
    ]

    static func origin(named name: String) throws -> ScriptedOrigin {
        try ScriptedOrigin { _, connection in try connection.respond(body: name) }
    }

    static func config(a: UInt16, b: UInt16, routes: String) -> String {
        """
        workers 1;
        timeouts { client_header 1s; client_idle 2s; send 5s; }
        backend a { server 127.0.0.1:\(a); }
        backend b { server 127.0.0.1:\(b); }
        \(routes)

        """
    }

    @Test(arguments: cases)
    func requestGoesToTheMatchingBackend(_ route: Case) throws {
        let a = try Self.origin(named: "a")
        defer { a.stop() }
        let b = try Self.origin(named: "b")
        defer { b.stop() }
        let routes = "route host=*.example.com path=/v1/ backend=a;\nroute backend=b;"
        let proxy = try PorticoProcess(config: Self.config(a: a.port, b: b.port, routes: routes))
        defer { proxy.stop() }

        let response = try RawClient.request(port: proxy.port, route.request)
        #expect(response.status == 200)
        #expect(response.bodyText == route.backend)
        let chosen = route.backend == "a" ? a : b
        let other = route.backend == "a" ? b : a
        let request = try #require(chosen.requests.first)
        #expect(request.target == route.target)
        #expect(request.values("Host") == [route.host])
        #expect(other.requestCount == 0)
    }

    @Test func noMatchingRouteGives404() throws {
        let a = try Self.origin(named: "a")
        defer { a.stop() }
        let b = try Self.origin(named: "b")
        defer { b.stop() }
        let routes = "route host=only.example.com backend=a;\nroute host=*.example.org path=/v1/ backend=b;"
        let proxy = try PorticoProcess(config: Self.config(a: a.port, b: b.port, routes: routes))
        defer { proxy.stop() }

        for (target, host) in [("/", "api.example.com"), ("/v2/", "api.example.org"), ("/v1/", "example.org")] {
            let response = try RawClient.request(port: proxy.port, Wire.get(target, host: host))
            #expect(response.status == 404, "\(host)\(target): \(response)")
            #expect(response.header("Content-Type")?.hasPrefix("text/plain") == true)
            #expect(!response.body.isEmpty)
        }
        // The routes that do match still work.
        #expect(try RawClient.request(port: proxy.port, Wire.get("/", host: "only.example.com")).bodyText == "a")
        #expect(try RawClient.request(port: proxy.port, Wire.get("/v1/x", host: "www.example.org")).bodyText == "b")
        #expect(a.requestCount == 1)
        #expect(b.requestCount == 1)
    }
}
