import Foundation
import Testing

/// `access_log` (README, "Operations"): one line per response with status, bytes, duration, cache
/// status and the backend server, written off the event loops within a second; SIGUSR1 reopens
/// the file for logrotate.
@Suite("Access log", .timeLimit(.minutes(1)))
struct AccessLogTests {
    static func origin() throws -> ScriptedOrigin {
        try ScriptedOrigin { request, connection in
            try connection.respond(headers: [("Cache-Control", "max-age=60")], body: "body of \(request.target)")
        }
    }

    static func config(origin: UInt16, log: String) -> String {
        """
        workers 2;
        access_log \(log);
        backend app { server 127.0.0.1:\(origin); }
        route backend=app;
        """
    }

    /// The file's lines once it has `count` of them (the workers hand lines over once a second).
    static func lines(of path: String, count: Int, timeout: Double = 5) -> [String] {
        let deadline = Deadline.after(timeout)
        var lines: [String] = []
        repeat {
            let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
            lines = text.split(separator: "\n").map(String.init)
            if lines.count >= count { break }
            Thread.sleep(forTimeInterval: 0.05)
        } while !deadline.hasPassed
        return lines
    }

    static func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("portico-\(UUID().uuidString)-\(name)").path
    }

    @Test func combinedLinesCarryStatusBytesDurationCacheAndServer() throws {
        let origin = try Self.origin()
        defer { origin.stop() }
        let path = Self.temporaryPath("access.log")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let proxy = try PorticoProcess(config: Self.config(origin: origin.port, log: "\(path) combined"))
        defer { proxy.stop() }

        let miss = try RawClient.request(port: proxy.port, Wire.get("/a", extra: "User-Agent: tester/1\r\n"))
        _ = try RawClient.request(port: proxy.port, Wire.get("/a"))
        let bad = try RawClient.request(
            port: proxy.port, "GET /b HTTP/1.1\r\nHost: test.example\r\nBad Header: x\r\n\r\n")
        #expect(bad.status == 400)

        let lines = Self.lines(of: path, count: 3).sorted()
        try #require(lines.count == 3, "\(lines)")
        let pattern =
            #"^127\.0\.0\.1 - - \[\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d \+0000\] "(GET /a HTTP/1\.1|- - -)" \d{3} \d+ "[^"]*" "[^"]*" \d+\.\d{3} \S+ \S+$"#
        for line in lines { #expect(line.range(of: pattern, options: .regularExpression) != nil, "\(line)") }
        let missLine = try #require(lines.first { $0.contains("tester/1") })
        // Bytes are the whole response, head included.
        let fields = missLine.split(separator: "\"")[2].split(separator: " ")
        #expect(fields[0] == "200")
        let bytes = try #require(Int(fields[1]))
        #expect(bytes > miss.body.count + 50 && bytes < miss.body.count + 1000, "\(missLine)")
        #expect(missLine.hasSuffix(" miss 127.0.0.1:\(origin.port)"))
        #expect(lines.contains { $0.contains("\"GET /a HTTP/1.1\" 200") && $0.hasSuffix(" hit -") })
        #expect(lines.contains { $0.contains("\"- - -\" 400 ") })
    }

    @Test func jsonLinesParse() throws {
        let origin = try Self.origin()
        defer { origin.stop() }
        let path = Self.temporaryPath("access.json")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let proxy = try PorticoProcess(config: Self.config(origin: origin.port, log: "\(path) json"))
        defer { proxy.stop() }

        _ = try RawClient.request(port: proxy.port, Wire.get("/j?x=\"1\"", extra: "Referer: http://r.example/\r\n"))
        let lines = Self.lines(of: path, count: 1)
        let line = try #require(lines.first)
        let record = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(record["status"] as? Int == 200)
        #expect(record["method"] as? String == "GET")
        #expect(record["target"] as? String == "/j?x=\"1\"")
        #expect(record["cache"] as? String == "miss")
        #expect(record["upstream"] as? String == "127.0.0.1:\(origin.port)")
        #expect(record["referer"] as? String == "http://r.example/")
        #expect((record["duration_seconds"] as? Double).map { $0 >= 0 && $0 < 5 } == true)
        #expect((record["bytes"] as? Int).map { $0 > 0 } == true)
        #expect((record["time"] as? String)?.hasSuffix("Z") == true)
    }

    /// logrotate moves the file and sends SIGUSR1: the next lines go to a new file at the path.
    @Test func sigusr1ReopensTheFile() throws {
        let origin = try Self.origin()
        defer { origin.stop() }
        let path = Self.temporaryPath("rotate.log")
        defer {
            try? FileManager.default.removeItem(atPath: path)
            try? FileManager.default.removeItem(atPath: path + ".1")
        }
        let proxy = try PorticoProcess(config: Self.config(origin: origin.port, log: "\(path) combined"))
        defer { proxy.stop() }

        _ = try RawClient.request(port: proxy.port, Wire.get("/before"))
        #expect(Self.lines(of: path, count: 1).count == 1)
        try FileManager.default.moveItem(atPath: path, toPath: path + ".1")
        proxy.kill(SIGUSR1)
        let deadline = Deadline.after(5)
        while !proxy.stderr.contains("access log reopened") && !deadline.hasPassed {
            Thread.sleep(forTimeInterval: 0.02)
        }
        _ = try RawClient.request(port: proxy.port, Wire.get("/after"))

        let fresh = Self.lines(of: path, count: 1)
        #expect(fresh.count == 1 && fresh[0].contains("GET /after"), "\(fresh)")
        let rotated = Self.lines(of: path + ".1", count: 1)
        #expect(rotated.count == 1 && rotated[0].contains("GET /before"), "\(rotated)")
    }
}
