import PorticoCache
import PorticoHTTP

extension EventBuffer {
    /// Decodes chunked framing from the front of this buffer, as far as it goes. Each run of
    /// payload is first shown to `payload` while it is still the first `count` bytes here (so the
    /// cache can copy it), then moved to `destination` (re-chunked when `rechunk`), or dropped
    /// when there is no destination. Returns true once the last chunk and trailers are consumed.
    func decodeChunks(
        _ decoder: inout ChunkedDecoder,
        into destination: EventBuffer?,
        rechunk: Bool,
        payload: (Int) -> Void
    ) throws(HTTPParseError) -> Bool {
        while !isEmpty {
            let (consumed, event) = try withFirstSegment { bytes throws(HTTPParseError) in try decoder.next(bytes) }
            switch event {
            case .needMore:
                drain(consumed)
            case .data(let range) where range.isEmpty:
                drain(consumed)
            case .data(let range):
                drain(range.lowerBound)
                payload(range.count)
                if let destination {
                    if rechunk { destination.append(ChunkedEncoding.chunkHeader(range.count)) }
                    move(range.count, to: destination)
                    if rechunk { destination.append("\r\n") }
                } else {
                    drain(range.count)
                }
            case .end:
                drain(consumed)
                if rechunk { destination?.append(ChunkedEncoding.lastChunk) }
                return true
            }
        }
        return false
    }

    /// Copies the first `count` bytes into `fill` (nothing when it is nil or gave up).
    func copy(_ count: Int, into fill: CacheFill?) {
        guard let fill, fill.isActive, count > 0 else { return }
        forEachSegment(upTo: count) { fill.append($0) }
    }
}
