// Writing a head's fields as a proxy passes them on, in one pass over the parsed bytes.
//
// Changing a parsed head and then serializing it costs a copy of its buffer on the first change, a
// scan per field removed or looked for, and the serialization on top. Every forwarded head makes
// the same changes: drop the hop-by-hop fields (RFC 9110 §7.6.1), restate a few fields the proxy
// owns (framing, Host, X-Forwarded-*), extend Via and X-Forwarded-For. So the forwarding writer
// classifies each field once, by its length first, and copies the others straight from the bytes
// they arrived in to where they will be sent from, whole runs of lines at a time.

/// Fields a proxy restates, extends or adds itself, recognized by `HTTPHeaders.writeForwarded` in
/// the same pass that finds the hop-by-hop fields.
public struct ProxyFields: OptionSet, Sendable {
    public let rawValue: UInt16

    public init(rawValue: UInt16) {
        self.rawValue = rawValue
    }

    public static let contentLength = ProxyFields(rawValue: 1 << 0)
    public static let date = ProxyFields(rawValue: 1 << 1)
    public static let via = ProxyFields(rawValue: 1 << 2)
    public static let host = ProxyFields(rawValue: 1 << 3)
    public static let expect = ProxyFields(rawValue: 1 << 4)
    public static let xForwardedFor = ProxyFields(rawValue: 1 << 5)
    public static let xForwardedProto = ProxyFields(rawValue: 1 << 6)
    public static let xForwardedHost = ProxyFields(rawValue: 1 << 7)

    /// The name as the proxy writes it, for a single field.
    public var name: StaticString {
        switch self {
        case .contentLength: "Content-Length"
        case .date: "Date"
        case .via: "Via"
        case .host: "Host"
        case .expect: "Expect"
        case .xForwardedFor: "X-Forwarded-For"
        case .xForwardedProto: "X-Forwarded-Proto"
        default: "X-Forwarded-Host"
        }
    }
}

extension HTTPHeaders {
    /// The most bytes `writeForwarded` writes, and the most that `writeList` copies from lines.
    /// (A line written anew gains at most the space after its colon; removed lines still count.)
    public var forwardedSizeBound: Int {
        let counts = bufferCounts
        return counts.byteCount + counts.entryCount
    }

    /// Writes `name: value\r\n` for every field a proxy passes on, in order: not the hop-by-hop
    /// fields nor those `Connection` names (RFC 9110 §7.6.1), and not those in `omitted`, which the
    /// caller restates. Returns the `ProxyFields` the head has (omitted or not, but not removed as
    /// hop-by-hop), so the caller knows, for instance, whether to add `Date`.
    public func writeForwarded(to writer: inout ByteWriter, omitting omitted: ProxyFields) -> ProxyFields {
        let count = count
        guard count > 0 else { return [] }
        return withUnsafeTemporaryAllocation(of: UInt16.self, capacity: count) { kinds in
            // First pass: every field's kind, and a bound on the options Connection lists.
            var optionBound = 0
            withStorage { storage in
                for index in 0..<count {
                    let entry = storage.entry(index)
                    let kind = Self.forwardingKind(entry, storage)
                    kinds.initializeElement(at: index, to: kind)
                    if kind == Self.connectionKind { optionBound += Self.commaCount(entry, storage) + 1 }
                }
            }
            return withStorage { storage in
                withUnsafeTemporaryAllocation(of: Range<Int>.self, capacity: optionBound) { options in
                    var optionCount = 0
                    if optionBound > 0 {
                        for index in 0..<count where kinds[index] == Self.connectionKind {
                            for element in Self.elements(of: storage.entry(index), storage) where !element.isEmpty {
                                options.initializeElement(at: optionCount, to: element)
                                optionCount += 1
                            }
                        }
                    }
                    var seen: ProxyFields = []
                    var runs = LineRuns()
                    fields: for index in 0..<count {
                        let kind = kinds[index]
                        if kind >= Self.hopByHopKind { continue }
                        let entry = storage.entry(index)
                        for option in options[..<optionCount]
                        where option.count == entry.nameCount
                            && ASCII.equalsIgnoringCase(
                                UnsafeRawBufferPointer(rebasing: storage.bytes[option]), storage.name(entry))
                        {
                            continue fields
                        }
                        if kind != Self.endToEndKind {
                            let field = ProxyFields(rawValue: kind)
                            seen.insert(field)
                            if omitted.contains(field) { continue }
                        }
                        runs.write(entry, storage, to: &writer)
                    }
                    runs.finish(storage, to: &writer)
                    return seen
                }
            }
        }
    }

