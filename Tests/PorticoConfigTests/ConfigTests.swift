import Testing

@testable import PorticoConfig

/// Happy paths: every directive, the defaults, and the route default.
@Suite struct ConfigTests {
    static let minimal = """
        listen 127.0.0.1:8080;
        backend app { server 127.0.0.1:9001; }

        """

    private func parse(_ text: String) throws(ConfigError) -> Config {
        try Config.parse(text, file: "t.conf")
    }

    private let app = BackendSettings(
        name: "app",
        servers: [ServerSettings(address: SocketAddress(host: "127.0.0.1", port: 9001))]
    )

    @Test func minimalConfigGetsEveryDefault() throws {
        let config = try parse(Self.minimal)
        #expect(
            config
                == Config(
                    workers: nil,
                    listen: [SocketAddress(host: "127.0.0.1", port: 8080)],
                    shutdownTimeout: .seconds(30),
                    timeouts: Timeouts(clientHeader: .seconds(10), clientIdle: .seconds(60), send: .seconds(30)),
                    limits: Limits(
                        requestLine: 8192,
                        requestHeaders: 32768,
                        headerCount: 100,
                        requestBody: 64 << 20,
                        maxConnections: 10000
                    ),
                    cache: CacheSettings(memory: 256 << 20, maxObject: 16 << 20, eviction: .lru),
                    backends: [app],
                    routes: [Route(host: nil, pathPrefix: nil, backend: "app")],
                    admin: nil,
                    accessLog: .off
                )
        )
        let backend = try #require(config.backends.first)
        #expect(backend.balance == .weighted)
        #expect(backend.keepalive == 32)
        #expect(backend.connectTimeout == .seconds(1))
        #expect(backend.responseTimeout == .seconds(30))
        #expect(backend.retries == 1)
        #expect(backend.health == nil)
        #expect(backend.circuitBreaker == nil)
        #expect(backend.queue == nil)
        #expect(backend.servers[0].weight == 1)
        #expect(backend.servers[0].maxConns == nil)
        #expect(backend.servers[0].backup == false)
    }

    @Test func everyDirectiveSetsItsField() throws {
        let config = try parse(
            """
            workers 4;
            listen 127.0.0.1:8080;
            listen [::1]:8081;
            shutdown_timeout 5s;
            timeouts { client_header 2s; client_idle 90s; send 250ms; }
            limits { request_line 4k; request_headers 16K; header_count 50; request_body 1g; max_connections 500; }
            cache { memory 512m; max_object 2m; eviction s3fifo; }
            backend app {
                balance least_conn;
                server 10.0.0.1:80 weight=3 max_conns=200;
                server origin.internal:8080 backup;
                keepalive 64;
                connect_timeout 500ms;
                response_timeout 2m;
                retries 2;
                queue 100 timeout 5s;
                health { path /ping; interval 5s; timeout 2s; rise 3; fall 4; expect 204; }
                circuit_breaker { failures 10; open 30s; open_max 10m; half_open_requests 3; max_ejection_percent 100; }
            }
            backend static { balance hash; server 10.0.0.2:80; }
            route host=static.example.com backend=static;
            route host=*.example.com path=/v1/ backend=app;
            route path=/assets/ backend=static;
            route backend=app;
            admin { listen 127.0.0.1:0; token "change me"; }
            access_log /var/log/portico/access.log json;
            """
        )
        #expect(config.workers == 4)
        #expect(
            config.listen == [SocketAddress(host: "127.0.0.1", port: 8080), SocketAddress(host: "::1", port: 8081)])
        #expect(config.shutdownTimeout == .seconds(5))
        #expect(
            config.timeouts == Timeouts(clientHeader: .seconds(2), clientIdle: .seconds(90), send: .milliseconds(250)))
        #expect(
            config.limits
                == Limits(
                    requestLine: 4096,
                    requestHeaders: 16384,
                    headerCount: 50,
                    requestBody: 1 << 30,
                    maxConnections: 500
                )
        )
        #expect(config.cache == CacheSettings(memory: 512 << 20, maxObject: 2 << 20, eviction: .s3fifo))
        #expect(
            config.backends == [
                BackendSettings(
                    name: "app",
                    balance: .leastConn,
                    servers: [
                        ServerSettings(address: SocketAddress(host: "10.0.0.1", port: 80), weight: 3, maxConns: 200),
                        ServerSettings(address: SocketAddress(host: "origin.internal", port: 8080), backup: true),
                    ],
                    keepalive: 64,
                    connectTimeout: .milliseconds(500),
                    responseTimeout: .seconds(120),
                    retries: 2,
                    health: HealthCheckSettings(
                        path: "/ping",
                        interval: .seconds(5),
                        timeout: .seconds(2),
                        rise: 3,
                        fall: 4,
                        expect: 204...204
                    ),
                    circuitBreaker: CircuitBreakerSettings(
                        failures: 10,
                        open: .seconds(30),
                        openMax: .seconds(600),
                        halfOpenRequests: 3,
                        maxEjectionPercent: 100
                    ),
                    queue: QueueSettings(size: 100, timeout: .seconds(5))
                ),
                BackendSettings(
                    name: "static",
                    balance: .hash,
                    servers: [ServerSettings(address: SocketAddress(host: "10.0.0.2", port: 80))]
                ),
            ]
        )
        #expect(
            config.routes == [
                Route(host: "static.example.com", pathPrefix: nil, backend: "static"),
                Route(host: "*.example.com", pathPrefix: "/v1/", backend: "app"),
                Route(host: nil, pathPrefix: "/assets/", backend: "static"),
                Route(host: nil, pathPrefix: nil, backend: "app"),
            ]
        )
        #expect(config.admin == AdminSettings(listen: SocketAddress(host: "127.0.0.1", port: 0), token: "change me"))
        #expect(config.accessLog == .file("/var/log/portico/access.log", .json))
    }

    @Test(arguments: [("auto", nil), ("1", 1), ("256", 256)] as [(String, Int?)])
    func workers(text: String, workers: Int?) throws {
        #expect(try parse("workers \(text);\n" + Self.minimal).workers == workers)
    }

    @Test func listenAcceptsEveryAddressForm() throws {
        let config = try parse(
            """
            listen *:8080;
            listen localhost:8081;
            listen 127.0.0.1:0;
            listen 127.0.0.1:0;
            listen [::]:8082;
            backend app { server 127.0.0.1:9001; }
            """
        )
        #expect(
            config.listen.map(\.description) == [
                "0.0.0.0:8080", "localhost:8081", "127.0.0.1:0", "127.0.0.1:0", "[::]:8082",
            ])
    }

    @Test func withoutRoutesEverythingGoesToTheFirstBackend() throws {
        let config = try parse(Self.minimal + "backend other { server 127.0.0.1:9002; }\n")
        #expect(config.routes == [Route(backend: "app")])
    }

    @Test func routesKeepFileOrderAndMayPrecedeTheirBackend() throws {
        let config = try parse(
            """
            route path=/b/ backend=b;
            route backend=a;
            listen 127.0.0.1:8080;
            backend a { server 127.0.0.1:9001; }
            backend b { server 127.0.0.1:9002; }
            """
        )
        #expect(config.routes == [Route(pathPrefix: "/b/", backend: "b"), Route(backend: "a")])
        #expect(config.backends.map(\.name) == ["a", "b"])
    }

    @Test func optionsMayComeInAnyOrder() throws {
        let config = try parse(
            """
            listen 127.0.0.1:8080;
            backend app { server 127.0.0.1:9001 backup max_conns=5 weight=7; }
            route backend=app path=/x/ host=example.com;
            """
        )
        #expect(
            config.backends[0].servers[0]
                == ServerSettings(
                    address: SocketAddress(host: "127.0.0.1", port: 9001), weight: 7, maxConns: 5, backup: true))
        #expect(config.routes == [Route(host: "example.com", pathPrefix: "/x/", backend: "app")])
    }

    @Test(arguments: [
        ("access_log off;", AccessLog.off),
        ("access_log stdout;", .stdout(.combined)),
        ("access_log stdout json;", .stdout(.json)),
        ("access_log stdout combined;", .stdout(.combined)),
        ("access_log logs/access.log;", .file("logs/access.log", .combined)),
        (#"access_log "/var/log/my portico.log" json;"#, .file("/var/log/my portico.log", .json)),
    ])
    func accessLog(directive: String, accessLog: AccessLog) throws {
        #expect(try parse(Self.minimal + directive).accessLog == accessLog)
    }

    @Test func emptyBlocksKeepDefaults() throws {
        let config = try parse(
            """
            timeouts { }
            limits { }
            cache { }
            admin { }
            listen 127.0.0.1:8080;
            backend app { server 127.0.0.1:9001; health { } circuit_breaker { } }
            """
        )
        #expect(config.timeouts == Timeouts())
        #expect(config.limits == Limits())
        #expect(config.cache == CacheSettings())
        #expect(config.admin == AdminSettings(listen: SocketAddress(host: "127.0.0.1", port: 9901), token: nil))
        #expect(config.backends[0].health == HealthCheckSettings())
        #expect(config.backends[0].health?.expect == 200...399)
        #expect(config.backends[0].health?.path == "/healthz")
        #expect(config.backends[0].circuitBreaker == CircuitBreakerSettings())
        #expect(config.backends[0].circuitBreaker?.openMax == .seconds(300))
    }

    @Test func healthExpectTakesARange() throws {
        let config = try parse(
            Self.minimal.replacing("server 127.0.0.1:9001;", with: "server 127.0.0.1:9001; health { expect 200-204; }"))
        #expect(config.backends[0].health?.expect == 200...204)
    }

    @Test func valuesMayBeQuoted() throws {
        let config = try parse(
            """
            listen "127.0.0.1:8080";
            backend "app" { server "127.0.0.1:9001" "weight=2"; keepalive "8"; }
            """
        )
        #expect(config.backends[0].keepalive == 8)
        #expect(config.backends[0].servers[0].weight == 2)
    }

    @Test func rangesIncludeTheirBounds() throws {
        let config = try parse(
            """
            shutdown_timeout 0;
            limits { request_line 64; header_count 10000; request_body 0; max_connections 1; }
            cache { memory 0; max_object 1024g; }
            listen 127.0.0.1:8080;
            backend app { server 127.0.0.1:65535 weight=1000; keepalive 0; retries 10; connect_timeout 1ms; response_timeout 24h; }
            """
        )
        #expect(config.shutdownTimeout == .zero)
        #expect(config.limits.requestLine == 64)
        #expect(config.limits.requestBody == 0)
        #expect(config.cache.maxObject == 1 << 40)
        #expect(config.backends[0].servers[0].weight == 1000)
        #expect(config.backends[0].responseTimeout == .seconds(86400))
    }

    /// The sketch of the full surface in DESIGN.md, verbatim.
    @Test func designSketchParses() throws {
        let config = try parse(
            """
            workers auto;
            listen 127.0.0.1:8080;                # repeatable; [::1]:8080 for IPv6
            shutdown_timeout 30s;

            timeouts { client_header 10s; client_idle 60s; send 30s; }
            limits   { request_line 8k; request_headers 32k; header_count 100; request_body 64m; max_connections 10000; }

            cache {
                memory 256m;          # byte budget for all entries, heads included
                max_object 16m;       # bigger responses stream through, unstored
                eviction lru;         # lru | s3fifo
            }

            backend app {
                balance weighted;     # weighted | least_conn | hash
                server 127.0.0.1:9001 weight=3;
                server 127.0.0.1:9002 weight=1 max_conns=200;
                keepalive 64;
                connect_timeout 1s;  response_timeout 30s;  retries 1;
                health  { path /healthz; interval 2s; timeout 1s; rise 2; fall 3; expect 200-399; }
                circuit_breaker { failures 5; open 10s; half_open_requests 1; }
            }

            route host=api.example.com path=/v1/ backend=app;   # first match wins
            route backend=app;                                   # default

            admin { listen 127.0.0.1:9901; token "change-me"; }
            access_log stdout json;                               # or a path, or off
            """
        )
        #expect(config.backends[0].servers[1].maxConns == 200)
        #expect(config.backends[0].health == HealthCheckSettings())
        #expect(config.backends[0].circuitBreaker == CircuitBreakerSettings())
        #expect(config.routes.count == 2)
        #expect(config.admin?.token == "change-me")
        #expect(config.accessLog == .stdout(.json))
    }

    @Test func equalConfigsCompareEqual() throws {
        #expect(try parse(Self.minimal) == parse("# a comment\n" + Self.minimal))
        #expect(try parse(Self.minimal) != parse(Self.minimal + "workers 2;"))
    }
}
