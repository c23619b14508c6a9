import Foundation
import Glibc
import Testing

/// The real `portico` binary, run as a child process on a temporary `proxy.conf` (VTC's
/// `varnish v1 -vcl+backend {…} -start`).
///
/// It writes `listen 127.0.0.1:0;` plus the caller's config body to a temporary file, starts
/// `portico -c FILE`, and waits up to 5 s for the ready line `portico: listening on
/// 127.0.0.1:PORT` on stderr (and `portico: admin on …` when the config has an `admin` block).
/// If it does not come, the initializer throws with the captured stderr.
///
///     let proxy = try PorticoProcess(ProxyConfig(origin: origin.port))
///     defer { proxy.stop() }                       // SIGTERM; records an issue unless it exits 0
///     let response = try RawClient.request(port: proxy.port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
///
/// The process is always killed: `stop()` escalates to SIGKILL, and deinit kills a process that
/// is still running.
final class PorticoProcess: @unchecked Sendable {
    /// The port of the first `listen` socket.
    let port: UInt16
    /// The admin listener's port, when the config has an `admin` block.
    let adminPort: UInt16?
    /// The temporary configuration file (for reload tests to rewrite).
    let configURL: URL

    private let process: Process
    private let output: CapturedOutput
    private let directory: URL
    private let exited: Barrier
    private let lock = NSLock()
    private var finalStatus: Int32?

    /// The built binary: `$PORTICO_BINARY`, or `portico` next to the test bundle
    /// (`Bundle.main.bundleURL` is `.build/<triple>/debug` under `swift test`).
    static var binaryURL: URL {
        if let path = ProcessInfo.processInfo.environment["PORTICO_BINARY"] { return URL(fileURLWithPath: path) }
        return Bundle.main.bundleURL.appendingPathComponent("portico")
    }

    /// Starts portico on `config` (a body without `listen`: this adds `listen 127.0.0.1:0;`).
    init(config: String, readyTimeout: Double = 5) throws {
        let binary = PorticoProcess.binaryURL
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            throw HarnessError.processFailed("portico binary not found at \(binary.path)", stderr: "")
        }
        let process = Process()
        let output = CapturedOutput()
        let exited = Barrier(name: "portico exit")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "portico-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let configURL = directory.appendingPathComponent("proxy.conf")
        let text = "listen 127.0.0.1:0;\n" + config
        try text.write(to: configURL, atomically: true, encoding: .utf8)

        process.executableURL = binary
        process.arguments = ["-c", configURL.path]
        process.currentDirectoryURL = directory
        let stderrPipe = Pipe()
        let stdoutPipe = Pipe()
        process.standardError = stderrPipe
        process.standardOutput = stdoutPipe
        process.standardInput = FileHandle.nullDevice
        process.terminationHandler = { _ in exited.arrive() }
        do {
            try PorticoProcess.withEmptySignalMask { try process.run() }
        } catch {
            try? FileManager.default.removeItem(at: directory)
            throw HarnessError.processFailed("cannot start \(binary.path): \(error)", stderr: "")
        }
        output.drain(stderrPipe.fileHandleForReading, into: .stderr)
        output.drain(stdoutPipe.fileHandleForReading, into: .stdout)

        let wantsAdmin = config.range(of: #"(^|\n)\s*admin\s*\{"#, options: .regularExpression) != nil
        let ready = output.waitForPorts(admin: wantsAdmin, exited: exited, timeout: readyTimeout)
        guard let listenPort = ready.listen, !wantsAdmin || ready.admin != nil else {
            let reason =
                exited.isOpen ? "portico exited before it was ready" : "portico not ready within \(readyTimeout) s"
            if !exited.isOpen { _ = Glibc.kill(process.processIdentifier, SIGKILL) }
            _ = try? exited.wait(timeout: 5)
            output.waitForEnd(timeout: 1)
            let log = output.text(.stderr)
            try? FileManager.default.removeItem(at: directory)
            throw HarnessError.processFailed("\(reason)\n--- proxy.conf ---\n\(text)", stderr: log)
        }
        self.process = process
        self.output = output
        self.exited = exited
        self.directory = directory
        self.configURL = configURL
        self.port = listenPort
        self.adminPort = ready.admin
    }

    convenience init(_ config: ProxyConfig, readyTimeout: Double = 5) throws {
        try self.init(config: config.text, readyTimeout: readyTimeout)
    }

    deinit {
        if process.isRunning { forceKill() }
        try? FileManager.default.removeItem(at: directory)
    }

    /// Everything portico wrote to stderr so far.
    var stderr: String { output.text(.stderr) }
    /// Everything portico wrote to stdout so far (access logs).
    var stdout: String { output.text(.stdout) }
    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { !exited.isOpen }

    /// Sends `signal` (e.g. SIGHUP, SIGTERM, SIGKILL) without waiting.
    func kill(_ signal: Int32) {
        if isRunning { _ = Glibc.kill(process.processIdentifier, signal) }
    }

    /// Waits for the process to exit; its exit status (128+N when killed by signal N), or nil if
    /// it is still running at the deadline.
    @discardableResult
    func waitForExit(timeout: Double) -> Int32? {
        guard (try? exited.wait(timeout: timeout)) != nil else { return nil }
        return exitStatus
    }

