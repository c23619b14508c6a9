// Field values (and reason phrases) as Strings, without losing a byte.
//
// A field value may hold obs-text, bytes 0x80-0xFF that are opaque data (RFC 9110 §5.5), and are
// often not UTF-8 at all. Decoded as UTF-8, every such byte would become U+FFFD: two different
// values (`caf\xE9`, `caf\xE8`) would compare equal, so a cache would match one request's Vary
// values or ETag with another's, and a stored field would be served back altered. So values are
// decoded as ISO-8859-1 instead, one scalar per byte (what HTTP/1.1 historically meant by
// obs-text), and encoded back the same way: a value read from the wire and written out again is
// the same bytes, and two values compare equal exactly when their bytes do. ASCII, nearly every
// value, decodes and encodes the same under both.

/// The byte-for-byte mapping between field bytes and Strings.
public enum FieldText {
    /// `bytes` as a String, one Unicode scalar per byte (ISO-8859-1).
    public static func decode(_ bytes: UnsafeRawBufferPointer) -> String {
        guard !isASCII(bytes) else { return String(decoding: bytes, as: UTF8.self) }
        var scalars = String.UnicodeScalarView()
        for byte in bytes { scalars.append(Unicode.Scalar(byte)) }
        return String(scalars)
    }

    /// Calls `body` with the bytes `string` stands for in a field: one byte per scalar up to
    /// U+00FF, the inverse of `decode`. A scalar above U+00FF, which no decoded value holds, is
    /// written as its UTF-8.
    public static func withBytes<R>(_ string: String, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        var string = string
        let ascii: R? = string.withUTF8 { utf8 in
            let bytes = UnsafeRawBufferPointer(utf8)
            return isASCII(bytes) ? body(bytes) : nil
        }
        if let ascii { return ascii }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(string.utf8.count)
        for scalar in string.unicodeScalars {
            if scalar.value < 0x100 {
                bytes.append(UInt8(scalar.value))
            } else {
                bytes.append(contentsOf: String(scalar).utf8)
            }
        }
        return bytes.withUnsafeBytes(body)
    }

    /// How many bytes `withBytes` passes for `string`.
    public static func byteCount(_ string: String) -> Int {
        withBytes(string) { $0.count }
    }

    @inline(__always)
    private static func isASCII(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var index = 0
        if let base = bytes.baseAddress {
            while index + 8 <= bytes.count {
                if base.loadUnaligned(fromByteOffset: index, as: UInt64.self) & 0x8080_8080_8080_8080 != 0 {
                    return false
                }
                index += 8
            }
        }
        while index < bytes.count {
            if bytes[index] >= 0x80 { return false }
            index += 1
        }
        return true
    }
}
