import Foundation
import Glibc
import Testing

/// The admin listener's dashboard as a browser sees it: headless Chromium loads `GET /`, the
/// page polls `/stats` and builds its table, and the test reads the DOM Chromium dumps. A
/// screenshot is kept under the test artifacts for a human to look at.
@Suite("Dashboard", .timeLimit(.minutes(2)))
struct DashboardTests {
    @Test func headlessChromiumShowsEachServersHealth() throws {
        let chromium = try #require(
            Chromium.binary(),
            "chromium not found (/usr/bin/chromium, or chromium-browser in PATH): run `make deps`")
        let live = try ScriptedOrigin.responding()
        defer { live.stop() }
        let dead = try TestSocket.unusedPort()
        let proxy = try PorticoProcess(
            config: """
                workers 1;
                admin { listen 127.0.0.1:0; }
                backend app {
                    server 127.0.0.1:\(live.port);
                    server 127.0.0.1:\(dead);
                    health { path /healthz; interval 100ms; timeout 100ms; rise 1; fall 1; }
                    circuit_breaker { failures 3; open 10s; }
                }
                route backend=app;
                """)
        defer { proxy.stop() }
        let adminPort = try #require(proxy.adminPort, "no admin port\n\(proxy.stderr)")
        let liveAddress = "127.0.0.1:\(live.port)"
        let deadAddress = "127.0.0.1:\(dead)"

        var statuses: [Int] = []
        for index in 0..<6 {
            let request = Wire.get("/item/\(index)", extra: "Connection: close\r\n")
            if let response = try? RawClient.request(port: proxy.port, request) { statuses.append(response.status) }
        }
        #expect(statuses.contains(200), "statuses through the proxy: \(statuses)")

        // Health checks every 100 ms with rise 1 / fall 1: both servers settle within a few
        // intervals; wait for /stats to say so rather than sleeping a guess.
        Thread.sleep(forTimeInterval: 0.5)
        let settled = Self.waitForHealth(adminPort: adminPort, [liveAddress: "up", deadAddress: "down"])
        try #require(settled.ok, "health never settled; last /stats:\n\(settled.lastBody)\n\(proxy.stderr)")

        let url = "http://127.0.0.1:\(adminPort)/"
        let artifacts = try Self.artifactsDirectory()
        let dump = try Chromium.run(chromium, ["--virtual-time-budget=5000", "--dump-dom"], url: url)
        #expect(dump.status == 0, "chromium --dump-dom exited \(dump.status)\n\(dump.stderrTail)")
        let dom = dump.stdout
        try? dom.write(to: artifacts.appendingPathComponent("dashboard.html"), atomically: true, encoding: .utf8)

        #expect(dom.contains("Portico"), "\(dom)")
        #expect(Self.text(of: "status", in: dom) == "live", "\(dom)")
        let rps = try #require(Self.text(of: "rps", in: dom), "no id=\"rps\" element\n\(dom)")
        #expect(Double(rps.replacingOccurrences(of: ",", with: "")) != nil, "rps shows \"\(rps)\"")
        #expect(Self.text(of: "hit-ratio", in: dom) != nil, "no id=\"hit-ratio\" element")
        #expect(Self.text(of: "uptime", in: dom).map { !$0.isEmpty && $0 != "-" } == true, "uptime not shown")
        #expect(dom.contains("id=\"servers\""), "no id=\"servers\" table body")

        let liveRow = try #require(Self.row(for: liveAddress, in: dom), "no row for \(liveAddress)\n\(dom)")
        #expect(liveRow.contains("class=\"health health-up\">up<"), "\(liveRow)")
        #expect(liveRow.contains("class=\"breaker breaker-closed\">closed<"), "\(liveRow)")
        let deadRow = try #require(Self.row(for: deadAddress, in: dom), "no row for \(deadAddress)\n\(dom)")
        #expect(deadRow.contains("class=\"health health-down\">down<"), "\(deadRow)")

