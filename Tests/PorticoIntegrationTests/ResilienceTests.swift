import Foundation
import Testing

/// Backends that fail: health checks and circuit breakers take a failing server out, the pool
/// routes around it without a client noticing, and a pool with nothing left answers 503 at once
/// (README, "Backend resilience").
@Suite("Resilience", .timeLimit(.minutes(1)))
struct ResilienceTests {
    static func origin(named name: String, port: UInt16 = 0) throws -> ScriptedOrigin {
        try ScriptedOrigin(port: port) { _, connection in try connection.respond(body: name) }
    }

    /// Polls `proxy`'s log until it contains `text`.
    static func waitForLog(_ proxy: PorticoProcess, _ text: String, timeout: Double = 5) -> Bool {
        let deadline = Deadline.after(timeout)
        while !deadline.hasPassed {
            if proxy.stderr.contains(text) { return true }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return false
    }

    static func get(_ port: UInt16, _ target: String) throws -> RawResponse {
        let client = try RawClient(port: port)
        try client.send(Wire.get(target, extra: "Connection: close\r\n"))
        return try client.readResponse()
    }

    @Test func weightsThreeOneOneGiveThreeOneOne() throws {
        let origins = try ["a", "b", "c"].map { try Self.origin(named: $0) }
        defer { for origin in origins { origin.stop() } }
        var config = ProxyConfig(servers: [(origins[0].port, 3), (origins[1].port, 1), (origins[2].port, 1)])
        config.workers = 1
        let proxy = try PorticoProcess(config)
        defer { proxy.stop() }

        let client = try RawClient(port: proxy.port)
        for index in 0..<500 {
            try client.send(Wire.get("/\(index)"))
            try #require(try client.readResponse().status == 200)
        }
        #expect(origins.map(\.requestCount) == [300, 100, 100])
    }

    /// Steady GET traffic while one of two origins dies and comes back: not one request fails;
    /// the dead server is marked down by its health checks and its breaker opens; once it
    /// answers again, `rise` passes bring it back and it gets traffic again.
    @Test func killingAnOriginDuringSteadyTrafficFailsNoRequest() throws {
        let steady = try Self.origin(named: "steady")
        defer { steady.stop() }
        var flaky = try Self.origin(named: "flaky")
        let flakyPort = flaky.port
        var config = ProxyConfig(servers: [(steady.port, 1), (flakyPort, 1)])
        config.workers = 2
        config.backendOptions = """
            keepalive 16; connect_timeout 1s; response_timeout 2s; retries 1;
                health { path /healthz; interval 100ms; timeout 200ms; rise 2; fall 2; }
                circuit_breaker { failures 2; open 1s; }
            """
        let proxy = try PorticoProcess(config)
        defer { proxy.stop() }

        let failures = Collected<String>()
        let served = Collected<String>()
        let stopTraffic = Barrier(name: "traffic stops")
        let clients = (0..<4).map { _ in
            TestThread.start {
                while !stopTraffic.isOpen {
                    do {
                        let response = try Self.get(proxy.port, "/item")
                        if response.status == 200 {
                            served.add(response.bodyText)
                        } else {
                            failures.add("status \(response.status)")
                        }
                    } catch {
                        failures.add("\(error)")
                    }
                }
            }
        }
        Thread.sleep(forTimeInterval: 0.5)
        flaky.stop()
        #expect(Self.waitForLog(proxy, "server 127.0.0.1:\(flakyPort): health up -> down"), "\(proxy.stderr)")
        Thread.sleep(forTimeInterval: 0.5)
        let before = served.count
        flaky = try Self.origin(named: "flaky", port: flakyPort)
        defer { flaky.stop() }
        #expect(Self.waitForLog(proxy, "server 127.0.0.1:\(flakyPort): health down -> up"), "\(proxy.stderr)")
        #expect(flaky.waitForRequests(5), "traffic did not return to the restarted server")
        stopTraffic.arrive()
        for client in clients { try client.join() }

        #expect(failures.items.isEmpty, "\(failures.items.prefix(5))")
        #expect(served.count > before && before > 50, "served \(before) then \(served.count)")
    }

    /// A health check answered with an interim response before its 200, in one write, passes:
    /// the probe looked at the 103 again and again and marked a healthy server down.
    @Test func healthCheckSkipsInterimResponses() throws {
        let origin = try ScriptedOrigin { request, connection in
            if request.target == "/healthz" {
                try connection.sendRaw(
                    "HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n"
                        + "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
            } else {
                try connection.respond(body: "up")
            }
        }
        defer { origin.stop() }
        var config = ProxyConfig(origin: origin.port)
        config.workers = 1
        config.backendOptions = """
            retries 0;
                health { path /healthz; interval 100ms; timeout 200ms; fall 1; initial down; rise 1; }
            """
        let proxy = try PorticoProcess(config)
        defer { proxy.stop() }
        Thread.sleep(forTimeInterval: 0.6)
        let response = try Self.get(proxy.port, "/")
        #expect(response.status == 200, "the server was marked down: \(response)")
        #expect(response.bodyText == "up")
    }

    @Test func allOriginsDownGive503WithRetryAfterWithinASecond() throws {
        let dead = try [TestSocket.unusedPort(), TestSocket.unusedPort()]
        var config = ProxyConfig(servers: [(dead[0], 1), (dead[1], 1)])
        config.workers = 1
        config.backendOptions = """
            connect_timeout 1s; retries 1;
                health { path /healthz; interval 100ms; timeout 100ms; fall 1; }
            """
        let proxy = try PorticoProcess(config)
        defer { proxy.stop() }

        let started = Date()
        var response = try Self.get(proxy.port, "/")
        while response.status != 503 && Date().timeIntervalSince(started) < 2 {
            Thread.sleep(forTimeInterval: 0.05)
            response = try Self.get(proxy.port, "/")
        }
        #expect(response.status == 503)
        #expect(Date().timeIntervalSince(started) < 1, "503 only after \(Date().timeIntervalSince(started)) s")
        let asked = Date()
        response = try Self.get(proxy.port, "/")
        #expect(response.status == 503)
        #expect(Date().timeIntervalSince(asked) < 0.25, "the 503 itself must come at once")
        #expect(Int(response.header("Retry-After") ?? "") ?? 0 >= 1, "\(response)")
    }

    /// A server that accepts and never answers costs `response_timeout` per request (504) until
    /// its breaker opens; then the pool answers 503 at once.
    @Test func hangingOriginGives504AndItsBreakerOpens() throws {
        let hanging = try ScriptedOrigin { connection in
            while try connection.readRequest() != nil { Thread.sleep(forTimeInterval: 5) }
        }
        defer { hanging.stop() }
        var config = ProxyConfig(origin: hanging.port)
        config.workers = 1
        config.backendOptions = """
            connect_timeout 1s; response_timeout 300ms; retries 0;
                circuit_breaker { failures 2; open 10s; }
            """
        let proxy = try PorticoProcess(config)
        defer { proxy.stop() }

        for _ in 0..<2 {
            let asked = Date()
            let response = try Self.get(proxy.port, "/slow")
            #expect(response.status == 504)
            #expect(Date().timeIntervalSince(asked) >= 0.25)
        }
        #expect(Self.waitForLog(proxy, "breaker closed -> open"), "\(proxy.stderr)")
        let asked = Date()
        let response = try Self.get(proxy.port, "/slow")
        #expect(response.status == 503)
        #expect(Date().timeIntervalSince(asked) < 0.25)
        #expect(Int(response.header("Retry-After") ?? "") ?? 0 >= 9, "\(response)")
    }

    @Test func hashSendsEachURLToOneServer() throws {
        let origins = try ["a", "b", "c"].map { try Self.origin(named: $0) }
        defer { for origin in origins { origin.stop() } }
        var config = ProxyConfig(servers: origins.map { ($0.port, 1) })
        config.workers = 2
        config.backendOptions = "balance hash; keepalive 16; connect_timeout 1s; response_timeout 2s;"
        config.extra = "cache { memory 0; }"
        let proxy = try PorticoProcess(config)
        defer { proxy.stop() }

        var owner: [String: String] = [:]
        for round in 0..<3 {
            for index in 0..<30 {
                let response = try Self.get(proxy.port, "/page/\(index)")
                try #require(response.status == 200)
                if round == 0 { owner["\(index)"] = response.bodyText }
                #expect(owner["\(index)"] == response.bodyText, "/page/\(index) moved")
            }
        }
        #expect(Set(owner.values).count == 3, "30 URLs should reach all three servers: \(owner)")
    }

    /// `max_conns 1` with `queue 1`: of three concurrent requests, one is served, one waits for
    /// the slot and is served after it, and one finds the queue full and gets 503.
    /// An upload queued for the only slot, with its whole body sent (and then the client's side
    /// shut), goes to the backend when the slot frees, and the request queued behind it next:
    /// the upload lost its queue timer once its buffered body stopped the reading, and hung.
    @Test(arguments: [false, true])
    func queuedUploadGoesOnWhenTheSlotFrees(halfClose: Bool) throws {
        let origin = try ScriptedOrigin { request, connection in
            if request.target == "/slow" { Thread.sleep(forTimeInterval: 0.8) }
            try connection.respond(body: "\(request.target) \(request.body.count)")
        }
        defer { origin.stop() }
        let proxy = try PorticoProcess(
            config: """
                workers 1;
                timeouts { client_header 2s; client_idle 10s; send 5s; }
                cache { memory 0; }
                backend app { server 127.0.0.1:\(origin.port) max_conns=1; queue 10 timeout 4s; response_timeout 3s; }
                """)
        defer { proxy.stop() }

        let holder = try RawClient(port: proxy.port)
        try holder.send(Wire.get("/slow"))
        Thread.sleep(forTimeInterval: 0.2)
        let upload = try RawClient(port: proxy.port)
        let size = 300_000
        try upload.send(
            "POST /up HTTP/1.1\r\nHost: test.example\r\nContent-Length: \(size)\r\n\r\n"
                + String(repeating: "u", count: size))
        if halfClose { upload.shutdownWrite() }
        Thread.sleep(forTimeInterval: 0.1)
        let began = Date()
        let after = try RawClient(port: proxy.port)
        try after.send(Wire.get("/after"))

        #expect(try holder.readResponse().bodyText == "/slow 0")
        let uploaded = try upload.readResponse()
        #expect(uploaded.bodyText == "/up \(size)", "\(uploaded)")
        let next = try after.readResponse()
        #expect(next.bodyText == "/after 0", "\(next)")
        #expect(Date().timeIntervalSince(began) < 2.5, "the queue waited for its timeout")
    }

    /// A backend that answers an upload early and closes with the body unread (which resets the
    /// connection) has its answer relayed, not a 502: it was already in Portico's socket.
    @Test func earlyAnswerToAnUploadIsRelayed() throws {
        let origin = try ScriptedOrigin(connectionScript: { connection in
            guard try connection.readHeadOnly() != nil else { return }
            try connection.respond(status: 413, headers: [("Connection", "close")], body: "nope")
            connection.close()
        })
        defer { origin.stop() }
        var config = ProxyConfig(origin: origin.port)
        config.backendOptions = "keepalive 4; connect_timeout 1s; response_timeout 3s; retries 0;"
        let proxy = try PorticoProcess(config)
        defer { proxy.stop() }
        let size = 8 << 20
        let body = [UInt8](repeating: 0x61, count: size)
        for round in 1...5 {
            let client = try RawClient(port: proxy.port)
            try client.send("POST /up HTTP/1.1\r\nHost: test.example\r\nContent-Length: \(size)\r\n\r\n")
            try? client.send(body, timeout: 3)  // the proxy may stop reading once answered
            let response = try client.readResponse()
            #expect(response.status == 413, "round \(round): \(response)")
        }
    }

    @Test func fullServerQueuesOneRequestAndRefusesTheNext() throws {
        let slow = try ScriptedOrigin { _, connection in
            Thread.sleep(forTimeInterval: 1)
            try connection.respond(body: "slow")
        }
        defer { slow.stop() }
        let config = """
            workers 1;
            timeouts { client_header 1s; client_idle 2s; send 5s; }
            cache { memory 0; }
            backend app {
                server 127.0.0.1:\(slow.port) max_conns=1;
                queue 1 timeout 3s;
                keepalive 4; response_timeout 3s;
            }
            route backend=app;
            """
        let proxy = try PorticoProcess(config: config)
        defer { proxy.stop() }

        let statuses = Collected<String>()
        let threads = (0..<3).map { index in
            TestThread.start {
                Thread.sleep(forTimeInterval: Double(index) * 0.2)
                do { statuses.add("\(try Self.get(proxy.port, "/\(index)").status)") } catch {
                    statuses.add("\(error)")
                }
            }
        }
        for thread in threads { try thread.join() }
        #expect(statuses.items.sorted() == ["200", "200", "503"], "\(statuses.items)")
        #expect(slow.requestCount == 2)
    }
}
