import Testing

@testable import PorticoConfig

/// Every kind of error, with the exact `FILE:LINE:COL: message` an operator sees.
@Suite struct ConfigErrorTests {
    /// A listener, and a backend on line 2; cases append their own lines from line 3.
    static let base = "listen 127.0.0.1:8080;\nbackend app { server 127.0.0.1:9001; }\n"
    /// A listener on line 1; cases add a backend on line 2.
    static let listen = "listen 127.0.0.1:8080;\n"

    private func parseError(_ text: String) -> String? {
        do {
            _ = try Config.parse(text, file: "t.conf")
            return nil
        } catch {
            return error.description
        }
    }

    @Test func descriptionIsFileLineColumnMessage() {
        let error = ConfigError(location: SourceLocation(file: "proxy.conf", line: 12, column: 5), message: "boom")
        #expect(error.description == "proxy.conf:12:5: boom")
        #expect(error.location.description == "proxy.conf:12:5")
    }

    /// A huge token is quoted, but cut: the error stays one line a person can read.
    @Test func hugeTokensAreCutInMessages() throws {
        let token = String(repeating: "x", count: 1_000_000)
        let message = try #require(parseError(Self.base + token + ";\n"))
        #expect(message.hasPrefix("t.conf:3:1: unknown directive \"xxxx"), "\(message.prefix(80))")
        #expect(message.count < 500)
        #expect(message.hasSuffix("…"))
    }

    @Test func theFileNameIsReportedAsGiven() {
        #expect(
            throws: ConfigError(
                location: SourceLocation(file: "conf/my proxy.conf", line: 1, column: 1),
                message: #"unknown directive "listn" (did you mean "listen"?)"#)
        ) {
            try Config.parse("listn 127.0.0.1:8080;", file: "conf/my proxy.conf")
        }
    }

