import Foundation
import Glibc
import Testing

@testable import PorticoServer

/// A configuration file with these bytes, in the temporary directory; the caller unlinks it.
private func temporaryFile(_ bytes: [UInt8]) throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("portico-\(UUID().uuidString).conf").path
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    return path
}

private func temporaryFile(_ text: String) throws -> String {
    try temporaryFile(Array(text.utf8))
}

@Suite struct ConfigFileTests {
    /// A byte that is not UTF-8 in a comment changes nothing (nginx accepts any bytes there).
    @Test func latin1CommentIsAccepted() throws {
        let path = try temporaryFile(
            Array("# caf".utf8) + [0xE9] + Array("\nlisten 127.0.0.1:0;\nbackend a { server 127.0.0.1:9; }\n".utf8))
        defer { unlink(path) }
        let config = try ConfigFile.load(path)
        #expect(config.listen.count == 1)
    }

    /// What cannot be read says why, in the system's words.
    @Test func unreadableFilesSayWhy() {
        let directory = FileManager.default.temporaryDirectory.path
        #expect(throws: SystemError.self) { try ConfigFile.read(directory) }
        do {
            _ = try ConfigFile.read(directory)
        } catch {
            #expect(error.description == "cannot read \(directory): Is a directory")
        }
        do {
            _ = try ConfigFile.read("/nonexistent/portico.conf")
        } catch {
            #expect(error.description == "cannot read /nonexistent/portico.conf: No such file or directory")
        }
        #expect((try? ConfigFile.read("/dev/null")) == "")
        do {
            _ = try ConfigFile.read("/dev/zero")
            Issue.record("a file that never ends was read")
        } catch {
            #expect(error.description == "cannot read /dev/zero: larger than 16 MiB")
        }
    }

    /// A wrong file names the place: `FILE:LINE:COL`.
    @Test func invalidFileNamesTheLocation() throws {
        let path = try temporaryFile(Array("listen 999.1.1.1:80;\n".utf8))
        defer { unlink(path) }
        do {
            _ = try ConfigFile.load(path)
            Issue.record("999.1.1.1 accepted")
        } catch {
            #expect(error.description.hasPrefix("\(path):1:8: "), "\(error)")
        }
    }
}

@Suite struct HostNameTests {
    /// A server name that does not resolve is a configuration error at its place (nginx's
    /// "host not found in upstream"), so `-t` and a reload catch the typo.
    @Test func unresolvableServerNameIsReportedAtItsPlace() throws {
        let path = try temporaryFile(
            """
            listen 127.0.0.1:0;
            backend app {
                server 127.0.0.1:9001;
                server no-such-host.invalid:80;
            }
            """)
        defer { unlink(path) }
        do {
            _ = try ConfigFile.load(path)
            Issue.record("an unresolvable name was accepted")
        } catch {
            #expect(error.description.hasPrefix("\(path):4:12: cannot resolve \"no-such-host.invalid\": "), "\(error)")
        }
    }

    /// Names that resolve pass, and literal addresses are never looked up.
    @Test func resolvableNamesPass() throws {
        let path = try temporaryFile(
            """
            listen localhost:0;
            backend app { server localhost:9001; server [::1]:9002; }
            admin { listen 127.0.0.1:0; }
            """)
        defer { unlink(path) }
        let config = try ConfigFile.load(path)
        #expect(config.hostNames.map(\.name) == ["localhost"])
        #expect(config.hostNames.first?.location.line == 1)
    }
}

@Suite struct AccessLogCheckTests {
    private func load(_ accessLog: String) throws -> (path: String, error: String?) {
        let path = try temporaryFile(
            "listen 127.0.0.1:0;\nbackend app { server 127.0.0.1:9001; }\naccess_log \(accessLog);\n")
        defer { unlink(path) }
        do {
            _ = try ConfigFile.load(path)
            return (path, nil)
        } catch {
            return (path, error.description)
        }
    }

    /// A log path in a directory that does not exist is found by `-t`, at its place.
    @Test func missingDirectoryIsAnError() throws {
        let (path, error) = try load("/nonexistent-portico-dir/access.log")
        #expect(
            error == "\(path):3:12: cannot write access log \"/nonexistent-portico-dir/access.log\": "
                + "No such file or directory")
    }

    /// A writable place passes, and checking creates nothing.
    @Test func writableDirectoryPassesWithoutCreatingTheFile() throws {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("portico-\(UUID().uuidString).log").path
        let (_, error) = try load(log)
        #expect(error == nil)
        #expect(access(log, F_OK) != 0, "the check created the log file")
    }
}