    /// Graceful stop: SIGTERM, then the exit status within `timeout` seconds. Records an issue
    /// (with stderr) unless the status is 0; escalates to SIGKILL when the process hangs. Calling it
    /// again returns the first result.
    @discardableResult
    func stop(timeout: Double = 10, sourceLocation: SourceLocation = #_sourceLocation) -> Int32? {
        lock.lock()
        defer { lock.unlock() }
        if let finalStatus { return finalStatus }
        if exited.isOpen {
            // Exited already (a test's own SIGTERM, or a crash): report anything but a clean exit.
            finalStatus = exitStatus
            if exitStatus != 0 {
                output.waitForEnd(timeout: 1)
                Issue.record(
                    "portico exited with status \(exitStatus) before stop()\n\(stderrBlock)",
                    sourceLocation: sourceLocation)
            }
            return finalStatus
        }
        _ = Glibc.kill(process.processIdentifier, SIGTERM)
        guard let status = waitForExit(timeout: timeout) else {
            forceKill()
            Issue.record(
                "portico did not exit within \(timeout) s of SIGTERM; killed\n\(stderrBlock)",
                sourceLocation: sourceLocation)
            finalStatus = -1
            return nil
        }
        if status != 0 {
            output.waitForEnd(timeout: 1)
            Issue.record(
                "portico exited with status \(status) after SIGTERM\n\(stderrBlock)", sourceLocation: sourceLocation)
        }
        finalStatus = status
        return status
    }

    /// Runs `body` with no signals blocked on this thread. Test runner threads (libdispatch
    /// workers) block nearly every signal, posix_spawn passes the mask on, and Foundation's Process
    /// does not reset it: the child would start with SIGTERM and SIGHUP blocked and never see them.
    static func withEmptySignalMask<T>(_ body: () throws -> T) rethrows -> T {
        var empty = sigset_t()
        var previous = sigset_t()
        sigemptyset(&empty)
        pthread_sigmask(SIG_SETMASK, &empty, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        return try body()
    }

    private var exitStatus: Int32 {
        process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
    }

    private var stderrBlock: String { "--- portico stderr ---\n\(stderr)--- end of stderr ---" }

    private func forceKill() {
        if !exited.isOpen { _ = Glibc.kill(process.processIdentifier, SIGKILL) }
        _ = try? exited.wait(timeout: 5)
    }
}

/// Collects a child's stdout and stderr on background threads and finds the ready lines.
private final class CapturedOutput: @unchecked Sendable {
    enum Stream: Sendable {
        case stderr, stdout
    }

    private let condition = NSCondition()
    private var bytes: [Stream: [UInt8]] = [.stderr: [], .stdout: []]
    private var openStreams = 0

    /// Reads `handle` to its end on a thread of its own.
    func drain(_ handle: FileHandle, into stream: Stream) {
        condition.lock()
        openStreams += 1
        condition.unlock()
        Thread.detachNewThread { [self] in
            let fd = handle.fileDescriptor
            var chunk = [UInt8](repeating: 0, count: 16 * 1024)
            while true {
                let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
                if count < 0 && errno == EINTR { continue }
                if count <= 0 { break }
                condition.lock()
                bytes[stream, default: []] += chunk[0..<count]
                condition.broadcast()
                condition.unlock()
            }
            try? handle.close()
            condition.lock()
            openStreams -= 1
            condition.broadcast()
            condition.unlock()
        }
    }

    func text(_ stream: Stream) -> String {
        condition.lock()
        defer { condition.unlock() }
        return String(decoding: bytes[stream, default: []], as: UTF8.self)
    }

    /// Waits (bounded) until both streams reached their end, so an exited process's last words
    /// are in the failure message.
    func waitForEnd(timeout: Double) {
        let limit = Date(timeIntervalSinceNow: timeout)
        condition.lock()
        defer { condition.unlock() }
        while openStreams > 0 && condition.wait(until: limit) {}
    }

    /// Waits for `portico: listening on 127.0.0.1:PORT` (and the admin line when asked), until
    /// the deadline or the process exit.
    func waitForPorts(admin: Bool, exited: Barrier, timeout: Double) -> (listen: UInt16?, admin: UInt16?) {
        let deadline = Deadline.after(timeout)
        condition.lock()
        defer { condition.unlock() }
        while true {
            let text = String(decoding: bytes[.stderr, default: []], as: UTF8.self)
            let listen = CapturedOutput.port(after: "portico: listening on 127.0.0.1:", in: text)
            let adminPort = CapturedOutput.port(after: "portico: admin on 127.0.0.1:", in: text)
            if listen != nil && (!admin || adminPort != nil) { return (listen, adminPort) }
            if deadline.hasPassed || exited.isOpen { return (listen, adminPort) }
            _ = condition.wait(until: Date(timeIntervalSinceNow: min(0.05, deadline.remainingSeconds)))
        }
    }

    private static func port(after prefix: String, in text: String) -> UInt16? {
        for line in text.split(separator: "\n") where line.hasPrefix(prefix) {
            if let port = UInt16(line.dropFirst(prefix.count).prefix { $0.isNumber }) { return port }
        }
        return nil
    }
}
