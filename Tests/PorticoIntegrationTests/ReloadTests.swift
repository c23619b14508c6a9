import Foundation
import Testing

/// SIGHUP re-reads the configuration file: a valid file applies to requests that start afterwards,
/// on new and existing client connections alike; an invalid one is reported as `FILE:LINE:COL:
/// message` and the running configuration keeps serving (README, "Command line").
@Suite("Reload", .timeLimit(.minutes(1)))
struct ReloadTests {
    /// `workers 1`, so the pooled connection to the first origin sits on the worker that serves
    /// the requests after the reload.
    static func config(server port: UInt16) -> String {
        """
        workers 1;
        timeouts { client_header 1s; client_idle 10s; send 5s; }
        backend app {
            server 127.0.0.1:\(port);
            keepalive 16; connect_timeout 1s; response_timeout 2s; retries 1;
        }
        route backend=app;

        """
    }

    static func origin(named name: String) throws -> ScriptedOrigin {
        try ScriptedOrigin { request, connection in try connection.respond(body: "\(name) \(request.target)") }
    }

    /// A larger `max_object` applies to the responses fetched after the reload.
    @Test func reloadAppliesANewMaxObject() throws {
        let body = String(repeating: "x", count: 10_000)
        let origin = try ScriptedOrigin { _, connection in
            try connection.respond(headers: [("Cache-Control", "max-age=60")], body: body)
        }
        defer { origin.stop() }
        let small = "cache { memory 8m; max_object 1k; }\n" + Self.config(server: origin.port)
        let proxy = try PorticoProcess(config: small)
        defer { proxy.stop() }
        let refused = try RawClient.request(port: proxy.port, Wire.get("/big"))
        #expect(refused.header("Cache-Status")?.contains("detail=too-large") == true, "\(refused)")

        _ = try proxy.reload(config: small.replacingOccurrences(of: "max_object 1k", with: "max_object 1m"))
        let stored = try RawClient.request(port: proxy.port, Wire.get("/big"))
        #expect(stored.header("Cache-Status")?.contains("stored") == true, "\(stored)")
        let hit = try RawClient.request(port: proxy.port, Wire.get("/big"))
        #expect(hit.header("Cache-Status")?.hasPrefix("portico; hit") == true, "\(hit)")
        #expect(hit.bodyText == body)
        #expect(origin.headCount == 2)
    }

    @Test func reloadMovesRequestsToTheNewServer() throws {
        let first = try Self.origin(named: "first")
        defer { first.stop() }
        let second = try Self.origin(named: "second")
        defer { second.stop() }
        let proxy = try PorticoProcess(config: Self.config(server: first.port))
        defer { proxy.stop() }

        // A keep-alive client connection, and an idle pooled connection to the first origin.
        let existing = try RawClient(port: proxy.port)
        try existing.send(Wire.get("/before"))
        #expect(try existing.readResponse().bodyText == "first /before")
        #expect(first.connectionCount == 1)

        let line = try proxy.reload(config: Self.config(server: second.port))
        #expect(line.contains("portico: reloaded \(proxy.configURL.path)"), "\(line)")

        try existing.send(Wire.get("/existing-connection"))
        let onExisting = try existing.readResponse()
        #expect(onExisting.status == 200)
        #expect(onExisting.bodyText == "second /existing-connection", "a request after the reload went elsewhere")
        for index in 1...3 {
            let response = try RawClient.request(port: proxy.port, Wire.get("/new-connection/\(index)"))
            #expect(response.bodyText == "second /new-connection/\(index)")
        }
        #expect(first.requests.map(\.target) == ["/before"], "the pooled connection was reused for the new server")
        #expect(second.requestCount == 4)
    }

    @Test func invalidFileIsReportedAndTheOldConfigurationKeepsServing() throws {
        let first = try Self.origin(named: "first")
        defer { first.stop() }
        let second = try Self.origin(named: "second")
        defer { second.stop() }
        let proxy = try PorticoProcess(config: Self.config(server: first.port))
        defer { proxy.stop() }

        let existing = try RawClient(port: proxy.port)
        try existing.send(Wire.get("/before"))
        #expect(try existing.readResponse().bodyText == "first /before")

        // Valid up to line 8 (the file starts with the harness's `listen` line): a reload that
        // applied part of the file would send requests to the second origin.
        let broken = Self.config(server: second.port) + "listn 127.0.0.1:0;\n"
        let line = try proxy.reload(config: broken)
        #expect(line.contains("reload failed"), "\(line)")
        #expect(line.contains("\(proxy.configURL.path):9:1:"), "no FILE:LINE:COL in: \(line)")
        #expect(!proxy.stderr.contains("portico: reloaded"))

        try existing.send(Wire.get("/existing-connection"))
        #expect(try existing.readResponse().bodyText == "first /existing-connection")
        let fresh = try RawClient.request(port: proxy.port, Wire.get("/new-connection"))
        #expect(fresh.status == 200)
        #expect(fresh.bodyText == "first /new-connection")
        #expect(second.requestCount == 0)
        #expect(proxy.isRunning)
    }