    /// Writes one line of `field` holding the values of all its lines, in order, then `element`:
    /// how a proxy extends `Via` or `X-Forwarded-For` (RFC 9110 §5.3 allows combining a list
    /// field's lines). Its lines are looked for only when `seen` (from `writeForwarded`, which
    /// omitted them) says there are any.
    public func writeList(
        _ field: ProxyFields, appending element: String, seen: ProxyFields, to writer: inout ByteWriter
    ) {
        let name = field.name
        writer.write(name)
        writer.write(ASCII.colon, ASCII.sp)
        if seen.contains(field) {
            let nameBytes = UnsafeRawBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount)
            withStorage { storage in
                for index in 0..<storage.count {
                    let entry = storage.entry(index)
                    guard Self.name(of: entry, storage, equals: nameBytes) else { continue }
                    writer.write(storage.value(entry))
                    writer.write(ASCII.comma, ASCII.sp)
                }
            }
        }
        writer.write(string: element)
        writer.write(ASCII.cr, ASCII.lf)
    }

    // MARK: - Classification

    private static let endToEndKind: UInt16 = 0
    private static let hopByHopKind: UInt16 = 0xFFFE
    private static let connectionKind: UInt16 = 0xFFFF

    /// A field's kind for forwarding: end-to-end, Connection, another hop-by-hop field, or one of
    /// the `ProxyFields` (its raw value). Bit n of `lengths` is set when a name of interest has n
    /// bytes, which rules most fields out before any byte is compared.
    @inline(__always)
    private static func forwardingKind(_ entry: Entry, _ storage: Storage) -> UInt16 {
        let count = entry.nameCount
        let lengths: UInt32 =
            1 << 2 | 1 << 3 | 1 << 4 | 1 << 6 | 1 << 7 | 1 << 10 | 1 << 14 | 1 << 15 | 1 << 16 | 1 << 17
        guard count < 32, lengths & 1 << UInt32(count) != 0 else { return endToEndKind }
        return forwardingKind(name: storage.name(entry))
    }

    private static func forwardingKind(name: UnsafeRawBufferPointer) -> UInt16 {
        func field(_ field: ProxyFields, _ lowercase: StaticString) -> UInt16? {
            ASCII.equalsIgnoringCase(name, lowercase: lowercase) ? field.rawValue : nil
        }
        let found: UInt16?
        switch name.count {
        case 3: found = field(.via, "via")
        case 4: found = field(.date, "date") ?? field(.host, "host")
        case 6: found = field(.expect, "expect")
        case 14: found = field(.contentLength, "content-length")
        case 15: found = field(.xForwardedFor, "x-forwarded-for")
        case 16: found = field(.xForwardedHost, "x-forwarded-host")
        case 17: found = field(.xForwardedProto, "x-forwarded-proto")
        default: found = nil
        }
        if let found { return found }
        switch hopByHopKind(name: name) {
        case .endToEnd: return endToEndKind
        case .connection: return connectionKind
        case .other: return hopByHopKind
        }
    }
}

/// Copies lines to a writer, merging lines whose bytes already read `name: value\r\n` one after the
/// other into one copy: a parsed head that lost only its `Connection` line is two copies.
struct LineRuns {
    private var start = 0
    private var end = 0

    @inline(__always)
    mutating func write(_ entry: HeaderBuffer.Entry, _ storage: HeaderBuffer.Storage, to writer: inout ByteWriter) {
        if storage.isCanonicalLine(entry) {
            if Int(entry.nameStart) != end || start == end {
                finish(storage, to: &writer)
                start = Int(entry.nameStart)
            }
            end = Int(entry.valueEnd) + 2
        } else {
            finish(storage, to: &writer)
            writer.write(storage.name(entry))
            writer.write(ASCII.colon, ASCII.sp)
            writer.write(storage.value(entry))
            writer.write(ASCII.cr, ASCII.lf)
        }
    }

    /// Writes the run in progress.
    @inline(__always)
    mutating func finish(_ storage: HeaderBuffer.Storage, to writer: inout ByteWriter) {
        if start != end { writer.write(UnsafeRawBufferPointer(rebasing: storage.bytes[start..<end])) }
        start = 0
        end = 0
    }
}
