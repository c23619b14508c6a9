/// One field line of a message head (RFC 9110 §5): the name as received (case kept) and the value
/// with its surrounding whitespace removed.
public struct HeaderField: Sendable, Equatable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// The field lines of a head in the order received, duplicates kept.
///
/// Order and duplicates matter to a proxy: `Set-Cookie` may not be combined (RFC 9110 §5.3) and
/// forwarding must not reorder list fields. Names compare case-insensitively over ASCII
/// (RFC 9110 §5.1). Lookups are linear scans: a head has tens of fields, and a scan of a small
/// array beats hashing every name of every request.
public struct HTTPHeaders: Sendable, Equatable, Sequence {
    public var fields: [HeaderField]

    public init() {
        fields = []
    }

    public init(_ fields: [HeaderField]) {
        self.fields = fields
    }

    public var count: Int { fields.count }

    public func makeIterator() -> IndexingIterator<[HeaderField]> {
        fields.makeIterator()
    }

    /// The value of the first field called `name`, or nil.
    public subscript(name: String) -> String? {
        for field in fields where ASCII.equalsIgnoringCase(field.name, name) {
            return field.value
        }
        return nil
    }

    /// The values of every field called `name`, in order.
    public func values(_ name: String) -> [String] {
        fields.compactMap { ASCII.equalsIgnoringCase($0.name, name) ? $0.value : nil }
    }

    public func contains(_ name: String) -> Bool {
        fields.contains { ASCII.equalsIgnoringCase($0.name, name) }
    }

    /// Appends a field after all others.
    public mutating func add(_ name: String, _ value: String) {
        fields.append(HeaderField(name: name, value: value))
    }

    /// Removes every field called `name`, then appends one with `value`.
    public mutating func set(_ name: String, _ value: String) {
        remove(name)
        add(name, value)
    }

    public mutating func remove(_ name: String) {
        fields.removeAll { ASCII.equalsIgnoringCase($0.name, name) }
    }

    /// Comma-separated list elements across all lines of `name`, trimmed of OWS, lowercased,
    /// empties dropped (RFC 9110 §5.6.1: a recipient accepts empty elements and ignores them).
    ///
    /// For token lists such as `Connection`, `Transfer-Encoding` or `Vary`; quoted strings are
    /// not interpreted.
    public func tokens(_ name: String) -> [String] {
        var tokens: [String] = []
        for field in fields where ASCII.equalsIgnoringCase(field.name, name) {
            var element: [UInt8] = []
            for byte in field.value.utf8 {
                if byte == ASCII.comma {
                    Self.appendElement(&element, to: &tokens)
                } else {
                    element.append(ASCII.lowercased(byte))
                }
            }
            Self.appendElement(&element, to: &tokens)
        }
        return tokens
    }

    private static func appendElement(_ element: inout [UInt8], to tokens: inout [String]) {
        var start = 0
        var end = element.count
        while start < end && ASCII.isWhitespace(element[start]) { start += 1 }
        while end > start && ASCII.isWhitespace(element[end - 1]) { end -= 1 }
        if start < end { tokens.append(String(decoding: element[start..<end], as: UTF8.self)) }
        element.removeAll(keepingCapacity: true)
    }

    /// Removes the hop-by-hop fields before a message is forwarded (RFC 9110 §7.6.1): `Connection`
    /// and every field it names, and the fields that only ever describe one connection:
    /// `Proxy-Connection`, `Keep-Alive`, `TE`, `Transfer-Encoding`, `Upgrade` and `Trailer`.
    ///
    /// The caller restates framing (`Content-Length` or `Transfer-Encoding: chunked`) for the next
    /// hop afterwards.
    public mutating func removeHopByHop() {
        let named = tokens("Connection")
        fields.removeAll { field in
            Self.isHopByHop(field.name) || named.contains { ASCII.equalsIgnoringCase($0, field.name) }
        }
    }

    private static func isHopByHop(_ name: String) -> Bool {
        switch name.utf8.count {
        case 2: return ASCII.equalsIgnoringCase(name, "TE")
        case 7: return ASCII.equalsIgnoringCase(name, "Upgrade") || ASCII.equalsIgnoringCase(name, "Trailer")
        case 10: return ASCII.equalsIgnoringCase(name, "Connection") || ASCII.equalsIgnoringCase(name, "Keep-Alive")
        case 16: return ASCII.equalsIgnoringCase(name, "Proxy-Connection")
        case 17: return ASCII.equalsIgnoringCase(name, "Transfer-Encoding")
        default: return false
        }
    }

    /// Appends `name: value\r\n` for every field.
    func append(to out: inout [UInt8]) {
        for field in fields {
            out.append(contentsOf: field.name.utf8)
            out.append(ASCII.colon)
            out.append(ASCII.sp)
            out.append(contentsOf: field.value.utf8)
            out.append(ASCII.cr)
            out.append(ASCII.lf)
        }
    }

    /// Bytes `append(to:)` will write, so serializers allocate once.
    var serializedSize: Int {
        var size = 0
        for field in fields { size += field.name.utf8.count + field.value.utf8.count + 4 }
        return size
    }
}
