// The target URI of a request (RFC 9110 §7.1) reduced to what a cache compares: scheme, host,
// port and path-and-query. Scheme and host are lowercased (they are case-insensitive, RFC 3986
// §6.2.2.1), a default port is made explicit (80 for http, 443 for https; RFC 3986 §6.2.3), an
// empty path becomes "/", and a fragment is dropped (it never reaches a server). Nothing else is
// normalized: percent-encodings and dot-segments are compared as received.
//
// Only http and https are represented; other schemes are not a reverse proxy's to cache.

/// A request's target URI as a cache compares it (RFC 9110 §7.1, §4.3.1 origin).
public struct TargetURI: Sendable, Hashable, CustomStringConvertible {
    /// `http` or `https`.
    public let scheme: String
    /// The host, lowercased; an IPv6 literal keeps its brackets.
    public let host: String
    public let port: Int
    /// The path and query, starting with "/".
    public let pathAndQuery: String

    /// From a request's parts: its scheme, its authority (the Host field or the absolute-form
    /// authority; userinfo is dropped) and its origin-form path and query.
    public init?(scheme: String, authority: String, pathAndQuery: String) {
        let scheme = FieldValueSyntax.lowercased(scheme[...])
        guard let defaultPort = Self.defaultPorts[scheme], let (host, port) = Self.hostAndPort(authority[...]) else {
            return nil
        }
        var path = pathAndQuery[...]
        if let hash = path.firstIndex(of: "#") { path = path[..<hash] }
        if path.isEmpty || path.first == "?" {
            path = "/" + path
        }
        guard path.first == "/" else { return nil }
        self.scheme = scheme
        self.host = host
        self.port = port ?? defaultPort
        self.pathAndQuery = String(path)
    }

    /// From an absolute URI, `http://host[:port][/path][?query][#fragment]`.
    public init?(absolute: String) {
        guard let separator = absolute.firstRange(of: "://") else { return nil }
        let scheme = absolute[..<separator.lowerBound]
        let rest = absolute[separator.upperBound...]
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        self.init(
            scheme: String(scheme), authority: String(rest[..<authorityEnd]),
            pathAndQuery: String(rest[authorityEnd...]))
    }

    /// RFC 9110 §4.3.1: same scheme, host and port.
    public func hasSameOrigin(as other: TargetURI) -> Bool {
        scheme == other.scheme && host == other.host && port == other.port
    }

    /// `reference` (a Location or Content-Location value) resolved against this URI
    /// (RFC 3986 §5.2), for the forms a server sends in practice: an absolute URI, a
    /// network-path reference (`//host/path`) and an absolute-path reference (`/path`). Other
    /// relative references resolve to nil.
    public func resolving(_ reference: String) -> TargetURI? {
        let reference = FieldValueSyntax.trimmed(reference[...])
        if reference.hasPrefix("//") {
            return TargetURI(absolute: scheme + ":" + reference)
        }
        if reference.hasPrefix("/") {
            return TargetURI(scheme: scheme, authority: authority, pathAndQuery: String(reference))
        }
        return TargetURI(absolute: String(reference))
    }

    /// `host` or `host:port` when the port is not the scheme's default.
    public var authority: String {
        port == Self.defaultPorts[scheme] ? host : host + ":" + String(port)
    }

    /// `scheme://authority/path?query`.
    public var description: String {
        scheme + "://" + authority + pathAndQuery
    }

    private static let defaultPorts = ["http": 80, "https": 443]

    /// The lowercased host and the port, if any, of an authority; nil when it is malformed.
    private static func hostAndPort(_ authority: Substring) -> (String, Int?)? {
        var rest = authority
        if let at = rest.lastIndex(of: "@") { rest = rest[rest.index(after: at)...] }
        let host: Substring
        var portText: Substring?
        if rest.first == "[" {
            guard let close = rest.firstIndex(of: "]") else { return nil }
            host = rest[...close]
            let after = rest[rest.index(after: close)...]
            if !after.isEmpty {
                guard after.first == ":" else { return nil }
                portText = after.dropFirst()
            }
        } else if let colon = rest.lastIndex(of: ":") {
            host = rest[..<colon]
            portText = rest[rest.index(after: colon)...]
        } else {
            host = rest
        }
        guard !host.isEmpty, host.utf8.allSatisfy(isHostByte) else { return nil }
        guard let portText, !portText.isEmpty else { return (FieldValueSyntax.lowercased(host), nil) }
        guard let port = FieldValueSyntax.deltaSeconds(portText), port <= 65_535 else { return nil }
        return (FieldValueSyntax.lowercased(host), port)
    }

    /// Bytes a reg-name or IP literal may hold (RFC 3986 §3.2.2): unreserved, sub-delims, "%",
    /// and ":" "[" "]" inside an IP literal.
    private static func isHostByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "%"),
            UInt8(ascii: "!"), UInt8(ascii: "$"), UInt8(ascii: "&"), UInt8(ascii: "'"), UInt8(ascii: "("),
            UInt8(ascii: ")"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: ","), UInt8(ascii: ";"),
            UInt8(ascii: "="), UInt8(ascii: ":"), UInt8(ascii: "["), UInt8(ascii: "]"):
            return true
        default:
            return false
        }
    }
}
