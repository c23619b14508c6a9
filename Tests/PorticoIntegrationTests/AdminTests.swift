import Foundation
import Testing

/// The admin listener (README, "Operations"): stats and metrics from one snapshot, purge, reload,
/// and a token that guards all of it; never served on the proxy's own listener.
@Suite("Admin", .timeLimit(.minutes(1)))
struct AdminTests {
    /// An origin whose responses are cacheable for a minute and name the response's number.
    static func cachingOrigin() throws -> ScriptedOrigin {
        let count = Collected<Int>()
        return try ScriptedOrigin { request, connection in
            count.add(0)
            try connection.respond(
                headers: [("Cache-Control", "max-age=60"), ("Vary", "Accept")],
                body: "\(request.target) #\(count.count)")
        }
    }

    static func config(origin: UInt16, admin: String = "admin { listen 127.0.0.1:0; }") -> String {
        """
        workers 2;
        \(admin)
        backend app {
            server 127.0.0.1:\(origin);
            health { path /healthz; interval 1s; timeout 1s; }
            circuit_breaker { failures 5; open 10s; }
        }
        route backend=app;
        """
    }

    static func admin(_ proxy: PorticoProcess, _ method: String, _ target: String, token: String? = nil) throws
        -> RawResponse
    {
        let port = try #require(proxy.adminPort)
        let auth = token.map { "Authorization: Bearer \($0)\r\n" } ?? ""
        let body = method == "POST" ? "Content-Length: 0\r\n" : ""
        return try RawClient.request(
            port: port, "\(method) \(target) HTTP/1.1\r\nHost: admin\r\n\(auth)\(body)Connection: close\r\n\r\n")
    }

    static func get(_ proxy: PorticoProcess, _ target: String, host: String = "test.example", accept: String = "a")
        throws -> RawResponse
    {
        try RawClient.request(port: proxy.port, Wire.get(target, host: host, extra: "Accept: \(accept)\r\n"))
    }

    @Test func statsCountRequestsCacheAndServers() throws {
        let origin = try Self.cachingOrigin()
        defer { origin.stop() }
        let proxy = try PorticoProcess(config: Self.config(origin: origin.port))
        defer { proxy.stop() }

        for _ in 0..<3 { #expect(try Self.get(proxy, "/page").status == 200) }
        #expect(try Self.get(proxy, "/missing-route", host: "other.example").status == 200)
        let response = try Self.admin(proxy, "GET", "/stats")
        #expect(response.status == 200)
        #expect(response.header("Content-Type") == "application/json")
        let stats = try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
        let requests = try #require(stats["requests"] as? [String: Int])
        #expect(requests["total"] == 4)
        #expect(requests["2xx"] == 4)
        let cache = try #require(stats["cache"] as? [String: Any])
        #expect(cache["hits"] as? Int == 2)
        #expect(cache["misses"] as? Int == 2)
        #expect(cache["entries"] as? Int == 2)
        #expect((cache["hit_ratio"] as? Double).map { abs($0 - 0.5) < 1e-9 } == true)
        let backends = try #require(stats["backends"] as? [[String: Any]])
        let server = try #require((backends.first?["servers"] as? [[String: Any]])?.first)
        #expect(server["address"] as? String == "127.0.0.1:\(origin.port)")
        #expect(server["health"] as? String == "up")
        #expect(server["breaker"] as? String == "closed")
        #expect(server["requests"] as? Int == 2)
        #expect(((server["latency"] as? [String: Any])?["count"] as? Int) == 2)
        #expect((stats["connections"] as? [String: Int])?["accepted"] == 4)
    }

    @Test func metricsPassPromtoolAndAgreeWithStats() throws {
        let origin = try Self.cachingOrigin()
        defer { origin.stop() }
        let proxy = try PorticoProcess(config: Self.config(origin: origin.port))
        defer { proxy.stop() }
        for _ in 0..<2 { _ = try Self.get(proxy, "/page") }

        let response = try Self.admin(proxy, "GET", "/metrics")
        #expect(response.status == 200)
        #expect(response.header("Content-Type")?.hasPrefix("text/plain; version=0.0.4") == true)
        let text = response.bodyText
        #expect(text.contains("portico_responses_total{class=\"2xx\"} 2\n"))
        #expect(text.contains("portico_cache_hits_total 1\n"))
        #expect(
            text.contains(
                "portico_backend_server_breaker{backend=\"app\",server=\"127.0.0.1:\(origin.port)\",state=\"closed\"} 1\n"
            ))
        #expect(text.contains("portico_backend_server_latency_seconds_count{backend=\"app\""))

        let promtool = "/usr/bin/promtool"
        try #require(FileManager.default.isExecutableFile(atPath: promtool), "promtool missing: run make deps")
        let check = Process()
        check.executableURL = URL(fileURLWithPath: promtool)
        check.arguments = ["check", "metrics"]
        let input = Pipe()
        let output = Pipe()
        check.standardInput = input
        check.standardOutput = output
        check.standardError = output
        try check.run()
        input.fileHandleForWriting.write(Data(text.utf8))
        try input.fileHandleForWriting.close()
        check.waitUntilExit()
        let report = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(check.terminationStatus == 0, "promtool check metrics: \(report)")
        #expect(report.isEmpty, "promtool had remarks: \(report)")
    }

