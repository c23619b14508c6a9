// The field-line machinery shared by request heads, response heads and chunked trailers.
//
// A head arrives in pieces. The caller hands over the whole unconsumed input each time, and that
// input only grows at the end until a head is returned, so every offset found so far stays valid.
// The scanner therefore keeps its place (`position`, the phase of the line it is in, the fields it
// has already delimited) and each call looks only at the new bytes: a head dripped byte by byte
// costs O(n) in total. Fields are kept as offsets; when the head is complete, `HTTPHeaders` copies
// the field section once and keeps offsets into it.
//
// The grammar is RFC 9112 §2.2 and §5, applied strictly, because a proxy that is more lenient
// than the server behind it is how requests get smuggled:
// - every line ends in CRLF; a bare LF or a CR without LF is an error, never a line end;
// - a field name is 1*tchar immediately followed by ":" (whitespace before the colon is a 400,
//   §5.1); a line that starts with SP or HTAB is obs-fold (§5.2) and is refused;
// - a field value is VCHAR / obs-text / SP / HTAB; NUL, DEL and other controls are refused;
// - limits apply while bytes arrive, so a peer that never sends the CRLF is stopped at the limit
//   rather than buffered.

/// One field line found by `HeadScanner`, as offsets into the scanned bytes. The value is
/// already trimmed of the OWS around it (RFC 9112 §5.1).
struct FieldLine: Sendable {
    var nameStart: Int
    var nameEnd: Int
    var valueStart: Int
    var valueEnd: Int
}

/// Finds the start-line and field lines of a head incrementally, validating each byte once.
struct HeadScanner: Sendable {
    enum Step {
        /// The input ends inside the head.
        case needMore
        /// The start-line (without CRLF) is complete. The caller parses it and calls `scan` again.
        case startLine(Range<Int>)
        /// The empty line that ends the head was found; the head is `consumed` bytes long.
        case end(consumed: Int)
    }

    private enum Phase: Sendable {
        case startLine
        case leadingEmptyLineLF
        case startLineLF
        case lineStart
        case name
        case value
        case valueLF
        case finalLF
        case done
    }

    private let startLineLimit: Int
    private let startLineTooLong: HTTPParseError
    private let allowsLeadingEmptyLines: Bool
    private let fieldBytesLimit: Int
    private let fieldCountLimit: Int
    private let initialPhase: Phase

    private var phase: Phase
    /// Offset of the next byte to examine.
    private var position = 0
    /// Offset where the current line began.
    private var lineStart = 0
    private var startLineEnd = 0
    /// The first offset no field-line byte may occupy: where the field lines began plus the limit.
    private var fieldLimitEnd: Int
    private var colon = 0
    private var cr = 0
    /// The field lines found so far, in order.
    private(set) var fields: [FieldLine] = []

    /// Where the start line begins, while it is still incomplete; nil once it is whole (or while
    /// leading empty lines are being skipped).
    var incompleteStartLine: Int? { phase == .startLine ? lineStart : nil }

    /// A scanner for a head with a start-line.
    ///
    /// - Parameters:
    ///   - startLineTooLong: the error for a start-line over `startLineLimit` (414 for requests).
    ///   - allowsLeadingEmptyLines: RFC 9112 §2.2: a server ignores at least one empty line before
    ///     the request-line. Their total is bounded by `startLineLimit` too.
    init(
        startLineLimit: Int,
        startLineTooLong: HTTPParseError,
        allowsLeadingEmptyLines: Bool,
        fieldBytesLimit: Int,
        fieldCountLimit: Int
    ) {
        self.startLineLimit = max(0, startLineLimit)
        self.startLineTooLong = startLineTooLong
        self.allowsLeadingEmptyLines = allowsLeadingEmptyLines
        self.fieldBytesLimit = Self.clampedFieldBytes(fieldBytesLimit)
        self.fieldCountLimit = max(0, fieldCountLimit)
        initialPhase = .startLine
        phase = .startLine
        fieldLimitEnd = Int.max
    }

    /// A scanner for field lines only, ended by an empty line: the trailer section of a chunked
    /// body (RFC 9112 §7.1.2).
    init(fieldBytesLimit: Int, fieldCountLimit: Int) {
        startLineLimit = 0
        startLineTooLong = .badRequestLine
        allowsLeadingEmptyLines = false
        self.fieldBytesLimit = Self.clampedFieldBytes(fieldBytesLimit)
        self.fieldCountLimit = max(0, fieldCountLimit)
        initialPhase = .lineStart
        phase = .lineStart
        fieldLimitEnd = self.fieldBytesLimit
    }

    /// Forgets everything, for the next message.
    mutating func reset() {
        phase = initialPhase
        position = 0
        lineStart = 0
        startLineEnd = 0
        fieldLimitEnd = initialPhase == .lineStart ? fieldBytesLimit : Int.max
        fields.removeAll(keepingCapacity: true)
    }

