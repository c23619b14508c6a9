// The primary cache key (RFC 9111 §2): the target URI, normalized just enough that two spellings
// of one authority share entries, and no further.
//
// - The scheme and the host are lowercased (RFC 3986 §6.2.2.1: both are case-insensitive), and
//   the scheme's default port is removed (`example.com:80` is `example.com` for http, `:443` for
//   https; an empty port, `example.com:`, is the default port too, RFC 3986 §6.2.3).
// - The path and query are kept byte for byte: `/a?b=1&c=2` and `/a?c=2&b=1` are different
//   resources as far as the origin is concerned, and so are `/%7e` and `/~` (decoding them would
//   let a client poison one spelling with the other's response).
// - The method is not part of the key. Only responses to GET are stored; a HEAD request is answered
//   from the GET entry's head (RFC 9110 §9.3.2: the same header fields as a GET), and any other
//   method is forwarded. So every entry under a key is a GET response, and the secondary key
//   (Vary, §4.1) is the only thing that tells variants apart.
//
// The server builds a key for every request, so the key carries a 64-bit FNV-1a fingerprint of
// its three parts, computed once: `hash(into:)` feeds only that, equality compares it before the
// strings, the store picks a shard with it, and S3-FIFO's ghost queue remembers evicted keys by
// it alone (a collision there costs one misplaced admission, never a wrong response).

import PorticoHTTP

/// Identifies one resource in the cache: scheme, host (with port when not the default) and
/// the path and query exactly as requested.
public struct CacheKey: Hashable, Sendable, CustomStringConvertible {
    /// `http` or `https`, lowercased.
    public let scheme: String
    /// The authority's host, lowercased, with `:port` only when it is not the scheme's default.
    public let host: String
    /// The path and query exactly as received (origin-form: `/x?y`).
    public let target: String
    /// FNV-1a over scheme, host and target (each followed by a 0 byte): a cheap, stable hash for
    /// `Hashable`, shard selection and S3-FIFO's ghost queue. Equal keys have equal fingerprints.
    public let fingerprint: UInt64

    /// A key for `scheme://host/target`, normalizing scheme and host (see the file comment).
    public init(scheme: String, host: String, target: String) {
        let scheme = scheme == "http" ? "http" : FieldValueSyntax.lowercased(scheme[...])
        let host = Self.normalizedHost(host, scheme: scheme)
        self.scheme = scheme
        self.host = host
        self.target = target
        var hash = Self.fnvOffset
        Self.mix(scheme, into: &hash)
        Self.mix(host, into: &hash)
        Self.mix(target, into: &hash)
        fingerprint = hash
    }

    /// The key of a parsed request: its host (absolute-form authority or `Host`) and its
    /// origin-form path and query. Nil when the request names no host (an HTTP/1.0 request
    /// without `Host`), which the server does not cache.
    public init?(scheme: String, request: RequestHead) {
        guard let host = request.host else { return nil }
        self.init(scheme: scheme, host: host, target: request.path)
    }

    /// `scheme://host/target`, for logs and the admin endpoint.
    public var description: String { "\(scheme)://\(host)\(target)" }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(fingerprint)
    }

    public static func == (lhs: CacheKey, rhs: CacheKey) -> Bool {
        lhs.fingerprint == rhs.fingerprint && lhs.target == rhs.target && lhs.host == rhs.host
            && lhs.scheme == rhs.scheme
    }

    // MARK: - Normalization

    /// The port each scheme implies when the authority names none (RFC 9110 §4.2).
    static func defaultPort(of scheme: String) -> Int? {
        switch scheme {
        case "http": 80
        case "https": 443
        default: nil
        }
    }

    /// Lowercases `host` and drops `:port` when it is the scheme's default or empty. An IPv6
    /// literal keeps its brackets (`[::1]:80` → `[::1]`).
    static func normalizedHost(_ host: String, scheme: String) -> String {
        // One pass over the bytes: every request builds a key, and keep-alive clients send an
        // already normalized Host far more often than not.
        var copy = host
        return copy.withUTF8 { bytes -> String in
            var lastColon = -1
            var colons = 0
            var lastBracket = -1
            var hasUpper = false
            for index in 0..<bytes.count {
                switch bytes[index] {
                case UInt8(ascii: ":"):
                    colons += 1
                    lastColon = index
                case UInt8(ascii: "]"):
                    lastBracket = index
                case UInt8(ascii: "A")...UInt8(ascii: "Z"):
                    hasUpper = true
                default:
                    break
                }
            }
            var end = bytes.count
            // The port starts after the last colon, unless that colon is inside an IPv6 literal.
            if lastColon >= 0, lastBracket < lastColon, bytes[0] == UInt8(ascii: "[") || colons == 1 {
                let digits = bytes[(lastColon + 1)...]
                if digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
                    var port = 0
                    for digit in digits.prefix(6) { port = port * 10 + Int(digit - UInt8(ascii: "0")) }
                    if digits.isEmpty || (digits.count <= 6 && port == defaultPort(of: scheme)) { end = lastColon }
                }
            }
            if end == bytes.count && !hasUpper { return host }
            return String(unsafeUninitializedCapacity: end) { buffer in
                for index in 0..<end {
                    let byte = bytes[index]
                    buffer[index] = byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
                }
                return end
            }
        }
    }

    // MARK: - Fingerprint

    private static let fnvOffset: UInt64 = 0xcbf2_9ce4_8422_2325
    private static let fnvPrime: UInt64 = 0x0000_0100_0000_01b3

    private static func mix(_ string: String, into hash: inout UInt64) {
        var string = string
        string.withUTF8 { bytes in
            for byte in bytes {
                hash = (hash ^ UInt64(byte)) &* fnvPrime
            }
        }
        hash = (hash ^ 0) &* fnvPrime
    }
}
