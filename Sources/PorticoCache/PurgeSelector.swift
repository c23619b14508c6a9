// What `POST /purge` removes, from its query: `url=` one URL (every variant of it) and `prefix=`
// every URL under a path. An absolute form (`http://shop.example/a`) selects that host only, with
// the host normalized as cache keys are (case, default port); a path alone (`/a`) selects it on
// every host, since operators usually purge "the logo" rather than "the logo of one vhost".
//
// The value is percent-decoded once, so `url=%2Fa%3Fb%3D1` is `/a?b=1`; a stored target that has
// escapes of its own (`/caf%C3%A9`) is purged by escaping its `%` (`url=/caf%25C3%25A9`).

/// The entries one purge request selects.
public struct PurgeSelector: Sendable, Equatable {
    public enum Match: Sendable, Equatable {
        /// The target exactly: path and query.
        case target(String)
        /// Targets that start with this.
        case prefix(String)
    }

    /// nil: every host.
    public var scheme: String?
    public var host: String?
    public var match: Match

    public init(scheme: String? = nil, host: String? = nil, match: Match) {
        self.scheme = scheme
        self.host = host
        self.match = match
    }

    /// Parses `url=…` or `prefix=…` (exactly one of them) from a query string.
    public init(query: String) throws(PurgeError) {
        var url: String?
        var prefix: String?
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0])
            let value = parts.count > 1 ? try Self.percentDecoded(String(parts[1])) : ""
            // A second value would silently win over the first: refused, like both names together.
            switch name {
            case "url" where url == nil: url = value
            case "prefix" where prefix == nil: prefix = value
            case "url", "prefix": throw .needsOneOfURLOrPrefix
            default: throw .unknownParameter(name)
            }
        }
        switch (url, prefix) {
        case (let url?, nil): self = try Self.parse(url, exact: true)
        case (nil, let prefix?): self = try Self.parse(prefix, exact: false)
        default: throw .needsOneOfURLOrPrefix
        }
    }

    public func matches(_ key: CacheKey) -> Bool {
        if let scheme, key.scheme != scheme { return false }
        if let host, key.host != host { return false }
        switch match {
        case .target(let target): return key.target == target
        case .prefix(let prefix): return key.target.hasPrefix(prefix)
        }
    }

    private static func parse(_ value: String, exact: Bool) throws(PurgeError) -> PurgeSelector {
        let lowered = value.lowercased()
        for scheme in ["http", "https"] where lowered.hasPrefix(scheme + "://") {
            let rest = value.dropFirst(scheme.count + 3)
            let slash = rest.firstIndex(of: "/") ?? rest.endIndex
            let authority = String(rest[..<slash])
            guard !authority.isEmpty else { throw .invalidURL(value) }
            let target = slash == rest.endIndex ? "/" : String(rest[slash...])
            // The same normalization as the keys: lowercased host, default port dropped.
            let key = CacheKey(scheme: scheme, host: authority, target: target)
            return PurgeSelector(scheme: key.scheme, host: key.host, match: exact ? .target(target) : .prefix(target))
        }
        guard value.hasPrefix("/") else { throw .invalidURL(value) }
        return PurgeSelector(match: exact ? .target(value) : .prefix(value))
    }

    /// Decodes `%XX` escapes (`+` stays a plus: targets are not form data).
    static func percentDecoded(_ value: String) throws(PurgeError) -> String {
        var bytes: [UInt8] = []
        var iterator = Array(value.utf8).makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(Self.hexValue), let low = iterator.next().flatMap(Self.hexValue)
            else { throw .invalidEscape(value) }
            bytes.append(high << 4 | low)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

/// Why a purge request was refused (400), in words for the operator.
public enum PurgeError: Error, Equatable, CustomStringConvertible {
    case needsOneOfURLOrPrefix
    case unknownParameter(String)
    case invalidURL(String)
    case invalidEscape(String)

    public var description: String {
        switch self {
        case .needsOneOfURLOrPrefix:
            "give exactly one of url=… or prefix=…, e.g. POST /purge?url=/logo.png"
        case .unknownParameter(let name):
            "unknown parameter \"\(name)\": purge takes url=… or prefix=…"
        case .invalidURL(let value):
            "\"\(value)\" is neither a path (/…) nor an http:// or https:// URL"
        case .invalidEscape(let value):
            "\"\(value)\" has a % that is not followed by two hex digits"
        }
    }
}