    /// A reload applies whole or not at all: a `listen` it cannot bind fails it, and the routes
    /// and servers of the same file do not take effect either.
    @Test func reloadWhoseListenCannotBindChangesNothing() throws {
        let first = try Self.origin(named: "first")
        defer { first.stop() }
        let second = try Self.origin(named: "second")
        defer { second.stop() }
        let proxy = try PorticoProcess(config: Self.config(server: first.port))
        defer { proxy.stop() }
        let (holder, taken) = try TestSocket.listen(port: 0)
        defer { holder.close() }

        let line = try proxy.reload(config: "listen 127.0.0.1:\(taken);\n" + Self.config(server: second.port))
        #expect(line.contains("reload failed"), "\(line)")
        #expect(line.contains("Address already in use"), "\(line)")
        let response = try RawClient.request(port: proxy.port, Wire.get("/after"))
        #expect(response.bodyText == "first /after")
        #expect(second.requestCount == 0)
    }

    @Test func reloadOpensAddedListenersAndClosesRemovedOnes() throws {
        let origin = try Self.origin(named: "origin")
        defer { origin.stop() }
        let proxy = try PorticoProcess(config: Self.config(server: origin.port))
        defer { proxy.stop() }
        let extra = try TestSocket.unusedPort()
        #expect(throws: (any Error).self) { try RawClient(port: extra, connectTimeout: 0.5) }

        let added = try proxy.reload(config: "listen 127.0.0.1:\(extra);\n" + Self.config(server: origin.port))
        #expect(added.contains("reloaded"), "\(added)")
        #expect(proxy.stderr.contains("listening on 127.0.0.1:\(extra)"))
        let viaExtra = try RawClient(port: extra)
        try viaExtra.send(Wire.get("/extra"))
        #expect(try viaExtra.readResponse().bodyText == "origin /extra")
        #expect(try RawClient.request(port: proxy.port, Wire.get("/main")).bodyText == "origin /main")

        let removed = try proxy.reload(config: Self.config(server: origin.port))
        #expect(removed.contains("reloaded"), "\(removed)")
        // The connection accepted on the dropped address carries on; new ones are refused.
        try viaExtra.send(Wire.get("/still"))
        #expect(try viaExtra.readResponse().bodyText == "origin /still")
        let deadline = Deadline.after(2)
        var refused = false
        while !refused && !deadline.hasPassed {
            do { _ = try RawClient(port: extra, connectTimeout: 0.5) } catch { refused = true }
        }
        #expect(refused, "the dropped listener still accepts")
        #expect(try RawClient.request(port: proxy.port, Wire.get("/main")).bodyText == "origin /main")
    }

    /// Five reloads, alternating between two origins, while four clients keep sending requests:
    /// not one request fails, and both origins served.
    @Test func fiveReloadsUnderSteadyLoadFailNoRequest() throws {
        let first = try Self.origin(named: "first")
        defer { first.stop() }
        let second = try Self.origin(named: "second")
        defer { second.stop() }
        var config = Self.config(server: first.port)
        config = config.replacingOccurrences(of: "workers 1;", with: "workers 2;")
        let proxy = try PorticoProcess(config: config)
        defer { proxy.stop() }

        let failures = Collected<String>()
        let served = Collected<String>()
        let stop = Barrier(name: "load stops")
        let clients = (0..<4).map { index in
            TestThread.start {
                // Half the clients keep one connection open, half open one per request.
                var connection: RawClient?
                while !stop.isOpen {
                    do {
                        if index % 2 == 0 {
                            let client = try connection ?? RawClient(port: proxy.port)
                            connection = client
                            try client.send(Wire.get("/load"))
                            let response = try client.readResponse()
                            if response.status != 200 { failures.add("status \(response.status)") }
                        } else {
                            let response = try RawClient.request(port: proxy.port, Wire.get("/load"))
                            if response.status != 200 { failures.add("status \(response.status)") }
                        }
                        served.add("")
                    } catch {
                        failures.add("\(error)")
                        connection = nil
                    }
                }
            }
        }
        for round in 1...5 {
            Thread.sleep(forTimeInterval: 0.3)
            let server = round % 2 == 1 ? second.port : first.port
            let line = try proxy.reload(
                config: Self.config(server: server).replacingOccurrences(of: "workers 1;", with: "workers 2;"))
            #expect(line.contains("reloaded"), "\(line)")
        }
        Thread.sleep(forTimeInterval: 0.3)
        stop.arrive()
        for client in clients { try client.join() }
        #expect(failures.items.isEmpty, "\(failures.items.prefix(5))")
        #expect(served.count > 100)
        #expect(first.requestCount > 0 && second.requestCount > 0)
    }

    /// A server's breaker state survives a reload that keeps the server: a dead server whose
    /// breaker opened still gets no request after the reload (503 at once, not another 502).
    @Test func breakerStateCarriesOverAReload() throws {
        let dead = try TestSocket.unusedPort()
        let config = """
            workers 1;
            cache { memory 0; }
            backend app {
                server 127.0.0.1:\(dead);
                connect_timeout 1s; retries 0;
                circuit_breaker { failures 1; open 30s; }
            }
            route backend=app;

            """
        let proxy = try PorticoProcess(config: config)
        defer { proxy.stop() }
        #expect(try RawClient.request(port: proxy.port, Wire.get("/")).status == 502)
        #expect(try RawClient.request(port: proxy.port, Wire.get("/")).status == 503)

        let line = try proxy.reload(config: config + "# reloaded\n")
        #expect(line.contains("reloaded"), "\(line)")
        let after = try RawClient.request(port: proxy.port, Wire.get("/"))
        #expect(after.status == 503, "the breaker was reset by the reload")
        #expect(Int(after.header("Retry-After") ?? "") ?? 0 > 20)
    }
}
