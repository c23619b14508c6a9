/// Byte helpers for bodies: deterministic test data, a checksum for comparing large bodies without
/// dumping them into a failure message, and chunked encoding for request bodies.
enum Bytes {
    /// `count` pseudo-random bytes, the same for the same `seed` (xorshift64).
    static func pattern(count: Int, seed: UInt64 = 0x9E37_79B9_7F4A_7C15) -> [UInt8] {
        var state = seed == 0 ? 1 : seed
        var result = [UInt8](repeating: 0, count: count)
        for index in 0..<count {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            result[index] = UInt8(truncatingIfNeeded: state)
        }
        return result
    }

    /// A digest for equality checks: length and FNV-1a 64, e.g. `1048576:9a3f…`.
    static func digest(_ bytes: [UInt8]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return "\(bytes.count):" + String(hash, radix: 16)
    }

    /// `body` as a chunked message body with chunks of `chunkSize` bytes and the last chunk.
    static func chunked(_ body: [UInt8], chunkSize: Int) -> [UInt8] {
        var result: [UInt8] = []
        var offset = 0
        while offset < body.count {
            let size = min(chunkSize, body.count - offset)
            result += Array(String(size, radix: 16).utf8) + [13, 10]
            result += body[offset..<offset + size]
            result += [13, 10]
            offset += size
        }
        return result + Array("0\r\n\r\n".utf8)
    }

    /// The first bytes as escaped text, for failure messages.
    static func preview(_ bytes: [UInt8], limit: Int = 600) -> String {
        var text = ""
        for byte in bytes.prefix(limit) {
            switch byte {
            case 13: text += "\\r"
            case 10: text += "\\n"
            case 32..<127: text.unicodeScalars.append(Unicode.Scalar(byte))
            default: text += "\\x" + (byte < 16 ? "0" : "") + String(byte, radix: 16)
            }
        }
        let more = bytes.count > limit ? "… (\(bytes.count) bytes)" : ""
        return "\"\(text)\"\(more)"
    }
}
