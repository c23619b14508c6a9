import Foundation
import Glibc
import Testing

/// Starting and stopping the binary: the ready line, config errors, graceful stop on SIGTERM.
@Suite("Lifecycle", .timeLimit(.minutes(1)))
struct LifecycleTests {
    @Test func binarySitsNextToTheTestBundle() {
        #expect(FileManager.default.isExecutableFile(atPath: PorticoProcess.binaryURL.path))
    }

    @Test func invalidConfigFailsWithFileLineColumn() throws {
        do {
            let proxy = try PorticoProcess(config: "workers two;\n")
            proxy.stop()
            Issue.record("portico started with an invalid config")
        } catch let error as HarnessError {
            guard case .processFailed(_, let stderr) = error else { throw error }
            #expect(stderr.contains("proxy.conf:2:"), "no FILE:LINE:COL location in: \(stderr)")
        }
    }

    @Test func gracefulStopExitsZero() throws {
        let origin = try ScriptedOrigin.responding()
        defer { origin.stop() }
        let proxy = try PorticoProcess(ProxyConfig(origin: origin.port))
        defer { proxy.stop() }

        #expect(try RawClient.request(port: proxy.port, Wire.get("/")).status == 200)
        #expect(proxy.stop() == 0)
    }

    @Test func gracefulStopClosesIdleConnections() throws {
        let origin = try ScriptedOrigin.responding()
        defer { origin.stop() }
        let proxy = try PorticoProcess(ProxyConfig(origin: origin.port))
        defer { proxy.stop() }

        let idle = try RawClient(port: proxy.port)
        try idle.send(Wire.get("/"))
        #expect(try idle.readResponse().status == 200)
        let stopwatch = Stopwatch()
        #expect(proxy.stop() == 0)
        #expect(stopwatch.seconds < 5, "an idle keep-alive connection held up the stop")
        #expect(idle.isClosed(within: 1))
    }

    /// A proxy with one request in flight: its origin holds the answer ("finished") until
    /// `release` opens.
    struct InFlight {
        let origin: ScriptedOrigin
        let proxy: PorticoProcess
        let client: RawClient
        let release = Barrier(name: "release response")

        init() throws {
            let received = Barrier(name: "origin received")
            let release = self.release
            origin = try ScriptedOrigin { _, connection in
                received.arrive()
                try connection.wait(release)
                try connection.respond(body: "finished")
            }
            proxy = try PorticoProcess(ProxyConfig(origin: origin.port))
            client = try RawClient(port: proxy.port)
            try client.send(Wire.get("/in-flight"))
            try received.wait()
        }

        func stop() {
            proxy.stop()
            origin.stop()
        }
    }

    @Test func inFlightRequestFinishesDuringGracefulStop() throws {
        let flight = try InFlight()
        defer { flight.stop() }
        let (proxy, client, release) = (flight.proxy, flight.client, flight.release)
        proxy.kill(SIGTERM)
        // Stopped accepting: new connections are refused (polled, under a deadline).
        let refusing = Deadline.after(5)
        while !refusing.hasPassed, (try? RawClient(port: proxy.port, connectTimeout: 0.5)) != nil {
            usleep(20_000)
        }
        #expect(!refusing.hasPassed, "still accepting connections 5 s after SIGTERM")
        release.arrive()
        let response = try client.readResponse()
        #expect(response.status == 200)
        #expect(response.bodyText == "finished")
        #expect(proxy.waitForExit(timeout: 10) == 0)
    }

    /// A second SIGTERM, a SIGHUP or a SIGUSR1 while draining (logrotate's postrotate can land
    /// then) must not end the process: the request in flight still finishes, and the exit is 0.
    @Test(arguments: [SIGTERM, SIGHUP, SIGUSR1])
    func signalsDuringGracefulStopAreHarmless(_ second: Int32) throws {
        let flight = try InFlight()
        defer { flight.stop() }
        let (proxy, client, release) = (flight.proxy, flight.client, flight.release)
        proxy.kill(SIGTERM)
        usleep(200_000)
        proxy.kill(second)
        usleep(200_000)
        #expect(proxy.isRunning, "signal \(second) during the drain ended the process")
        release.arrive()
        let response = try client.readResponse()
        #expect(response.bodyText == "finished")
        #expect(proxy.waitForExit(timeout: 10) == 0)
    }

    /// A port another process listens on is refused at start, as a plain bind would (the
    /// listeners' SO_REUSEPORT would otherwise let two instances share it silently), and so is
    /// an admin listener on one of the proxy's own ports.
    @Test func portInUseIsRefusedAtStart() throws {
        let first = try PorticoProcess(config: "backend app { server 127.0.0.1:9; }\n")
        defer { first.stop() }
        for config in [
            "listen 127.0.0.1:\(first.port);\nbackend app { server 127.0.0.1:9; }\n",
            "admin { listen 127.0.0.1:\(first.port); }\nbackend app { server 127.0.0.1:9; }\n",
        ] {
            do {
                let second = try PorticoProcess(config: config)
                second.stop()
                Issue.record("started on a port in use: \(config)")
            } catch let error as HarnessError {
                guard case .processFailed(_, let stderr) = error else { throw error }
                #expect(stderr.contains("Address already in use"), "\(stderr)")
            }
        }
    }
}