        let screenshot = artifacts.appendingPathComponent("dashboard.png")
        try? FileManager.default.removeItem(at: screenshot)
        let shot = try Chromium.run(
            chromium,
            ["--window-size=1280,900", "--virtual-time-budget=5000", "--screenshot=\(screenshot.path)"],
            url: url)
        #expect(shot.status == 0, "chromium --screenshot exited \(shot.status)\n\(shot.stderrTail)")
        let png = (try? Data(contentsOf: screenshot)) ?? Data()
        #expect(!png.isEmpty, "no screenshot at \(screenshot.path)\n\(shot.stderrTail)")
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]), "\(screenshot.path) is not a PNG")
    }

    /// `$PORTICO_TEST_ARTIFACTS`, or `.build/test-artifacts` in the package root; created.
    static func artifactsDirectory() throws -> URL {
        let directory: URL
        if let path = ProcessInfo.processInfo.environment["PORTICO_TEST_ARTIFACTS"], !path.isEmpty {
            directory = URL(fileURLWithPath: path)
        } else {
            let root = URL(fileURLWithPath: #filePath)
                .deletingLastPathComponent()  // PorticoIntegrationTests
                .deletingLastPathComponent()  // Tests
                .deletingLastPathComponent()
            directory = root.appendingPathComponent(".build/test-artifacts")
        }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    /// Polls the admin `/stats` until every server in `expected` reports its health there.
    static func waitForHealth(
        adminPort: UInt16, _ expected: [String: String], timeout: Double = 5
    ) -> (ok: Bool, lastBody: String) {
        let deadline = Deadline.after(timeout)
        var lastBody = ""
        while true {
            let request = "GET /stats HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
            if let response = try? RawClient.request(port: adminPort, request) {
                lastBody = "\(response.status) \(response.bodyText)"
                let health = healthByServer(response.body)
                if expected.allSatisfy({ health[$0.key] == $0.value }) { return (true, lastBody) }
            }
            if deadline.hasPassed { return (false, lastBody) }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    /// `address: health` for every server of every backend in a `/stats` body.
    static func healthByServer(_ body: [UInt8]) -> [String: String] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
            let backends = object["backends"] as? [[String: Any]]
        else { return [:] }
        var health: [String: String] = [:]
        for backend in backends {
            for server in backend["servers"] as? [[String: Any]] ?? [] {
                if let address = server["address"] as? String, let state = server["health"] as? String {
                    health[address] = state
                }
            }
        }
        return health
    }

    /// The serialized `<tr …>…</tr>` whose `data-server` is `address`.
    static func row(for address: String, in dom: String) -> String? {
        guard let attribute = dom.range(of: "data-server=\"\(address)\""),
            let start = dom.range(of: "<tr", options: .backwards, range: dom.startIndex..<attribute.lowerBound),
            let end = dom.range(of: "</tr>", range: attribute.upperBound..<dom.endIndex)
        else { return nil }
        return String(dom[start.lowerBound..<end.upperBound])
    }

    /// The text at the start of the element with `id` (up to its first child tag, if any).
    static func text(of id: String, in dom: String) -> String? {
        guard let attribute = dom.range(of: "id=\"\(id)\""),
            let close = dom.range(of: ">", range: attribute.upperBound..<dom.endIndex)
        else { return nil }
        return String(dom[close.upperBound...].prefix { $0 != "<" })
    }
}

/// Headless Chromium, run to completion in a fresh profile under a deadline.
private enum Chromium {
    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String

        /// The end of stderr, for failure messages (Chromium logs a lot).
        var stderrTail: String { String(stderr.suffix(4000)) }
    }

    struct TimedOut: Error, CustomStringConvertible {
        let arguments: [String]
        let seconds: Double
        let stderr: String
        var description: String {
            "chromium \(arguments.joined(separator: " ")) did not finish within \(seconds) s; killed\n\(stderr)"
        }
    }

    /// `/usr/bin/chromium`, else `chromium-browser` or `chromium` in PATH.
    static func binary() -> String? {
        let files = FileManager.default
        if files.isExecutableFile(atPath: "/usr/bin/chromium") { return "/usr/bin/chromium" }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for name in ["chromium-browser", "chromium"] {
            for directory in path.split(separator: ":") where files.isExecutableFile(atPath: "\(directory)/\(name)") {
                return "\(directory)/\(name)"
            }
        }
        return nil
    }

    /// Runs `binary --headless --no-sandbox --disable-gpu … ARGUMENTS URL` with its own temporary
    /// profile (deleted afterwards); SIGKILLs it after `timeout` seconds and throws.
    static func run(_ binary: String, _ arguments: [String], url: String, timeout: Double = 30) throws -> Run {
        let files = FileManager.default
        let scratch = files.temporaryDirectory.appendingPathComponent("portico-chromium-\(UUID().uuidString)")
        try files.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? files.removeItem(at: scratch) }
        let stdoutURL = scratch.appendingPathComponent("stdout")
        let stderrURL = scratch.appendingPathComponent("stderr")
        _ = files.createFile(atPath: stdoutURL.path, contents: nil)
        _ = files.createFile(atPath: stderrURL.path, contents: nil)
        let stdout = try FileHandle(forWritingTo: stdoutURL)
        let stderr = try FileHandle(forWritingTo: stderrURL)
        defer {
            try? stdout.close()
            try? stderr.close()
        }

        let fullArguments =
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--user-data-dir=\(scratch.appendingPathComponent("profile").path)",
            ] + arguments + [url]
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = fullArguments
        process.currentDirectoryURL = scratch
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = FileHandle.nullDevice
        let exited = Barrier(name: "chromium exit")
        process.terminationHandler = { _ in exited.arrive() }
        try PorticoProcess.withEmptySignalMask { try process.run() }

        let read = { (url: URL) in (try? String(contentsOf: url, encoding: .utf8)) ?? "" }
        guard (try? exited.wait(timeout: timeout)) != nil else {
            _ = Glibc.kill(process.processIdentifier, SIGKILL)
            _ = try? exited.wait(timeout: 5)
            throw TimedOut(arguments: fullArguments, seconds: timeout, stderr: String(read(stderrURL).suffix(4000)))
        }
        let status =
            process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
        return Run(status: status, stdout: read(stdoutURL), stderr: read(stderrURL))
    }
}
