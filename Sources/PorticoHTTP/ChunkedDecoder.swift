// The chunked transfer coding (RFC 9112 §7.1), decoded strictly and without copying payload.
//
//   chunked-body = *chunk last-chunk trailer-section CRLF
//   chunk        = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
//   chunk-size   = 1*HEXDIG
//   chunk-ext    = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
//
// Payload is reported as a range of the caller's bytes, so it can be moved on without a copy.
// Everything else (a size line cut in two, the CRLF after data, trailer lines) is kept in this
// value, so a `.needMore` always consumes all it was given.
//
// Where parsers have disagreed and let requests be smuggled, this one refuses: a size over
// 16 hex digits or Int64, anything but CRLF after chunk data, a bare LF or CR anywhere (also
// inside extensions), control bytes in extensions, whitespace after the size not followed by
// ";". Extensions are otherwise skipped, up to 4 KiB per chunk line.

/// One step of decoding a chunked body.
public enum ChunkEvent: Sendable, Equatable {
    /// All bytes given were framing or partial framing; feed the next ones.
    case needMore
    /// `bytes[range]` is payload. Everything before `range.upperBound` is consumed.
    case data(Range<Int>)
    /// The body ended (after the last chunk and the trailer section).
    case end(trailers: HTTPHeaders)
}

/// An incremental decoder for one chunked body.
public struct ChunkedDecoder: Sendable {
    /// Bytes allowed on one chunk line after the size: extensions (and the BWS around them).
    static let maxExtensionBytes = 4096

    private enum State: Sendable {
        case size
        case sizeWhitespace
        case extensions
        case sizeLF
        case data
        case dataCR
        case dataLF
        case trailerStart
        case trailerEndLF
        case trailerFields
    }

    private let maxTrailerBytes: Int
    private var state = State.size
    private var size: Int64 = 0
    private var digits = 0
    private var extensionBytes = 0
    private var remaining: Int64 = 0
    private var trailerScanner: HeadScanner
    private var trailerBytes: [UInt8] = []

    /// - Parameter maxTrailerBytes: the most bytes of trailer field lines accepted (431 above).
    public init(maxTrailerBytes: Int = 32768) {
        self.maxTrailerBytes = min(max(0, maxTrailerBytes), Int.max / 2)
        trailerScanner = HeadScanner(fieldBytesLimit: self.maxTrailerBytes, fieldCountLimit: Int.max)
    }

