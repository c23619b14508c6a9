/// Fills memory whose size was counted (or bounded) beforehand, so a serialized head is one
/// allocation and each name and value one copy. The server points it at space reserved in an
/// output buffer, so a forwarded head is written where it will be sent from.
///
/// Every write checks that it fits: a miscounted size traps instead of writing past the end.
public struct ByteWriter {
    private let buffer: UnsafeMutableRawBufferPointer
    /// Bytes written so far.
    public private(set) var count = 0

    init(_ buffer: UnsafeMutableBufferPointer<UInt8>) {
        self.buffer = UnsafeMutableRawBufferPointer(buffer)
    }

    public init(_ buffer: UnsafeMutableRawBufferPointer) {
        self.buffer = buffer
    }

    /// The bytes written so far.
    public var written: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: buffer[0..<count])
    }

    /// A copy of the bytes written, which must be all `size` of them.
    ///
    /// Serializers write into scratch memory (`withUnsafeTemporaryAllocation`, on the stack for a
    /// head of usual size) and copy it into the array in one go: `Array(unsafeUninitializedCapacity:)`
    /// and `Array(repeating:count:)` allocate through an unspecialized path that looks the storage
    /// type up at run time, which costs more than that copy (about 850 instructions against 500
    /// for 300 bytes, callgrind).
    func bytes(expecting size: Int) -> [UInt8] {
        precondition(count == size && count == buffer.count, "ByteWriter: \(count) bytes written, \(size) counted")
        return Array(UnsafeRawBufferPointer(buffer))
    }

    @inline(__always)
    public mutating func write(_ byte: UInt8) {
        precondition(count < buffer.count, "ByteWriter overflow")
        buffer[count] = byte
        count += 1
    }

    @inline(__always)
    public mutating func write(_ first: UInt8, _ second: UInt8) {
        precondition(count + 2 <= buffer.count, "ByteWriter overflow")
        buffer[count] = first
        buffer[count + 1] = second
        count += 2
    }

    @inline(__always)
    public mutating func write(_ bytes: UnsafeRawBufferPointer) {
        precondition(bytes.count <= buffer.count - count, "ByteWriter overflow")
        if let source = bytes.baseAddress, let target = buffer.baseAddress {
            (target + count).copyMemory(from: source, byteCount: bytes.count)
        }
        count += bytes.count
    }

    /// Reads the string's bytes where they are (a `var` copy for `withUTF8` would retain it).
    @inline(__always)
    public mutating func write(string: String) {
        let written: Void? = string.utf8.withContiguousStorageIfAvailable { write(UnsafeRawBufferPointer($0)) }
        if written == nil {
            var copy = string
            copy.withUTF8 { write(UnsafeRawBufferPointer($0)) }
        }
    }

    @inline(__always)
    public mutating func write(_ string: StaticString) {
        write(UnsafeRawBufferPointer(start: string.utf8Start, count: string.utf8CodeUnitCount))
    }

    /// Writes `value` in decimal ASCII, `-` first when negative.
    public mutating func write(decimal value: Int) {
        let magnitude = value.magnitude
        if value < 0 { write(UInt8(ascii: "-")) }
        var digits = 1
        var rest = magnitude / 10
        while rest > 0 {
            digits += 1
            rest /= 10
        }
        precondition(digits <= buffer.count - count, "ByteWriter overflow")
        rest = magnitude
        for offset in stride(from: count + digits - 1, through: count, by: -1) {
            buffer[offset] = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
        }
        count += digits
    }

    /// The most bytes `write(decimal:)` writes.
    public static let decimalBound = 20
}
