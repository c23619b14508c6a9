// The fields of a head, kept as the bytes they arrived as.
//
// A proxy reads few of the fields it forwards: it removes the hop-by-hop ones, restates framing,
// adds its own, and writes the rest on unchanged. So a parsed head copies its field section into
// one buffer, once, and each field is four offsets into it (`HeaderBuffer`); nothing is decoded
// into a String unless someone asks for a name or value (`subscript`, `values`, iteration,
// `fields`). Removing a field drops its offsets and leaves its bytes; adding one appends
// `name: value\r\n` to the bytes. Serializing copies straight from those bytes, whole runs of lines
// at a time where they already read `name: value\r\n`, so obs-text (bytes 0x80-0xFF, RFC 9110 §5.5)
// is forwarded exactly as received. Names and values read or written as Strings go through
// `FieldText` (one scalar per byte), so they round-trip byte for byte too.
//
// Names compare case-insensitively over ASCII and exactly otherwise (RFC 9110 §5.1), byte by byte
// against the UTF-8 of the name asked for. Lookups are linear scans: a head has tens of fields, and
// a scan that compares lengths first beats hashing every name of every request.
//
// The buffer is copied on write, like an Array's, but with room to spare: the first change a proxy
// makes to a head it parsed copies it once, and the fields it then adds fit without another copy.

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
/// forwarding must not reorder list fields. Two values are equal when they hold the same names and
/// values, byte for byte, in the same order.
///
/// Sendable as an Array is: the buffer is written only when `isKnownUniquelyReferenced` (the
/// compiler cannot check that for a `ManagedBuffer`, hence `@unchecked`).
public struct HTTPHeaders: @unchecked Sendable, Equatable, Sequence {
    typealias Entry = HeaderBuffer.Entry
    typealias Storage = HeaderBuffer.Storage

    /// The most bytes the buffer may hold, so offsets fit in an `Int32`. The parsers never reach it
    /// (`HeadScanner` caps its field-section limit here).
    static let maxStorageBytes = Int(Int32.max)
    /// Room added whenever the buffer is copied: enough for the fields a proxy adds to a head
    /// (`Via`, `X-Forwarded-*`, framing, `Date`) without a second copy.
    static let entrySlack = 8
    static let byteSlack = 256

    private var buffer: HeaderBuffer

    public init() {
        buffer = HeaderBuffer.empty
    }

    public init(_ fields: [HeaderField]) {
        buffer = HeaderBuffer.empty
        guard !fields.isEmpty else { return }
        var bytes = 0
        // UTF-8 counts: never fewer bytes than `FieldText` writes.
        for field in fields { bytes += field.name.utf8.count + field.value.utf8.count + 4 }
        reserve(entries: fields.count, bytes: bytes)
        for field in fields { add(field.name, field.value) }
    }

    /// The fields of a parsed head: `bytes` from the first field's name to the CRLF after the last
    /// field's value are copied once, and each line becomes offsets into the copy.
    init(_ bytes: UnsafeRawBufferPointer, fieldLines lines: [FieldLine]) {
        guard let first = lines.first, let last = lines.last, let source = bytes.baseAddress else {
            buffer = HeaderBuffer.empty
            return
        }
        let base = first.nameStart
        let byteCount = Swift.min(last.valueEnd + 2, bytes.count) - base
        precondition(byteCount <= Self.maxStorageBytes, "field section over HTTPHeaders.maxStorageBytes")
        buffer = HeaderBuffer.make(entryCapacity: lines.count, byteCapacity: byteCount)
        buffer.withStorage { storage in
            storage.byteBase.copyMemory(from: source + base, byteCount: byteCount)
            for index in lines.indices {
                let line = lines[index]
                storage.setEntry(
                    index,
                    Entry(
                        nameStart: Int32(truncatingIfNeeded: line.nameStart &- base),
                        nameEnd: Int32(truncatingIfNeeded: line.nameEnd &- base),
                        valueStart: Int32(truncatingIfNeeded: line.valueStart &- base),
                        valueEnd: Int32(truncatingIfNeeded: line.valueEnd &- base)
                    )
                )
            }
            storage.counts.pointee.entryCount = lines.count
            storage.counts.pointee.byteCount = byteCount
        }
    }

    /// The fields as strings. Setting replaces them all.
    public var fields: [HeaderField] {
        get { Array(self) }
        set { self = HTTPHeaders(newValue) }
    }

    public var count: Int { buffer.counts.entryCount }

    var bufferCounts: HeaderBuffer.Counts { buffer.counts }

    /// Bytes the buffer has room for: what a value holds on to, for tests and diagnostics.
    var storageCapacity: Int { buffer.counts.byteCapacity }

    public var underestimatedCount: Int { count }

    public func makeIterator() -> Iterator {
        Iterator(headers: self)
    }

