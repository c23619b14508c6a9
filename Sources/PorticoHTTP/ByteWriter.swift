/// Fills memory whose size was counted beforehand, so a serialized head is one allocation and
/// each name and value one copy.
///
/// Every write checks that it fits: a miscounted size traps instead of writing past the end.
struct ByteWriter {
    private let buffer: UnsafeMutableRawBufferPointer
    /// Bytes written so far.
    private(set) var count = 0

    init(_ buffer: UnsafeMutableBufferPointer<UInt8>) {
        self.buffer = UnsafeMutableRawBufferPointer(buffer)
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
    mutating func write(_ byte: UInt8) {
        precondition(count < buffer.count, "ByteWriter overflow")
        buffer[count] = byte
        count += 1
    }

    @inline(__always)
    mutating func write(_ first: UInt8, _ second: UInt8) {
        precondition(count + 2 <= buffer.count, "ByteWriter overflow")
        buffer[count] = first
        buffer[count + 1] = second
        count += 2
    }

    @inline(__always)
    mutating func write(_ bytes: UnsafeRawBufferPointer) {
        precondition(bytes.count <= buffer.count - count, "ByteWriter overflow")
        if let source = bytes.baseAddress, let target = buffer.baseAddress {
            (target + count).copyMemory(from: source, byteCount: bytes.count)
        }
        count += bytes.count
    }

    @inline(__always)
    mutating func write(_ string: String) {
        var string = string
        string.withUTF8 { write(UnsafeRawBufferPointer($0)) }
    }
}