    /// Feeds bytes of a chunked body and returns how many were consumed and one event.
    ///
    /// - `.data(r)`: `bytes[r]` is payload and `consumed == r.upperBound` (framing before it was
    ///   consumed too). Call again with the bytes after it.
    /// - `.needMore`: `consumed == bytes.count`; the caller drops everything and feeds the next
    ///   segment.
    /// - `.end`: `consumed` runs up to and including the final CRLF; bytes after it belong to the
    ///   next message. The decoder is then ready for a new body.
    public mutating func next(_ bytes: UnsafeRawBufferPointer) throws(HTTPParseError) -> (
        consumed: Int, event: ChunkEvent
    ) {
        let end = bytes.count
        var i = 0
        while i < end {
            let byte = bytes[i]
            switch state {
            case .size:
                if let value = ASCII.hexValue(byte) {
                    digits += 1
                    guard digits <= 16, size <= (Int64.max - Int64(value)) >> 4 else { throw .chunkSizeOverflow }
                    size = size << 4 | Int64(value)
                    i += 1
                    continue
                }
                guard digits > 0 else { throw .badChunk }
                try endOfSize(byte)
                i += 1

            case .sizeWhitespace:
                // BWS is allowed only before ";" (RFC 9112 §7.1.1).
                if ASCII.isWhitespace(byte) {
                    try countExtensionByte()
                } else if byte == ASCII.semicolon {
                    try countExtensionByte()
                    state = .extensions
                } else {
                    throw .badChunk
                }
                i += 1

            case .extensions:
                if byte == ASCII.cr {
                    state = .sizeLF
                } else if byte == ASCII.lf {
                    throw .bareLF
                } else if ASCII.isFieldValueByte(byte) {
                    try countExtensionByte()
                } else {
                    throw .badChunk
                }
                i += 1

            case .sizeLF:
                guard byte == ASCII.lf else { throw .bareCR }
                i += 1
                if size == 0 {
                    state = .trailerStart
                } else {
                    remaining = size
                    state = .data
                }
                size = 0
                digits = 0
                extensionBytes = 0

            case .data:
                let available = Int64(end - i)
                let take = Int(min(available, remaining))
                remaining -= Int64(take)
                if remaining == 0 { state = .dataCR }
                return (i + take, .data(i..<i + take))

            case .dataCR:
                guard byte == ASCII.cr else { throw .missingChunkCRLF }
                state = .dataLF
                i += 1

            case .dataLF:
                guard byte == ASCII.lf else { throw .missingChunkCRLF }
                state = .size
                i += 1

            case .trailerStart:
                // The common end, "0\r\n\r\n", needs no trailer buffer.
                if byte == ASCII.cr {
                    state = .trailerEndLF
                    i += 1
                } else {
                    state = .trailerFields
                }

            case .trailerEndLF:
                guard byte == ASCII.lf else { throw .bareCR }
                self = ChunkedDecoder(maxTrailerBytes: maxTrailerBytes)
                return (i + 1, .end(trailers: HTTPHeaders()))

            case .trailerFields:
                return try scanTrailers(bytes, from: i)
            }
        }
        return (end, .needMore)
    }

    /// The byte after the hex digits of a chunk-size.
    private mutating func endOfSize(_ byte: UInt8) throws(HTTPParseError) {
        if byte == ASCII.cr {
            state = .sizeLF
        } else if byte == ASCII.semicolon {
            try countExtensionByte()
            state = .extensions
        } else if ASCII.isWhitespace(byte) {
            try countExtensionByte()
            state = .sizeWhitespace
        } else if byte == ASCII.lf {
            throw .bareLF
        } else {
            throw .badChunk
        }
    }

    private mutating func countExtensionByte() throws(HTTPParseError) {
        extensionBytes += 1
        if extensionBytes > Self.maxExtensionBytes { throw .chunkExtensionTooLong }
    }

    /// Buffers trailer lines (bounded by `maxTrailerBytes` plus the final CRLF) and scans them with
    /// the same rules as header fields.
    private mutating func scanTrailers(
        _ bytes: UnsafeRawBufferPointer,
        from start: Int
    ) throws(HTTPParseError) -> (consumed: Int, event: ChunkEvent) {
        let buffered = trailerBytes.count
        let room = maxTrailerBytes + 2 - buffered
        let take = min(room, bytes.count - start)
        trailerBytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[start..<start + take]))
        // Moved out and back so the scanner's field list stays uniquely referenced (no copy).
        var scanner = trailerScanner
        trailerScanner = HeadScanner(fieldBytesLimit: 0, fieldCountLimit: 0)
        let scanned = trailerBytes.withUnsafeBytes { buffer in
            Result { () throws(HTTPParseError) in try scanner.scan(buffer) }
        }
        trailerScanner = scanner
        let step: HeadScanner.Step
        switch scanned {
        case .success(let success): step = success
        case .failure(.headersTooLarge), .failure(.tooManyHeaders): throw .trailersTooLarge
        case .failure(let error): throw error
        }
        switch step {
        case .end(let consumed):
            let trailers = trailerBytes.withUnsafeBytes { scanner.headers($0) }
            self = ChunkedDecoder(maxTrailerBytes: maxTrailerBytes)
            return (start + consumed - buffered, .end(trailers: trailers))
        case .needMore, .startLine:
            guard trailerBytes.count < maxTrailerBytes + 2 else { throw .trailersTooLarge }
            return (bytes.count, .needMore)
        }
    }
}
