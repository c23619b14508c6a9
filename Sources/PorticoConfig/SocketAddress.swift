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
            guard isIPv6(host) else { return .failure(.badHost) }
        } else {
            guard let colon = text.lastIndex(of: ":") else { return .failure(.malformed) }
            host = text[..<colon]
            port = text[text.index(after: colon)...]
            if host.contains(":") { return .failure(.unbracketedIPv6) }
            guard !host.isEmpty else { return .failure(.malformed) }
            guard host == "*" || host.allSatisfy(isHostCharacter) else { return .failure(.badHost) }
            // All digits and dots can only mean an IPv4 address, and then it must be one:
            // `999.1.1.1` would otherwise go to the resolver as a name and fail at start.
            if host.allSatisfy({ $0.isNumber || $0 == "." }), !isIPv4(host) { return .failure(.badHost) }
        }
        guard port.count <= 5, let number = Int(port), port.allSatisfy({ $0.isASCII && $0.isNumber }),
            number <= 65535
        else { return .failure(.badPort) }
        return .success(SocketAddress(host: host == "*" ? "0.0.0.0" : String(host), port: number))
    }

    /// An IPv4 or IPv6 address, which needs no resolver.
    static func isLiteral(_ host: String) -> Bool {
        isIPv4(host[...]) || isIPv6(host[...])
    }

    /// Four decimal parts of 0-255, dot-separated, without leading zeros (which some resolvers
    /// read as octal).
    static func isIPv4(_ text: Substring) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4
            && parts.allSatisfy { part in
                !part.isEmpty && part.count <= 3 && (part.count == 1 || part.first != "0")
                    && Int(part).map { $0 <= 255 } == true
            }
    }

    /// RFC 4291 §2.2 text: up to eight groups of 1-4 hex digits, at most one `::` standing for
    /// the groups left out, and optionally a dotted IPv4 address as the last 32 bits.
    static func isIPv6(_ text: Substring) -> Bool {
        guard text.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }), text.contains(":") else { return false }
        let characters = Array(text)
        var doubleColons = 0
        for index in 1..<characters.count where characters[index] == ":" && characters[index - 1] == ":" {
            doubleColons += 1
        }
        // Written once, `::` makes two adjacent colons; `:::` (or a second `::`) makes more.
        guard doubleColons <= 1 else { return false }
        var groups = text.split(separator: ":", omittingEmptySubsequences: false)
        var width = 0
        if let last = groups.last, last.contains(".") {
            guard isIPv4(last) else { return false }
            groups.removeLast()
            width = 2
        }
        for (index, group) in groups.enumerated() {
            if group.isEmpty {
                // Only where `::` is: at its position, or the empty piece before or after it at
                // either end. A lone `:` at an end (":1:2") is an error.
                guard doubleColons == 1 else { return false }
                let isStart = index == 0 && groups.count > 1 && groups[1].isEmpty
                let isEnd = index == groups.count - 1 && index > 0 && groups[index - 1].isEmpty
                let isMiddle = index > 0 && index < groups.count - 1
                guard isStart || isEnd || isMiddle else { return false }
                continue
            }
            guard group.count <= 4, !group.contains(".") else { return false }
            width += 1
        }
        return doubleColons == 1 ? width <= 7 : width == 8
    }

    /// Letters, digits, `-`, `.` and `_`: enough for host names and dotted IPv4.
    private static func isHostCharacter(_ character: Character) -> Bool {
        character.isASCII
            && (character.isLetter || character.isNumber || character == "-" || character == "."
                || character == "_")
    }
}
