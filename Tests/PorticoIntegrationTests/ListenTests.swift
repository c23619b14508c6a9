import Testing

/// `listen` addresses: one `portico: listening on HOST:PORT` line per `listen`, port 0 resolved
/// to the port actually bound, and every worker accepting on that same port (README, "Command
/// line" and "How it works").
@Suite("Listen", .timeLimit(.minutes(1)))
struct ListenTests {
    @Test func twoListenAddressesBothServe() throws {
        let origin = try ScriptedOrigin { request, connection in try connection.respond(body: request.target) }
        defer { origin.stop() }
        var config = ProxyConfig(origin: origin.port)
        config.extra = "listen 127.0.0.1:0;"
        let proxy = try PorticoProcess(config)
        defer { proxy.stop() }

        let ports = try proxy.listeningPorts(count: 2)
        #expect(ports.count == 2, "\(proxy.stderr)")
        #expect(Set(ports).count == 2, "both listen lines name port \(ports[0])")
        for port in ports {
            let response = try RawClient.request(port: port, Wire.get("/via/\(port)"))
            #expect(response.status == 200)
            #expect(response.bodyText == "/via/\(port)")
        }
    }

    @Test func fourWorkersShareTheOnePrintedPort() throws {
        let origin = try ScriptedOrigin { request, connection in try connection.respond(body: request.target) }
        defer { origin.stop() }
        var config = ProxyConfig(origin: origin.port)
        config.workers = 4
        let proxy = try PorticoProcess(config)
        defer { proxy.stop() }

        #expect(try proxy.listeningPorts(count: 1) == [proxy.port], "\(proxy.stderr)")
        // One SO_REUSEPORT listener per worker, all on the printed port (as `ss -ltnp` shows).
        #expect(proxy.listeningSocketCount(port: proxy.port) == 4)
        // The kernel spreads new connections over the four listeners; each must be served.
        for index in 1...50 {
            let response = try RawClient.request(port: proxy.port, Wire.get("/connection/\(index)"), timeout: 2)
            #expect(response.status == 200)
            #expect(response.bodyText == "/connection/\(index)")
        }
        #expect(origin.requestCount == 50)
    }
}