    /// Scans from where the last call stopped. `bytes` must begin with the bytes of every earlier
    /// call since `reset()`.
    mutating func scan(_ bytes: UnsafeRawBufferPointer) throws(HTTPParseError) -> Step {
        let end = bytes.count
        var i = position
        defer { position = i }
        while i < end {
            switch phase {
            case .startLine:
                // Control bytes other than CR and LF are left to the start-line parser.
                let limitEnd = Self.offset(lineStart, plus: startLineLimit)
                i = Self.skipWords(bytes, from: i, to: min(end, limitEnd), flagging: Self.lineEndCandidates)
                while i < end {
                    let byte = bytes[i]
                    if byte == ASCII.cr || byte == ASCII.lf { break }
                    if i >= limitEnd { throw startLineTooLong }
                    i += 1
                }
                if i == end { return .needMore }
                if bytes[i] == ASCII.lf { throw .bareLF }
                phase = i == lineStart && allowsLeadingEmptyLines ? .leadingEmptyLineLF : .startLineLF
                startLineEnd = i
                i += 1

            case .leadingEmptyLineLF:
                guard bytes[i] == ASCII.lf else { throw .bareCR }
                i += 1
                guard i <= startLineLimit else { throw .tooManyEmptyLines }
                lineStart = i
                phase = .startLine

            case .startLineLF:
                guard bytes[i] == ASCII.lf else { throw .bareCR }
                i += 1
                fieldLimitEnd = Self.offset(i, plus: fieldBytesLimit)
                phase = .lineStart
                return .startLine(lineStart..<startLineEnd)

            case .lineStart:
                // The common path runs one field line through `.name`, `.value` and `.valueLF`
                // by falling through, so a line costs one dispatch, not four.
                let byte = bytes[i]
                if byte == ASCII.cr {
                    phase = .finalLF
                    i += 1
                    continue
                }
                guard ASCII.isTchar(byte) else {
                    if byte == ASCII.lf { throw .bareLF }
                    if ASCII.isWhitespace(byte) { throw .obsFold }
                    throw .badHeaderName
                }
                guard fields.count < fieldCountLimit else { throw .tooManyHeaders }
                guard i < fieldLimitEnd else { throw .headersTooLarge }
                lineStart = i
                phase = .name
                i += 1
                fallthrough

            case .name:
                let stop = min(end, fieldLimitEnd)
                i = Self.skipWords(bytes, from: i, to: stop, flagging: Self.uncommonNameBytes)
                while i < stop && ASCII.isTchar(bytes[i]) { i += 1 }
                if i == end { return .needMore }
                if i == stop { throw .headersTooLarge }
                let byte = bytes[i]
                guard byte == ASCII.colon else {
                    if ASCII.isWhitespace(byte) { throw .whitespaceBeforeColon }
                    if byte == ASCII.cr || byte == ASCII.lf { throw .missingColon }
                    throw .badHeaderName
                }
                colon = i
                phase = .value
                i += 1
                fallthrough

            case .value:
                let stop = min(end, fieldLimitEnd)
                i = Self.skipFieldValueBytes(bytes, from: i, to: stop)
                if i == end { return .needMore }
                if i == stop { throw .headersTooLarge }
                let byte = bytes[i]
                guard byte == ASCII.cr else {
                    if byte == ASCII.lf { throw .bareLF }
                    throw .badHeaderValue
                }
                cr = i
                phase = .valueLF
                i += 1
                fallthrough

            case .valueLF:
                if i == end { return .needMore }
                guard i < fieldLimitEnd else { throw .headersTooLarge }
                guard bytes[i] == ASCII.lf else { throw .bareCR }
                var valueStart = colon + 1
                var valueEnd = cr
                while valueStart < valueEnd && ASCII.isWhitespace(bytes[valueStart]) { valueStart += 1 }
                while valueEnd > valueStart && ASCII.isWhitespace(bytes[valueEnd - 1]) { valueEnd -= 1 }
                // Room for a typical head at the first field: a parser that never sees one (a
                // connection's response parser, when the cache answers everything) allocates none.
                if fields.capacity == 0 { fields.reserveCapacity(16) }
                fields.append(
                    FieldLine(nameStart: lineStart, nameEnd: colon, valueStart: valueStart, valueEnd: valueEnd)
                )
                phase = .lineStart
                i += 1

            case .finalLF:
                guard bytes[i] == ASCII.lf else { throw .bareCR }
                i += 1
                phase = .done
                return .end(consumed: i)

            case .done:
                return .end(consumed: i)
            }
        }
        return phase == .done ? .end(consumed: i) : .needMore
    }

    /// The fields found, copied out of `bytes` once; no string is built for them.
    func headers(_ bytes: UnsafeRawBufferPointer) -> HTTPHeaders {
        HTTPHeaders(bytes, fieldLines: fields)
    }

