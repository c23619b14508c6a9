/// Writing the chunked transfer coding (RFC 9112 §7.1): the framing around payload the caller
/// moves itself, so the payload is never copied to be framed.
public enum ChunkedEncoding {
    /// The size line for a chunk of `size` bytes: lowercase hex and CRLF, e.g. `1a\r\n` for 26.
    /// The chunk's data and its closing CRLF follow. `size` must be positive: a zero size would
    /// end the body.
    public static func chunkHeader(_ size: Int) -> [UInt8] {
        precondition(size > 0, "a chunk of zero bytes is the last chunk")
        var header: [UInt8] = []
        header.reserveCapacity(18)
        var shift = (Int.bitWidth - size.leadingZeroBitCount - 1) / 4 * 4
        while shift >= 0 {
            let digit = UInt8((size >> shift) & 0xF)
            header.append(digit < 10 ? 0x30 + digit : 0x61 + digit - 10)
            shift -= 4
        }
        header.append(ASCII.cr)
        header.append(ASCII.lf)
        return header
    }

    /// The CRLF that closes each chunk's data.
    public static let chunkEnd: [UInt8] = [ASCII.cr, ASCII.lf]

    /// The last chunk with no trailers: `0\r\n\r\n`.
    public static let lastChunk: [UInt8] = Array("0\r\n\r\n".utf8)
}