    @Test func tokenGuardsEveryEndpoint() throws {
        let origin = try Self.cachingOrigin()
        defer { origin.stop() }
        let proxy = try PorticoProcess(
            config: Self.config(origin: origin.port, admin: "admin { listen 127.0.0.1:0; token \"s3cret-token\"; }"))
        defer { proxy.stop() }

        for (method, target) in [("GET", "/stats"), ("GET", "/metrics"), ("GET", "/"), ("POST", "/purge?url=/a")] {
            let missing = try Self.admin(proxy, method, target)
            #expect(missing.status == 401, "\(method) \(target)")
            #expect(missing.header("WWW-Authenticate")?.hasPrefix("Bearer") == true)
            #expect(try Self.admin(proxy, method, target, token: "s3cret-tokem").status == 401)
            #expect(try Self.admin(proxy, method, target, token: "s3cret-token-and-more").status == 401)
            #expect(try Self.admin(proxy, method, target, token: "s3cret-token").status == 200, "\(method) \(target)")
        }
    }

    @Test func adminIsNotServedOnTheProxyListener() throws {
        let origin = try ScriptedOrigin { request, connection in
            try connection.respond(body: "origin \(request.target)")
        }
        defer { origin.stop() }
        let proxy = try PorticoProcess(config: Self.config(origin: origin.port))
        defer { proxy.stop() }
        let response = try RawClient.request(port: proxy.port, Wire.get("/stats"))
        #expect(response.bodyText == "origin /stats")
    }

    /// `url=` purges every variant; a path purges it on every host, an absolute URL on its host
    /// only; `prefix=` everything under a path. The answer says how many entries went.
    @Test func purgeRemovesWhatItNamesAndSaysHowMany() throws {
        let origin = try Self.cachingOrigin()
        defer { origin.stop() }
        let proxy = try PorticoProcess(config: Self.config(origin: origin.port))
        defer { proxy.stop() }
        func fill(_ target: String, host: String = "a.example", accept: String = "a") throws -> String {
            try Self.get(proxy, target, host: host, accept: accept).bodyText
        }
        func isHit(_ target: String, host: String = "a.example", accept: String = "a") throws -> Bool {
            try Self.get(proxy, target, host: host, accept: accept).header("Cache-Status")?.contains("hit") == true
        }
        _ = try fill("/logo", accept: "a")
        _ = try fill("/logo", accept: "b")
        _ = try fill("/logo", host: "b.example")
        _ = try fill("/static/1")
        _ = try fill("/static/2")
        _ = try fill("/other")
        #expect(try isHit("/logo") && isHit("/logo", accept: "b") && isHit("/logo", host: "b.example"))

        let one = try Self.admin(proxy, "POST", "/purge?url=http://A.example:80/logo")
        #expect(one.status == 200)
        #expect(one.bodyText == "{\"purged\":2}\n", "both variants on a.example")
        #expect(try !isHit("/logo"))
        #expect(try isHit("/logo", host: "b.example"))

        let everywhere = try Self.admin(proxy, "POST", "/purge?url=%2Flogo")
        #expect(everywhere.bodyText == "{\"purged\":2}\n", "the refetched a.example entry and b.example's")
        #expect(try !isHit("/logo", host: "b.example"))

        let prefix = try Self.admin(proxy, "POST", "/purge?prefix=/static/")
        #expect(prefix.bodyText == "{\"purged\":2}\n")
        #expect(try !isHit("/static/1"))
        #expect(try isHit("/other"))

        let bad = try Self.admin(proxy, "POST", "/purge?path=/x")
        #expect(bad.status == 400)
        #expect(bad.bodyText.contains("url="))
        #expect(try Self.admin(proxy, "GET", "/purge?url=/x").status == 405)
    }