    @Test(arguments: [
        (
            "listn 127.0.0.1:8080;\nbackend app { server 127.0.0.1:9001; }",
            #"t.conf:1:1: unknown directive "listn" (did you mean "listen"?)"#
        ),
        (base + "frobnicate on;", #"t.conf:3:1: unknown directive "frobnicate""#),
        (base + "worker 2;", #"t.conf:3:1: unknown directive "worker" (did you mean "workers"?)"#),
        (
            listen + "backend app {\n  server 127.0.0.1:9001;\n  keepaliv 3;\n}",
            #"t.conf:4:3: unknown directive "keepaliv" (did you mean "keepalive"?)"#
        ),
        (base + "cache { evicton lru; }", #"t.conf:3:9: unknown directive "evicton" (did you mean "eviction"?)"#),
    ])
    func unknownDirectivesSuggestANameFromTheirBlock(text: String, expected: String) {
        #expect(parseError(text) == expected)
    }

    @Test(arguments: [
        (
            base + "server 127.0.0.1:9002;",
            #"t.conf:3:1: "server" is not allowed at top level (it belongs in "backend")"#
        ),
        (
            listen + "backend app {\n  server 127.0.0.1:9001;\n  listen 127.0.0.1:1;\n}",
            #"t.conf:4:3: "listen" is not allowed in "backend" (it belongs at top level or in "admin")"#
        ),
        (
            listen + "backend app { server 127.0.0.1:9001; timeout 1s; }",
            #"t.conf:2:38: "timeout" is not allowed in "backend" (it belongs in "health")"#
        ),
        (
            base + "timeouts { memory 1m; }",
            #"t.conf:3:12: "memory" is not allowed in "timeouts" (it belongs in "cache")"#
        ),
    ])
    func directivesInTheWrongBlockSayWhereTheyBelong(text: String, expected: String) {
        #expect(parseError(text) == expected)
    }

    @Test(arguments: [
        (
            "listen 127.0.0.1:8080 127.0.0.1:8081;\nbackend app { server 127.0.0.1:9001; }",
            #"t.conf:1:23: "listen" expects 1 argument, got 2"#
        ),
        (base + "workers;", #"t.conf:3:1: "workers" expects 1 argument, got 0"#),
        (base + "cache big { }", #"t.conf:3:7: "cache" expects no arguments, got 1"#),
        (base + "route host=a path=/ backend=app x=1;", #"t.conf:3:33: "route" expects 1 to 3 arguments, got 4"#),
        (base + "access_log a b c;", #"t.conf:3:16: "access_log" expects 1 or 2 arguments, got 3"#),
        (
            listen + "backend app { server 127.0.0.1:9001; queue 10; }",
            #"t.conf:2:38: "queue" expects 3 arguments, got 1"#
        ),
        (listen + "backend { server 127.0.0.1:9001; }", #"t.conf:2:1: "backend" expects 1 argument, got 0"#),
        (
            "listen 127.0.0.1:8080\nbackend app { server 127.0.0.1:9001; }",
            #"t.conf:2:1: "listen" expects 1 argument, got 3 (missing ";" on line 1?)"#
        ),
        (base + "workers 2 { }", #"t.conf:3:11: "workers" does not take a block"#),
        (base + "cache;", #"t.conf:3:1: "cache" expects a block { … }"#),
    ])
    func wrongArityOrShape(text: String, expected: String) {
        #expect(parseError(text) == expected)
    }

    @Test(arguments: [
        (base + "cache { memory 12x; }", #"t.conf:3:16: "memory" expects a size like 512, 64k, 16m or 1g, got "12x""#),
        (
            base + "cache { memory 99999999999999999999; }",
            #"t.conf:3:16: "memory" must be between 0 and 1024g, got 99999999999999999999"#
        ),
        (
            base + "cache { memory 9999999999g; }",
            #"t.conf:3:16: "memory" must be between 0 and 1024g, got 9999999999g"#
        ),
        (base + "limits { request_line 2m; }", #"t.conf:3:23: "request_line" must be between 64 and 1m, got 2m"#),
        (
            base + "timeouts { send 10; }",
            #"t.conf:3:17: "send" needs a unit: "10" must be written 10ms, 10s, 10m or 10h"#
        ),
        (
            base + "timeouts { send ten; }",
            #"t.conf:3:17: "send" expects a duration like 250ms, 10s, 5m or 1h, got "ten""#
        ),
        (base + "timeouts { client_header 0; }", #"t.conf:3:26: "client_header" must be between 1ms and 1h, got 0"#),
        (
            base + "timeouts { send 9999999999999999h; }",
            #"t.conf:3:17: "send" must be between 1ms and 1h, got 9999999999999999h"#
        ),
        (
            listen + "backend app { server 127.0.0.1:9001; keepalive many; }",
            #"t.conf:2:48: "keepalive" expects a whole number, got "many""#
        ),
        (
            listen + "backend app { server 127.0.0.1:9001; retries -1; }",
            #"t.conf:2:46: "retries" expects a whole number, got "-1""#
        ),
        ("workers 0;\n" + base, #"t.conf:1:9: "workers" must be between 1 and 256, got 0"#),
        ("workers 257;\n" + base, #"t.conf:1:9: "workers" must be between 1 and 256, got 257"#),
        ("workers many;\n" + base, #"t.conf:1:9: "workers" expects auto or a number, got "many""#),
        (
            base + "cache { eviction lfu; }",
            #"t.conf:3:18: "eviction" expects lru or s3fifo, got "lfu" (did you mean "lru"?)"#
        ),
        (
            listen + "backend app { server 127.0.0.1:9001; balance round_robin; }",
            #"t.conf:2:46: "balance" expects weighted, least_conn or hash, got "round_robin""#
        ),
        (base + "shutdown_timeout 2h;", #"t.conf:3:18: "shutdown_timeout" must be between 0s and 1h, got 2h"#),
    ])
    func badValues(text: String, expected: String) {
        #expect(parseError(text) == expected)
    }

    @Test(arguments: [
        (
            "listen 8080;\nbackend app { server 127.0.0.1:9001; }",
            #"t.conf:1:8: "listen" expects HOST:PORT, as in 127.0.0.1:8080 or [::1]:8080, got "8080""#
        ),
        (
            "listen 127.0.0.1:99999;\nbackend app { server 127.0.0.1:9001; }",
            #"t.conf:1:18: "listen" port must be between 0 and 65535, got "99999""#
        ),
        (
            "listen ::1:8080;\nbackend app { server 127.0.0.1:9001; }",
            #"t.conf:1:8: "listen" needs brackets around an IPv6 address, as in [::1]:8080, got "::1:8080""#
        ),
        (
            "listen exa$mple:80;\nbackend app { server 127.0.0.1:9001; }",
            #"t.conf:1:8: "listen" has an invalid host in "exa$mple:80""#
        ),
        (
            listen + "backend app { server 127.0.0.1:0; }",
            #"t.conf:2:32: "server" port must be between 1 and 65535, got "0""#
        ),
        (
            listen + "backend app { server [::1]:0; }",
            #"t.conf:2:28: "server" port must be between 1 and 65535, got "0""#
        ),
        (
            base + "admin { listen localhost; }",
            #"t.conf:3:16: "listen" expects HOST:PORT, as in 127.0.0.1:8080 or [::1]:8080, got "localhost""#
        ),
        (
            "listen 127.0.0.1:8080;\nlisten 127.0.0.1:8080;\nbackend app { server 127.0.0.1:9001; }",
            #"t.conf:2:8: duplicate "listen" 127.0.0.1:8080"#
        ),
    ])
    func badAddresses(text: String, expected: String) {
        #expect(parseError(text) == expected)
    }

    @Test(arguments: [
        ("weight=0", #"t.conf:2:44: "weight" must be between 1 and 1000, got 0"#),
        ("weight=1001", #"t.conf:2:44: "weight" must be between 1 and 1000, got 1001"#),
        ("max_conns=0", #"t.conf:2:47: "max_conns" must be between 1 and 1000000, got 0"#),
        ("wieght=2", #"t.conf:2:37: "server" has no option "wieght" (did you mean "weight"?)"#),
        ("fast", #"t.conf:2:37: "server" has no option "fast" (expected weight=, max_conns= or backup)"#),
        ("weight=1 weight=2", #"t.conf:2:46: "server" option "weight" is given twice"#),
        ("backup=yes", #"t.conf:2:37: "server" option "backup" takes no value"#),
        ("weight=", #"t.conf:2:37: "server" option "weight" needs a value: weight=…"#),
        ("\"weight=x\"", #"t.conf:2:37: "weight" expects a whole number, got "x""#),
    ])
    func badServerOptions(options: String, expected: String) {
        #expect(parseError(Self.listen + "backend app { server 127.0.0.1:9001 \(options); }") == expected)
    }

    @Test(arguments: [
        (base + "route backend=ap;", #"t.conf:3:15: unknown backend "ap" (did you mean "app"?)"#),
        (base + "route backend=static;", #"t.conf:3:15: unknown backend "static""#),
        (base + "route path=/x/;", #"t.conf:3:1: "route" needs backend=NAME"#),
        (base + "route path=x backend=app;", #"t.conf:3:12: "path" expects a path starting with "/", got "x""#),
        (
            base + "route host=a.*.com backend=app;",
            #"t.conf:3:12: "host" expects a host name or *.domain, got "a.*.com""#
        ),
        (base + "route host=*. backend=app;", #"t.conf:3:12: "host" expects a host name or *.domain, got "*.""#),
        (base + "route app;", #"t.conf:3:7: "route" has no option "app" (expected host=, path= or backend=)"#),
        (base + "route backend=app backend=app;", #"t.conf:3:19: "route" option "backend" is given twice"#),
    ])
    func badRoutes(text: String, expected: String) {
        #expect(parseError(text) == expected)
    }

    @Test(arguments: [
        ("workers 1;\nworkers 2;\n" + base, #"t.conf:2:1: duplicate "workers" (first given on line 1)"#),
        (base + "cache { }\ncache { }", #"t.conf:4:1: duplicate "cache" (first given on line 3)"#),
        (base + "admin { }\nadmin { }", #"t.conf:4:1: duplicate "admin" (first given on line 3)"#),
        (
            base + "admin { listen 127.0.0.1:8080; }",
            #"t.conf:3:16: admin "listen" 127.0.0.1:8080 overlaps the proxy's "listen" 127.0.0.1:8080 on line 1; give the admin a port of its own"#
        ),
        (
            listen + "backend app { server 127.0.0.1:9001; keepalive 1; keepalive 2; }",
            #"t.conf:2:51: duplicate "keepalive" (first given on line 2)"#
        ),
        (
            listen + "backend app { server 127.0.0.1:9001; server 127.0.0.1:9001; }",
            #"t.conf:2:45: duplicate server 127.0.0.1:9001 in backend "app""#
        ),
        (
            base + "backend app { server 127.0.0.1:9002; }",
            #"t.conf:3:9: duplicate backend "app" (first defined on line 2)"#
        ),
    ])
    func duplicates(text: String, expected: String) {
        #expect(parseError(text) == expected)
    }

    @Test(arguments: [
        ("", #"t.conf:1:1: no "listen" directive (at least one is required)"#),
        (
            "\n\nbackend app { server 127.0.0.1:9001; }",
            #"t.conf:1:1: no "listen" directive (at least one is required)"#
        ),
        (listen, #"t.conf:1:1: no "backend" block (at least one is required)"#),
        (
            listen + "backend app {\n  keepalive 4;\n}",
            #"t.conf:2:1: backend "app" has no "server" (at least one is required)"#
        ),
        (listen + "backend app { }", #"t.conf:2:1: backend "app" has no "server" (at least one is required)"#),
    ])
    func missingRequiredDirectives(text: String, expected: String) {
        #expect(parseError(text) == expected)
    }

    @Test(arguments: [
        (
            listen + "backend a/b { server 127.0.0.1:9001; }",
            #"t.conf:2:9: backend name must be letters, digits, "-", "_" or ".", got "a/b""#
        ),
        (base + "access_log off json;", #"t.conf:3:16: "access_log off" takes no format"#),
        (base + "access_log stdout xml;", #"t.conf:3:19: "access_log" expects combined or json, got "xml""#),
        (base + #"access_log "";"#, #"t.conf:3:12: "access_log" must not be empty"#),
        (
            listen + "backend app { server 127.0.0.1:9001; queue 10 after 5s; }",
            #"t.conf:2:47: "queue" expects "timeout" after the size, as in queue 100 timeout 5s, got "after""#
        ),
        (
            listen + "backend app { server 127.0.0.1:9001; queue 0 timeout 5s; }",
            #"t.conf:2:44: "queue" must be between 1 and 100000, got 0"#
        ),
        (
            listen + "backend app { server 127.0.0.1:9001; queue 10 timeout 5; }",
            #"t.conf:2:55: "queue timeout" needs a unit: "5" must be written 5ms, 5s, 5m or 5h"#
        ),
        (
            listen + "backend app { server 127.0.0.1:9001; health { path healthz; } }",
            #"t.conf:2:52: "path" expects a path starting with "/", got "healthz""#
        ),
        (
            listen + "backend app { server 127.0.0.1:9001; health { expect 2xx; } }",
            #"t.conf:2:54: "expect" expects a status code or a range like 200-399, got "2xx""#
        ),
        (
            listen + "backend app { server 127.0.0.1:9001; health { expect 600; } }",
            #"t.conf:2:54: "expect" expects a status code or a range like 200-399, got "600""#
        ),
        (
            listen + "backend app { server 127.0.0.1:9001; health { expect 200-; } }",
            #"t.conf:2:54: "expect" expects a status code or a range like 200-399, got "200-""#
        ),
        (
            listen + "backend app { server 127.0.0.1:9001; health { expect 399-200; } }",
            #"t.conf:2:54: "expect" range 399-200 is empty (write the lower code first)"#
        ),
        (
            listen + "backend app { server 127.0.0.1:9001; health x { } }",
            #"t.conf:2:45: "health" expects no arguments, got 1"#
        ),
        (
            listen + "backend app { server 127.0.0.1:9001; circuit_breaker { open 1m; open_max 30s; } }",
            #"t.conf:2:65: "open_max" (30s) is shorter than "open" (1m)"#
        ),
        (
            listen + "backend app { server 127.0.0.1:9001; circuit_breaker { open 10m; } }",
            #"t.conf:2:56: "open_max" (5m) is shorter than "open" (10m)"#
        ),
        (base + #"admin { token ""; }"#, #"t.conf:3:15: "token" must not be empty"#),
    ])
    func otherBadValues(text: String, expected: String) {
        #expect(parseError(text) == expected)
    }

    @Test func lexicalAndSyntaxErrorsComeThroughParse() {
        #expect(
            parseError(Self.base + "admin { token \"abc; }")
                == "t.conf:3:15: unterminated string (missing closing quote)")
        #expect(
            parseError(Self.listen + "backend app {\n  server 127.0.0.1:9001;\n")
                == #"t.conf:2:1: block "backend" is not closed (missing "}")"#)
    }

    @Test func theFirstErrorInFileOrderWins() {
        #expect(parseError("workers 0;\nlistn x;\n") == #"t.conf:1:9: "workers" must be between 1 and 256, got 0"#)
    }
}
