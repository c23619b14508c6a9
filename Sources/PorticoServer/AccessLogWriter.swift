import Foundation
import Glibc
import PorticoConfig
import Synchronization

/// Writes `access_log` lines without file I/O on an event loop: each worker collects its lines in
/// its own buffer (`AccessLogBuffer`) and hands full buffers (64 KiB) or, once a second, whatever
/// it has to this writer's thread, which appends them to the file or stdout. SIGUSR1 makes the
/// thread reopen the file, after logrotate moved it away.
final class AccessLogWriter: Sendable {
    let format: AccessLog.Format
    private let path: String?
    private let state = Mutex(State())
    private let wake = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)

    private struct State {
        var pending: [[UInt8]] = []
        var reopen = false
        var stopping = false
        var fd: CInt = -1
    }

    /// nil for `access_log off`.
    init?(_ setting: AccessLog) throws {
        switch setting {
        case .off: return nil
        case .stdout(let format):
            self.format = format
            path = nil
        case .file(let path, let format):
            self.format = format
            self.path = path
        }
        let fd = try Self.open(path)
        state.withLock { $0.fd = fd }
        let thread = Thread { [self] in run() }
        thread.name = "portico access log"
        thread.start()
    }

    /// Takes a buffer of whole lines; called from the workers.
    func submit(_ lines: [UInt8]) {
        guard !lines.isEmpty else { return }
        state.withLock { $0.pending.append(lines) }
        wake.signal()
    }

    /// Reopens the file on the writer's thread (SIGUSR1).
    func reopen() {
        state.withLock { $0.reopen = true }
        wake.signal()
    }

    /// Writes what is pending and ends the thread, waiting for it (at most 5 s).
    func stop() {
        state.withLock { $0.stopping = true }
        wake.signal()
        _ = finished.wait(timeout: .now() + 5)
    }

    private func run() {
        while true {
            wake.wait()
            let (batches, reopen, stopping, fd) = state.withLock { state in
                let taken = state.pending
                state.pending.removeAll()
                defer { state.reopen = false }
                return (taken, state.reopen, state.stopping, state.fd)
            }
            for batch in batches { Self.writeAll(batch, to: fd) }
            if reopen, let path {
                do {
                    let fresh = try Self.open(path)
                    state.withLock { $0.fd = fresh }
                    Glibc.close(fd)
                    Log.info("access log reopened: \(path)")
                } catch {
                    Log.error("access log: could not reopen \(path): \(error); still writing to the old file")
                }
            }
            if stopping {
                if path != nil { Glibc.close(state.withLock { $0.fd }) }
                finished.signal()
                return
            }
        }
    }

    private static func open(_ path: String?) throws -> CInt {
        guard let path else { return STDOUT_FILENO }
        let fd = Glibc.open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw AccessLogError(message: "cannot open access_log \(path): \(String(cString: strerror(errno)))")
        }
        return fd
    }

    private static func writeAll(_ bytes: [UInt8], to fd: CInt) {
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return
                }
                offset += written
            }
        }
    }
}

struct AccessLogError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

/// One response's line, in the configured format.
struct AccessLogRecord {
    var client: String
    var time: Double
    var method: String
    var target: String
    var version: String
    var status: Int
    var bytes: Int
    var duration: Double
    /// `hit`, `miss`, `stale`, … from Cache-Status, or `-`.
    var cache: String
    /// `host:port` of the server that answered, or `-`.
    var upstream: String
    var referer: String?
    var userAgent: String?

    /// The line in `format`.
    func line(_ format: AccessLog.Format) -> String {
        switch format {
        case .combined: combined(timeLocal: Self.timeLocal(time))
        case .json: json(timeISO: Self.timeISO(time))
        }
    }

    /// `04/Dec/2026:10:00:00 +0000`, nginx's `$time_local` in UTC.
    static func timeLocal(_ time: Double) -> String {
        let parts = brokenDown(time)
        return "\(two(parts.tm_mday))/\(HTTPDate.months[Int(parts.tm_mon)])/\(parts.tm_year + 1900):"
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) +0000"
    }

    /// `2026-12-04T10:00:00.123Z`.
    static func timeISO(_ time: Double) -> String {
        let parts = brokenDown(time)
        let millis = String(Int((time - time.rounded(.down)) * 1000))
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T"
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))."
            + String(repeating: "0", count: 3 - millis.count) + millis + "Z"
    }

    private static func brokenDown(_ time: Double) -> tm {
        var seconds = time_t(time.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return parts
    }

    private static func two(_ value: CInt) -> String { value < 10 ? "0\(value)" : "\(value)" }

    /// nginx's `combined`, then the duration in seconds, the cache status and the server:
    /// `127.0.0.1 - - [04/Dec/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 512 "-" "curl/8" 0.003 hit -`
    func combined(timeLocal: String) -> String {
        "\(client) - - [\(timeLocal)] \"\(Self.escaped(method)) \(Self.escaped(target)) \(version)\" \(status) \(bytes) "
            + "\"\(Self.escaped(referer ?? "-"))\" \"\(Self.escaped(userAgent ?? "-"))\" "
            + "\(Self.seconds(duration)) \(cache) \(upstream)\n"
    }

    func json(timeISO: String) -> String {
        let out = JSONWriter()
        out.object {
            out.field("time", timeISO)
            out.field("client", client)
            out.field("method", method)
            out.field("target", target)
            out.field("version", version)
            out.field("status", status)
            out.field("bytes", bytes)
            out.field("duration_seconds", duration)
            out.field("cache", cache)
            out.field("upstream", upstream)
            if let referer { out.field("referer", referer) }
            if let userAgent { out.field("user_agent", userAgent) }
        }
        return out.text + "\n"
    }

    private static func seconds(_ value: Double) -> String {
        let millis = Int((value * 1000).rounded())
        let fraction = String(millis % 1000)
        return "\(millis / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }

    /// Quotes and backslashes escaped, control bytes as `\xHH`, as nginx escapes its variables.
    static func escaped(_ value: String) -> String {
        var out = ""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            // Controls, DEL and obs-text (one scalar per byte, `FieldText`) as \xHH, as nginx logs them.
            case _ where scalar.value < 0x20 || scalar.value >= 0x7F:
                let hex = String(scalar.value, radix: 16, uppercase: true)
                out += "\\x" + (hex.count == 1 ? "0" : "") + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

/// A worker's lines waiting to go to the writer.
struct AccessLogBuffer {
    private(set) var bytes: [UInt8] = []
    static let flushSize = 64 * 1024

    /// Adds a line; true when the buffer should be handed over now.
    mutating func append(_ line: String) -> Bool {
        bytes.append(contentsOf: line.utf8)
        return bytes.count >= Self.flushSize
    }

    mutating func take() -> [UInt8] {
        defer { bytes = [] }
        return bytes
    }
}