    @Test func reloadThroughTheAdminAnswersWhetherItWorked() throws {
        let first = try ScriptedOrigin { _, connection in try connection.respond(body: "first") }
        defer { first.stop() }
        let second = try ScriptedOrigin { _, connection in try connection.respond(body: "second") }
        defer { second.stop() }
        let proxy = try PorticoProcess(config: "cache { memory 0; }\n" + Self.config(origin: first.port))
        defer { proxy.stop() }
        #expect(try Self.get(proxy, "/").bodyText == "first")
        let adminPort = try #require(proxy.adminPort)

        // The admin block keeps its port, so the listener the test talks to stays the same.
        let keepAdmin = "admin { listen 127.0.0.1:\(adminPort); }"
        let broken = "cache { memory 0; }\n" + Self.config(origin: second.port, admin: keepAdmin) + "\nbakend x {}\n"
        try ("listen 127.0.0.1:0;\n" + broken).write(to: proxy.configURL, atomically: true, encoding: .utf8)
        let refused = try Self.admin(proxy, "POST", "/reload")
        #expect(refused.status == 400)
        #expect(refused.bodyText.contains("\(proxy.configURL.path):11:1:"), "\(refused.bodyText)")
        #expect(try Self.get(proxy, "/").bodyText == "first")

        let valid = "cache { memory 0; }\n" + Self.config(origin: second.port, admin: keepAdmin)
        try ("listen 127.0.0.1:0;\n" + valid).write(to: proxy.configURL, atomically: true, encoding: .utf8)
        let accepted = try Self.admin(proxy, "POST", "/reload")
        #expect(accepted.status == 200, "\(accepted.bodyText)")
        #expect(try Self.get(proxy, "/").bodyText == "second")

        // A setting that only a restart changes is named in the answer, not only in the log.
        let resized = "cache { memory 1m; }\n" + Self.config(origin: second.port, admin: keepAdmin)
        try ("listen 127.0.0.1:0;\n" + resized).write(to: proxy.configURL, atomically: true, encoding: .utf8)
        let noted = try Self.admin(proxy, "POST", "/reload")
        #expect(noted.status == 200, "\(noted.bodyText)")
        #expect(
            noted.bodyText.contains("cache memory changed; it needs a restart, the running value stays"),
            "\(noted.bodyText)")
    }

    /// Bytes that are not HTTP (a TLS handshake sent to the plain port) get a 400 the client can
    /// read, not a reset, and so do requests followed by more input than the admin reads.
    @Test func garbageGetsAReadable400() throws {
        let origin = try Self.cachingOrigin()
        defer { origin.stop() }
        let proxy = try PorticoProcess(config: Self.config(origin: origin.port))
        defer { proxy.stop() }
        let port = try #require(proxy.adminPort)
        let clientHello: [UInt8] =
            [0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xFC, 0x03, 0x03] + Array(repeating: 0x5A, count: 500)
        let tls = try RawClient(port: port)
        try tls.send(clientHello)
        #expect(try tls.readResponse().status == 400)

        let pipelined = try RawClient(port: port)
        try pipelined.send(
            "GET /stats HTTP/1.1\r\nHost: admin\r\n\r\n"
                + String(repeating: "GET /stats HTTP/1.1\r\nHost: a\r\n\r\n", count: 200))
        let stats = try pipelined.readResponse()
        #expect(stats.status == 200)
        #expect(stats.bodyText.contains("\"cache\""), "\(stats.bodyText)")
    }

    /// At most 1,024 admin connections at once: the next waits in the kernel's backlog until one
    /// closes, and is then answered.
    @Test func adminConnectionsAreCapped() throws {
        let origin = try Self.cachingOrigin()
        defer { origin.stop() }
        let proxy = try PorticoProcess(config: Self.config(origin: origin.port))
        defer { proxy.stop() }
        let port = try #require(proxy.adminPort)
        var idle = try (0..<1024).map { _ in try RawClient(port: port) }  // README, "Admin API"
        Thread.sleep(forTimeInterval: 0.2)
        let waiting = try RawClient(port: port)
        try waiting.send("GET /stats HTTP/1.1\r\nHost: admin\r\n\r\n")
        #expect(throws: (any Error).self, "answered beyond the cap") { try waiting.readResponse(timeout: 0.5) }
        idle.removeLast().close()
        #expect(try waiting.readResponse().status == 200)
        idle.removeAll()
    }

    @Test func unknownEndpointsAndMethodsSayWhatExists() throws {
        let origin = try Self.cachingOrigin()
        defer { origin.stop() }
        let proxy = try PorticoProcess(config: Self.config(origin: origin.port))
        defer { proxy.stop() }
        let missing = try Self.admin(proxy, "GET", "/nope")
        #expect(missing.status == 404)
        #expect(missing.bodyText.contains("/metrics"))
        let wrongMethod = try Self.admin(proxy, "POST", "/stats")
        #expect(wrongMethod.status == 405)
        #expect(wrongMethod.header("Allow") == "GET, HEAD")
        let page = try Self.admin(proxy, "GET", "/")
        #expect(page.status == 200)
        #expect(page.header("Content-Type") == "text/html; charset=utf-8")
        let outside = page.bodyText.range(
            of: #"(src|href)\s*=\s*["']?(https?:)?//|url\(\s*["']?(https?:)?//|@import|fetch\(\s*["'](https?:)?//"#,
            options: .regularExpression)
        #expect(outside == nil, "the page must not load outside resources")
    }
}