    /// Iterates the fields as `HeaderField`s, decoding each name and value as it is reached.
    public struct Iterator: IteratorProtocol {
        private let headers: HTTPHeaders
        private var index = 0

        fileprivate init(headers: HTTPHeaders) {
            self.headers = headers
        }

        public mutating func next() -> HeaderField? {
            guard index < headers.count else { return nil }
            defer { index += 1 }
            let index = index
            return headers.withStorage { storage in
                let entry = storage.entry(index)
                return HeaderField(name: Self.string(storage.name(entry)), value: Self.string(storage.value(entry)))
            }
        }

        /// One scalar per byte (`FieldText`): obs-text stays distinct and writes back unchanged.
        static func string(_ bytes: UnsafeRawBufferPointer) -> String {
            FieldText.decode(bytes)
        }
    }

    // MARK: - Queries

    /// The value of the first field called `name`, or nil.
    public subscript(name: String) -> String? {
        Self.withUTF8(name) { name in
            withStorage { storage in
                guard let index = Self.firstIndex(storage, named: name, from: 0) else { return nil }
                return Iterator.string(storage.value(storage.entry(index)))
            }
        }
    }

    /// The values of every field called `name`, in order.
    public func values(_ name: String) -> [String] {
        Self.withUTF8(name) { name in
            withStorage { storage in
                var values: [String] = []
                for index in 0..<storage.count {
                    let entry = storage.entry(index)
                    if Self.name(of: entry, storage, equals: name) {
                        values.append(Iterator.string(storage.value(entry)))
                    }
                }
                return values
            }
        }
    }

    /// Calls `body` with the value bytes of every field called `name`, in order: for parsers that
    /// read a field's value without a String of it (`CacheControl`). Returns whether there was any.
    @discardableResult
    public func forEachValue(_ name: String, _ body: (UnsafeRawBufferPointer) -> Void) -> Bool {
        Self.withUTF8(name) { name in
            withStorage { storage in
                var found = false
                for index in 0..<storage.count {
                    let entry = storage.entry(index)
                    guard Self.name(of: entry, storage, equals: name) else { continue }
                    found = true
                    body(storage.value(entry))
                }
                return found
            }
        }
    }

    public func contains(_ name: String) -> Bool {
        Self.withUTF8(name) { name in
            withStorage { Self.firstIndex($0, named: name, from: 0) != nil }
        }
    }

    /// Comma-separated list elements across all lines of `name`, trimmed of OWS, lowercased,
    /// empties dropped (RFC 9110 §5.6.1: a recipient accepts empty elements and ignores them).
    ///
    /// For token lists such as `Connection`, `Transfer-Encoding` or `Vary`; quoted strings are
    /// not interpreted. `hasToken(_:_:)` answers "is this token listed?" without building strings.
    public func tokens(_ name: String) -> [String] {
        Self.withUTF8(name) { name in
            withStorage { storage in
                var tokens: [String] = []
                for index in 0..<storage.count {
                    let entry = storage.entry(index)
                    guard Self.name(of: entry, storage, equals: name) else { continue }
                    for element in Self.elements(of: entry, storage) where !element.isEmpty {
                        tokens.append(Self.lowercasedString(storage.bytes, element))
                    }
                }
                return tokens
            }
        }
    }

    /// Whether a line of `name` lists `token` as an element, ignoring ASCII case: what looking for
    /// the token in `tokens(name)` would answer (for a token without OWS or commas), without
    /// building an array or a string. `hasToken("Connection", "close")`.
    public func hasToken(_ name: String, _ token: String) -> Bool {
        Self.withUTF8(name) { name in
            Self.withUTF8(token) { token in
                withStorage { storage in
                    for index in 0..<storage.count {
                        let entry = storage.entry(index)
                        guard Self.name(of: entry, storage, equals: name) else { continue }
                        for element in Self.elements(of: entry, storage)
                        where ASCII.equalsIgnoringCase(UnsafeRawBufferPointer(rebasing: storage.bytes[element]), token)
                        {
                            return true
                        }
                    }
                    return false
                }
            }
        }
    }

    // MARK: - Changes

    /// Appends a field after all others.
    public mutating func add(_ name: String, _ value: String) {
        Self.withUTF8(name) { name in
            FieldText.withBytes(value) { value in
                reserve(entries: 1, bytes: name.count + value.count + 4)
                buffer.withStorage { $0.appendLine(name: name, value: value) }
            }
        }
    }

    /// Removes every field called `name`, then appends one with `value`.
    public mutating func set(_ name: String, _ value: String) {
        remove(name)
        add(name, value)
    }

