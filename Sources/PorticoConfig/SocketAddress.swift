/// A host and port to listen on or connect to: `127.0.0.1:8080`, `[::1]:8080`, `localhost:9001`.
///
/// The host stays text: names are resolved by the server (getaddrinfo, off the event loops), so
/// this module needs no sockets. `*:8080` means every IPv4 interface and is stored as `0.0.0.0`.
/// An IPv6 host is stored without brackets and printed with them.
public struct SocketAddress: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// An IPv4 address, an IPv6 address without brackets, or a host name.
    public var host: String
    /// 0...65535; 0 asks the kernel for an ephemeral port when listening.
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `HOST:PORT`, `[IPV6]:PORT` or `*:PORT`; nil if malformed or the port is out of range.
    public init?(_ text: String) {
        guard case .success(let address) = SocketAddress.parse(text) else { return nil }
        self = address
    }

    /// `HOST:PORT`, with brackets around an IPv6 host.
    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    // MARK: - Parsing

    enum Failure: Error, Equatable {
        /// Not `HOST:PORT`.
        case malformed
        /// An IPv6 address without brackets: its colons hide where the port starts.
        case unbracketedIPv6
        /// A host with characters no name or address has.
        case badHost
        /// Port missing, not a number, or over 65535.
        case badPort
    }

    static func parse(_ text: String) -> Result<SocketAddress, Failure> {
        let host: Substring
        let port: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return .failure(.malformed) }
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { return .failure(.malformed) }
            port = rest.dropFirst()
            guard !host.isEmpty, host.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }), host.contains(":")
            else { return .failure(.badHost) }
        } else {
            guard let colon = text.lastIndex(of: ":") else { return .failure(.malformed) }
            host = text[..<colon]
            port = text[text.index(after: colon)...]
            if host.contains(":") { return .failure(.unbracketedIPv6) }
            guard !host.isEmpty else { return .failure(.malformed) }
            guard host == "*" || host.allSatisfy(isHostCharacter) else { return .failure(.badHost) }
        }
        guard port.count <= 5, let number = Int(port), port.allSatisfy({ $0.isASCII && $0.isNumber }),
            number <= 65535
        else { return .failure(.badPort) }
        return .success(SocketAddress(host: host == "*" ? "0.0.0.0" : String(host), port: number))
    }

    /// Letters, digits, `-`, `.` and `_`: enough for host names and dotted IPv4.
    private static func isHostCharacter(_ character: Character) -> Bool {
        character.isASCII
            && (character.isLetter || character.isNumber || character == "-" || character == "."
                || character == "_")
    }
}
