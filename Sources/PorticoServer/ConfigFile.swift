import Glibc
import PorticoConfig

/// Reads `proxy.conf` for a start, a check (`-t`) or a reload.
///
/// With plain open(2) and read(2), so that anything that reads works: a file, `/dev/null`, a pipe
/// (`-c <(…)`, `/dev/fd/N`); and errors say what went wrong in the system's words ("Is a
/// directory"). The bytes are decoded as UTF-8 with anything else replaced (U+FFFD): a stray
/// Latin-1 byte in a comment changes nothing, and one in a directive is reported by the parser with
/// its line and column, like any other bad character.
public enum ConfigFile {
    /// The most bytes a configuration file may have: a file that never ends (`/dev/zero`) is
    /// refused instead of read forever.
    static let maxBytes = 16 << 20

    /// The file's text, whatever its encoding.
    public static func read(_ path: String) throws(SystemError) -> String {
        let fd = try syscall("cannot read \(path)") { open(path, O_RDONLY | O_CLOEXEC) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            guard bytes.count <= maxBytes else {
                throw SystemError(errno: EFBIG, operation: "cannot read \(path)", reason: "larger than 16 MiB")
            }
            let count = try syscall("cannot read \(path)") {
                chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The checked configuration in `path`, or the first problem: `PATH: reason` when it cannot
    /// be read, `PATH:LINE:COL: message` when it is wrong.
    public static func load(_ path: String) throws(ConfigFileError) -> Config {
        let text: String
        do {
            text = try read(path)
        } catch {
            throw .unreadable(error)
        }
        do {
            let config = try Config.parse(text, file: path)
            try checkHostNames(config)
            try checkAccessLog(config)
            return config
        } catch {
            throw .invalid(error)
        }
    }

    /// An `access_log` file can be written: its directory exists and takes new files, or the file
    /// exists and is writable. Checked without creating anything, so `-t` and a reload leave no
    /// trace, but a typo in the path is found before a start fails on it.
    static func checkAccessLog(_ config: Config) throws(ConfigError) {
        guard case .file(let path, _) = config.accessLog, let location = config.accessLogLocation else { return }
        let directory = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        let problem: CInt?
        if access(path, F_OK) == 0 {
            problem = access(path, W_OK) == 0 ? nil : errno
        } else {
            problem = access(directory.isEmpty ? "/" : directory, W_OK | X_OK) == 0 ? nil : errno
        }
        if let problem {
            throw ConfigError(
                location: location,
                message: "cannot write access log \"\(path)\": \(String(cString: strerror(problem)))")
        }
    }

    /// Every host name in the file resolves, or the first that does not is reported at its place,
    /// as nginx's `-t` does: a typo in a server's name is found by `portico -t` and refused by a
    /// reload, instead of surfacing as a start that fails without a line number.
    /// Blocking (getaddrinfo): never called on an event loop.
    static func checkHostNames(_ config: Config) throws(ConfigError) {
        for host in config.hostNames {
            do {
                _ = try ResolvedAddress(SocketAddress(host: host.name, port: 1))
            } catch {
                throw ConfigError(
                    location: host.location,
                    message:
                        "cannot resolve \"\(host.name)\": \(error.reason ?? String(cString: strerror(error.errno)))"
                )
            }
        }
    }
}

/// Why `ConfigFile.load` found no configuration.
public enum ConfigFileError: Error, CustomStringConvertible {
    case unreadable(SystemError)
    case invalid(ConfigError)

    public var description: String {
        switch self {
        case .unreadable(let error): error.description
        case .invalid(let error): error.description
        }
    }
}