    // MARK: - A word at a time
    //
    // Names, values and start-lines are scanned eight bytes at a time while every byte is one
    // that needs no further look, then byte by byte from the first byte that does. Each
    // `flagging` function sets bit 7 of every byte of a little-endian word that the byte loop must
    // see. They use the bit tricks of Hacker's Delight §6-1, which can also flag a byte *after* a
    // truly flagged one (a borrow), never before it: so the lowest flag is exact, and the byte
    // loop takes over there.

    /// The first offset in `start..<stop` at or after which `flagging` flags a byte, or the
    /// offset where fewer than eight bytes remain. The caller's byte loop goes on from there.
    @inline(__always)
    static func skipWords(
        _ bytes: UnsafeRawBufferPointer,
        from start: Int,
        to stop: Int,
        flagging flags: (UInt64) -> UInt64
    ) -> Int {
        guard let base = bytes.baseAddress else { return start }
        var i = start
        while i + 8 <= stop {
            let flagged = flags(UInt64(littleEndian: base.loadUnaligned(fromByteOffset: i, as: UInt64.self)))
            if flagged != 0 { return i + flagged.trailingZeroBitCount >> 3 }
            i += 8
        }
        return i
    }

    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highs: UInt64 = 0x8080_8080_8080_8080

    /// Bytes below `limit` (at most 0x80).
    @inline(__always)
    private static func below(_ limit: UInt64, _ word: UInt64) -> UInt64 {
        (word &- ones &* limit) & ~word & highs
    }

    /// Bytes equal to `byte`.
    @inline(__always)
    private static func equal(_ byte: UInt64, _ word: UInt64) -> UInt64 {
        below(1, word ^ (ones &* byte))
    }

    /// CR, LF and the other bytes below 0x0E: where a start-line may end.
    @inline(__always)
    static func lineEndCandidates(_ word: UInt64) -> UInt64 {
        below(0x0E, word)
    }

    /// Bytes that are not a letter, digit or "-", of which nearly every field name is made; the
    /// other tchars, the colon and everything else go to the byte loop. Exact for every byte:
    /// the sums below stay within their byte once bit 7 is cleared.
    @inline(__always)
    static func uncommonNameBytes(_ word: UInt64) -> UInt64 {
        let ascii = word & ~highs
        let lower = ascii | (ones &* 0x20)
        let letter = (lower &+ ones &* (0x80 - 0x61)) & ~(lower &+ ones &* (0x80 - 0x7B))
        let digit = (ascii &+ ones &* (0x80 - 0x30)) & ~(ascii &+ ones &* (0x80 - 0x3A))
        let notDash = (ascii ^ (ones &* 0x2D)) &+ ones &* 0x7F
        return (~(letter | digit | ~notDash) | word) & highs
    }

    /// Bytes a field value may not hold (RFC 9110 §5.5) plus HTAB: those below 0x20, and DEL.
    /// CR ends the line.
    @inline(__always)
    static func fieldValueStops(_ word: UInt64) -> UInt64 {
        below(0x20, word) | equal(0x7F, word)
    }

    /// Bytes that end or may not appear in a request-target (RFC 9112 §3.2): SP and other bytes
    /// up to 0x20, DEL and above, and "#".
    @inline(__always)
    static func targetStops(_ word: UInt64) -> UInt64 {
        below(0x21, word) | (((word & ~highs) &+ ones) | word) & highs | equal(0x23, word)
    }

    /// The first offset in `start..<stop` whose byte may not appear in a field value (CR ends the
    /// line), or `stop`. Values are most of a head's bytes, so whole words are tested first.
    @inline(__always)
    static func skipFieldValueBytes(_ bytes: UnsafeRawBufferPointer, from start: Int, to stop: Int) -> Int {
        var i = skipWords(bytes, from: start, to: stop, flagging: fieldValueStops)
        while i < stop && ASCII.isFieldValueByte(bytes[i]) { i += 1 }
        return i
    }

    /// Decodes `range` of `bytes`, which the caller checked to be ASCII (a method, target or
    /// host); field values go through `FieldText` instead.
    @inline(__always)
    static func string(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> String {
        String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }

    /// A field-section limit the headers can hold: `HTTPHeaders` keeps 32-bit offsets, so a
    /// configured limit over 2 GiB acts as 2 GiB (431 above it).
    private static func clampedFieldBytes(_ limit: Int) -> Int {
        min(max(0, limit), HTTPHeaders.maxStorageBytes)
    }

    /// `base + count`, saturating instead of trapping for limits near `Int.max`.
    private static func offset(_ base: Int, plus count: Int) -> Int {
        let (sum, overflow) = base.addingReportingOverflow(count)
        return overflow ? Int.max : sum
    }
}
