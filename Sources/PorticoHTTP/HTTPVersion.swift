/// The protocol version of a message, `HTTP-version = "HTTP" "/" DIGIT "." DIGIT` (RFC 9112 §2.3).
///
/// Only major version 1 is spoken here. A request that announces 1.2 or later minor versions is
/// parsed as 1.1 (RFC 9110 §2.5: a recipient treats a higher minor version as the highest one it
/// knows), so code that compares against `.http10` and `.http11` sees every case.
public struct HTTPVersion: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var major: Int
    public var minor: Int

    public init(major: Int, minor: Int) {
        self.major = major
        self.minor = minor
    }

    public static let http10 = HTTPVersion(major: 1, minor: 0)
    public static let http11 = HTTPVersion(major: 1, minor: 1)

    /// As on the wire: `HTTP/1.1`.
    public var description: String { "HTTP/\(major).\(minor)" }

    /// Reads `HTTP/DIGIT.DIGIT` (case-sensitive, RFC 9112 §2.3) from `range`, or nil.
    init?(parsing bytes: UnsafeRawBufferPointer, _ range: Range<Int>) {
        guard range.count == 8 else { return nil }
        let b = UnsafeRawBufferPointer(rebasing: bytes[range])
        guard b[0] == UInt8(ascii: "H"), b[1] == UInt8(ascii: "T"), b[2] == UInt8(ascii: "T"),
            b[3] == UInt8(ascii: "P"), b[4] == UInt8(ascii: "/"), ASCII.isDigit(b[5]),
            b[6] == UInt8(ascii: "."), ASCII.isDigit(b[7])
        else { return nil }
        self.init(major: Int(b[5] &- 0x30), minor: Int(b[7] &- 0x30))
    }

    /// Bytes of the wire form: 8 for the versions in use.
    var wireCount: Int {
        (0...9).contains(major) && (0...9).contains(minor) ? 8 : description.utf8.count
    }

    /// Writes the wire form, without the string interpolation for the two versions in use.
    func write(to writer: inout ByteWriter) {
        if (0...9).contains(major) && (0...9).contains(minor) {
            writer.write(UInt8(ascii: "H"), UInt8(ascii: "T"))
            writer.write(UInt8(ascii: "T"), UInt8(ascii: "P"))
            writer.write(UInt8(ascii: "/"), 0x30 + UInt8(major))
            writer.write(UInt8(ascii: "."), 0x30 + UInt8(minor))
        } else {
            writer.write(string: description)
        }
    }
}