    /// Removes every field called `name`. When none matches nothing is written, so a copy that
    /// shares its buffer with the parsed head goes on sharing it.
    public mutating func remove(_ name: String) {
        Self.withUTF8(name) { name in
            guard let first = withStorage({ Self.firstIndex($0, named: name, from: 0) }) else { return }
            reserve(entries: 0, bytes: 0)
            buffer.withStorage { storage in
                Self.removeEntries(storage, from: first) { Self.name(of: $0, storage, equals: name) }
            }
        }
    }

    /// Replaces every line of `name` by one line at the end holding their values and then
    /// `element`, separated by ", ": how a proxy extends `Via` or `X-Forwarded-For` (RFC 9110 §5.3
    /// allows combining a list field's lines in order).
    ///
    /// The same fields as `let old = values(name); remove(name); add(name, (old + [element])
    /// .joined(separator: ", "))`, without the strings and arrays in between.
    public mutating func appendListElement(_ name: String, _ element: String) {
        Self.withUTF8(name) { name in
            FieldText.withBytes(element) { element in
                var valueCount = element.count
                withStorage { storage in
                    for index in 0..<storage.count {
                        let entry = storage.entry(index)
                        if Self.name(of: entry, storage, equals: name) { valueCount += entry.valueCount + 2 }
                    }
                }
                reserve(entries: 1, bytes: name.count + valueCount + 4)
                buffer.withStorage { storage in
                    // The new line goes after the bytes in use, so the old values it copies stay put.
                    let lineStart = storage.counts.pointee.byteCount
                    var end = storage.write(name, at: lineStart)
                    let nameEnd = end
                    end = storage.write(ASCII.colon, ASCII.sp, at: end)
                    for index in 0..<storage.count {
                        let entry = storage.entry(index)
                        guard Self.name(of: entry, storage, equals: name) else { continue }
                        end = storage.write(storage.value(entry), at: end)
                        end = storage.write(ASCII.comma, ASCII.sp, at: end)
                    }
                    end = storage.write(element, at: end)
                    let valueEnd = end
                    end = storage.write(ASCII.cr, ASCII.lf, at: end)
                    Self.removeEntries(storage, from: 0) { Self.name(of: $0, storage, equals: name) }
                    storage.setEntry(
                        storage.count,
                        Entry(
                            nameStart: Int32(lineStart),
                            nameEnd: Int32(nameEnd),
                            valueStart: Int32(nameEnd + 2),
                            valueEnd: Int32(valueEnd)
                        )
                    )
                    storage.counts.pointee.entryCount += 1
                    storage.counts.pointee.byteCount = end
                }
            }
        }
    }

    // MARK: - Serialization

    /// Bytes `write(to:)` will write, so serializers allocate once.
    var serializedSize: Int {
        withStorage { storage in
            var size = 0
            for index in 0..<storage.count { size += storage.entry(index).lineCount }
            return size
        }
    }

    /// Writes `name: value\r\n` for every field, runs of lines that already read so as one copy.
    func write(to writer: inout ByteWriter) {
        withStorage { storage in
            var runs = LineRuns()
            for index in 0..<storage.count { runs.write(storage.entry(index), storage, to: &writer) }
            runs.finish(storage, to: &writer)
        }
    }

    // MARK: - Equality

    /// Same names and values, byte for byte, in the same order. (`HeaderField` compares Strings,
    /// which also equates canonically equivalent Unicode; on the wire those are different bytes.)
    public static func == (lhs: HTTPHeaders, rhs: HTTPHeaders) -> Bool {
        if lhs.buffer === rhs.buffer { return true }
        return lhs.withStorage { left in
            rhs.withStorage { right in
                guard left.count == right.count else { return false }
                for index in 0..<left.count {
                    let a = left.entry(index)
                    let b = right.entry(index)
                    guard left.name(a).elementsEqual(right.name(b)), left.value(a).elementsEqual(right.value(b))
                    else { return false }
                }
                return true
            }
        }
    }

    // MARK: - Private

    @inline(__always)
    func withStorage<R>(_ body: (Storage) -> R) -> R {
        buffer.withStorage(body)
    }

    @inline(__always)
    private static func withUTF8<R>(_ string: String, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        var string = string
        return string.withUTF8 { body(UnsafeRawBufferPointer($0)) }
    }

