import Foundation
import Glibc

/// What a test can learn about a running portico from outside: its memory from `/proc`, every
/// `listening on` line, its listening sockets, and reloads (rewrite the file, SIGHUP, wait for the
/// log line).
extension PorticoProcess {
    /// Peak resident set size so far (`VmHWM` in `/proc/PID/status`), in bytes.
    var peakResidentBytes: Int? { statusValue("VmHWM") }

    /// Current resident set size (`VmRSS`), in bytes.
    var residentBytes: Int? { statusValue("VmRSS") }

    private func statusValue(_ key: String) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(key + ":") {
            // "VmHWM:     12345 kB"
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if fields.count >= 2, let kibibytes = Int(fields[1]) { return kibibytes * 1024 }
        }
        return nil
    }

    /// The ports of all `portico: listening on 127.0.0.1:PORT` lines, once there are at least
    /// `count` of them (portico prints one per `listen`, all before serving; the harness waits for
    /// the first only). Throws at the deadline.
    func listeningPorts(count: Int, timeout: Double = 5) throws -> [UInt16] {
        let prefix = "portico: listening on 127.0.0.1:"
        let deadline = Deadline.after(timeout)
        while true {
            let ports = stderr.split(separator: "\n").filter { $0.hasPrefix(prefix) }.compactMap {
                UInt16($0.dropFirst(prefix.count).prefix { $0.isNumber })
            }
            if ports.count >= count { return ports }
            if deadline.hasPassed {
                throw HarnessError.processFailed("\(ports.count) of \(count) listening lines", stderr: stderr)
            }
            usleep(20_000)
        }
    }

    /// How many listening TCP sockets this process holds on 127.0.0.1:`port`, as `ss -ltnp` would
    /// show them: `/proc/PID/net/tcp` LISTEN entries for the port, matched to the process's
    /// descriptors by inode.
    func listeningSocketCount(port: UInt16) -> Int {
        guard let table = try? String(contentsOfFile: "/proc/\(pid)/net/tcp", encoding: .utf8) else { return 0 }
        let local = String(format: "0100007F:%04X", port)
        var inodes: Set<String> = []
        for line in table.split(separator: "\n").dropFirst() {
            // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if fields.count > 9, fields[1] == local, fields[3] == "0A" { inodes.insert(String(fields[9])) }
        }
        let directory = "/proc/\(pid)/fd"
        let descriptors = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return descriptors.filter { name in
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "\(directory)/\(name)"),
                target.hasPrefix("socket:[")
            else { return false }
            return inodes.contains(String(target.dropFirst("socket:[".count).dropLast()))
        }.count
    }

    /// Replaces the configuration file with `listen 127.0.0.1:0;` plus `config` (as the initializer
    /// wrote it), sends SIGHUP, and returns what portico wrote to stderr about it: the
    /// `portico: reloaded PATH` line or the `reload failed` error. Throws when neither appears in time.
    @discardableResult
    func reload(config: String, timeout: Double = 5) throws -> String {
        let before = stderr.utf8.count
        try ("listen 127.0.0.1:0;\n" + config).write(to: configURL, atomically: true, encoding: .utf8)
        kill(SIGHUP)
        let deadline = Deadline.after(timeout)
        while true {
            let added = String(decoding: stderr.utf8.dropFirst(before), as: UTF8.self)
            let lines = added.split(separator: "\n").dropLast(added.hasSuffix("\n") ? 0 : 1)  // whole lines only
            if let line = lines.first(where: { $0.contains("portico: reloaded ") || $0.contains("reload failed") }) {
                return String(line)
            }
            if deadline.hasPassed || !isRunning {
                throw HarnessError.processFailed("no reload line within \(timeout) s of SIGHUP", stderr: stderr)
            }
            usleep(20_000)
        }
    }
}
