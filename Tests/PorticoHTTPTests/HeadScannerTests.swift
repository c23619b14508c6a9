import PorticoHTTP
import Testing

// The scanner tests names, values and request-targets eight bytes at a time before it falls back
// to one byte at a time. These tests put every byte value at every offset of a 20-byte name,
// value and target (so at every position within a word, and across word boundaries) and check
// that the parser accepts exactly the bytes the grammar allows, and reads them back unchanged.

@Suite struct HeadScannerTests {
    /// RFC 9110 §5.6.2 tchar, written out independently of the parser's masks.
    private static let tchars = Set(Array("!#$%&'*+-.^_`|~0123456789".utf8) + (0x41...0x5A) + (0x61...0x7A))

    private func request(target: [UInt8] = bytes("/"), name: [UInt8] = bytes("X-Name"), value: [UInt8] = bytes("v"))
        -> [UInt8]
    {
        bytes("GET ") + target + bytes(" HTTP/1.1\r\nHost: example.com\r\n") + name + bytes(": ") + value
            + bytes("\r\n\r\n")
    }

    private func replacing(_ base: String, at offset: Int, with byte: UInt8) -> [UInt8] {
        var bytes = Array(base.utf8)
        bytes[offset] = byte
        return bytes
    }

    @Test func everyNameByteAtEveryOffset() throws {
        let base = "Abcdefghij-Klmnopq09"
        for offset in 0..<base.utf8.count {
            for byte in UInt8.min...UInt8.max {
                let name = replacing(base, at: offset, with: byte)
                let outcome = parseRequest(request(name: name))
                if Self.tchars.contains(byte) {
                    let head = try #require(outcome.get().head, "byte \(byte) at \(offset)")
                    #expect(
                        head.headers.fields.last == HeaderField(name: String(decoding: name, as: UTF8.self), value: "v")
                    )
                } else if byte == UInt8(ascii: ":") && offset > 0 {
                    // The name ends early, and the rest of the line is the value.
                    let head = try #require(outcome.get().head, "colon at \(offset)")
                    let field = HeaderField(
                        name: String(decoding: name[..<offset], as: UTF8.self),
                        value: String(decoding: name[(offset + 1)...], as: UTF8.self) + ": v")
                    #expect(head.headers.fields.last == field)
                } else {
                    #expect(outcome.failure != nil, "byte \(byte) at \(offset) must be refused")
                }
            }
        }
    }

    @Test func everyValueByteAtEveryOffset() throws {
        let base = "a0123456789abcdefghz"
        // The first and last byte stay visible, so OWS trimming does not come into it.
        for offset in 1..<(base.utf8.count - 1) {
            for byte in UInt8.min...UInt8.max {
                let value = replacing(base, at: offset, with: byte)
                let input = request(value: value)
                let outcome = parseRequest(input)
                if byte == 0x09 || (byte >= 0x20 && byte != 0x7F) {
                    let head = try #require(outcome.get().head, "byte \(byte) at \(offset)")
                    #expect(head.headers["X-Name"] == value.withUnsafeBytes { FieldText.decode($0) })
                    #expect(head.serialized() == input, "byte \(byte) at \(offset) must be forwarded as is")
                } else {
                    #expect(outcome.failure != nil, "byte \(byte) at \(offset) must be refused")
                }
            }
        }
    }

    @Test func everyTargetByteAtEveryOffset() throws {
        let base = "/abcdefghijklmnopqrs"
        for offset in 1..<base.utf8.count {
            for byte in UInt8.min...UInt8.max {
                let target = replacing(base, at: offset, with: byte)
                let outcome = parseRequest(request(target: target))
                if byte > 0x20 && byte < 0x7F && byte != UInt8(ascii: "#") {
                    let head = try #require(outcome.get().head, "byte \(byte) at \(offset)")
                    #expect(head.target == String(decoding: target, as: UTF8.self))
                } else {
                    #expect(outcome.failure != nil, "byte \(byte) at \(offset) must be refused")
                }
            }
        }
    }
}