    /// Makes the buffer uniquely referenced, with room for `entries` more entries and `bytes`
    /// more bytes. A new buffer gets slack (and doubles when it grew for lack of room); when most
    /// of a big buffer belongs to removed fields, only the live lines are copied, so a field `set`
    /// again and again does not grow it without bound.
    private mutating func reserve(entries extraEntries: Int, bytes extraBytes: Int) {
        let counts = buffer.counts
        let entriesNeeded = counts.entryCount + extraEntries
        let bytesNeeded = counts.byteCount + extraBytes
        let entriesFit = entriesNeeded <= counts.entryCapacity
        let bytesFit = bytesNeeded <= counts.byteCapacity
        if entriesFit && bytesFit && isKnownUniquelyReferenced(&buffer) { return }

        let liveBytes = counts.byteCount >= 1024 ? serializedSize : counts.byteCount
        let compacting = liveBytes * 2 < counts.byteCount
        let keptBytes = compacting ? liveBytes : counts.byteCount
        precondition(keptBytes + extraBytes <= Self.maxStorageBytes, "HTTPHeaders over maxStorageBytes")
        let entryCapacity = Swift.max(
            entriesNeeded, counts.entryCount + Self.entrySlack, entriesFit ? 0 : 2 * counts.entryCapacity)
        // Room doubles when the bytes did not fit, measured from what is kept: after compacting,
        // from the live bytes rather than the old capacity.
        let grown = bytesFit ? 0 : 2 * (compacting ? keptBytes : counts.byteCapacity)
        let byteCapacity = Swift.min(
            Swift.max(keptBytes + extraBytes, keptBytes + Self.byteSlack, grown), Self.maxStorageBytes)
        let copy = HeaderBuffer.make(entryCapacity: entryCapacity, byteCapacity: byteCapacity)
        buffer.withStorage { old in
            copy.withStorage { new in
                if compacting {
                    for index in 0..<old.count {
                        let entry = old.entry(index)
                        new.appendLine(name: old.name(entry), value: old.value(entry))
                    }
                } else {
                    new.entries.copyMemory(from: old.entries, byteCount: old.count * HeaderBuffer.entryStride)
                    new.byteBase.copyMemory(from: old.byteBase, byteCount: old.counts.pointee.byteCount)
                    new.counts.pointee.entryCount = old.count
                    new.counts.pointee.byteCount = old.counts.pointee.byteCount
                }
            }
        }
        buffer = copy
    }

    /// Drops, in place and in order, the entries from `first` on that `isRemoved` picks.
    @inline(__always)
    private static func removeEntries(_ storage: Storage, from first: Int, where isRemoved: (Entry) -> Bool) {
        var kept = first
        for index in first..<storage.count {
            let entry = storage.entry(index)
            if isRemoved(entry) { continue }
            if kept != index { storage.setEntry(kept, entry) }
            kept += 1
        }
        storage.counts.pointee.entryCount = kept
    }

    private static func firstIndex(_ storage: Storage, named name: UnsafeRawBufferPointer, from start: Int) -> Int? {
        for index in start..<storage.count where Self.name(of: storage.entry(index), storage, equals: name) {
            return index
        }
        return nil
    }

    @inline(__always)
    static func name(of entry: Entry, _ storage: Storage, equals name: UnsafeRawBufferPointer) -> Bool {
        entry.nameCount == name.count && ASCII.equalsIgnoringCase(storage.name(entry), name)
    }

    /// The list elements of a value (RFC 9110 §5.6.1), as ranges of `storage.bytes`.
    @inline(__always)
    static func elements(of entry: Entry, _ storage: Storage) -> ListElements {
        ListElements(storage.bytes, Int(entry.valueStart)..<Int(entry.valueEnd))
    }

    enum HopByHopKind {
        case endToEnd
        case connection
        case other
    }

    /// RFC 9110 §7.6.1: `Connection` itself, the fields named by it (handled by the caller) and
    /// those that only ever describe one connection.
    static func hopByHopKind(name: UnsafeRawBufferPointer) -> HopByHopKind {
        switch name.count {
        case 2:
            return ASCII.equalsIgnoringCase(name, lowercase: "te") ? .other : .endToEnd
        case 7:
            return ASCII.equalsIgnoringCase(name, lowercase: "upgrade")
                || ASCII.equalsIgnoringCase(name, lowercase: "trailer") ? .other : .endToEnd
        case 10:
            if ASCII.equalsIgnoringCase(name, lowercase: "connection") { return .connection }
            return ASCII.equalsIgnoringCase(name, lowercase: "keep-alive") ? .other : .endToEnd
        case 16:
            return ASCII.equalsIgnoringCase(name, lowercase: "proxy-connection") ? .other : .endToEnd
        default:
            return ASCII.equalsIgnoringCase(name, lowercase: "transfer-encoding") ? .other : .endToEnd
        }
    }

    static func commaCount(_ entry: Entry, _ storage: Storage) -> Int {
        var commas = 0
        for byte in storage.value(entry) where byte == ASCII.comma { commas += 1 }
        return commas
    }

    /// `bytes[range]` with ASCII letters lowercased, as a String (U+FFFD for bytes that are not
    /// UTF-8, as `String(decoding:)` does).
    private static func lowercasedString(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> String {
        String(unsafeUninitializedCapacity: range.count) { buffer in
            for offset in 0..<range.count { buffer[offset] = ASCII.lowercased(bytes[range.lowerBound + offset]) }
            return range.count
        }
    }
}
