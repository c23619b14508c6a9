import Foundation

/// A streaming checksum for bodies too large to keep: the byte count and a SipHash of the bytes
/// (the standard library's `Hasher`, which is compiled optimised, so it runs at about 1 GB/s even
/// in a debug test build). Splitting the input differently gives the same digest.
///
/// `Hasher` is seeded once per process, so compare digests made in the same test process only
/// (the sending and the receiving side of one test always are).
struct StreamDigest {
    private(set) var count = 0
    private var hasher = Hasher()

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        count += bytes.count
        hasher.combine(bytes: bytes)
    }

    mutating func update(_ bytes: [UInt8]) { bytes.withUnsafeBytes { update($0) } }

    /// `COUNT:HASH`, e.g. `1073741824:9a3f…`.
    var summary: String {
        let hash = UInt64(bitPattern: Int64(hasher.finalize()))
        return "\(count):" + String(hash, radix: 16)
    }
}

/// A body of `count` bytes produced block by block from one reused 64 KiB buffer of
/// `Bytes.pattern`, with each block's index stamped into its first 8 bytes, so a lost, repeated
/// or reordered block changes the digest. Nothing of size `count` is ever allocated.
///
///     let digest = try PatternBody(count: 1 << 30).forEachBlock { try connection.sendRaw($0) }
struct PatternBody: Sendable {
    static let blockSize = 64 * 1024

    let count: Int
    var seed: UInt64 = 0x5EED_0F_B0D1

    /// Calls `send` with each block in order (the same array, restamped, every time; the last
    /// block may be shorter) and returns the digest of everything passed.
    @discardableResult
    func forEachBlock(_ send: ([UInt8]) throws -> Void) rethrows -> String {
        var block = Bytes.pattern(count: PatternBody.blockSize, seed: seed)
        var digest = StreamDigest()
        var offset = 0
        var index: UInt64 = 0
        while offset < count {
            block.withUnsafeMutableBytes { $0.storeBytes(of: index.littleEndian, as: UInt64.self) }
            let size = min(PatternBody.blockSize, count - offset)
            if size < PatternBody.blockSize { block = Array(block[0..<size]) }
            digest.update(block)
            try send(block)
            offset += size
            index += 1
        }
        return digest.summary
    }
}

/// A value shared between a test and its origin threads, behind a lock.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func get() -> Value {
        lock.lock()
        defer { lock.unlock() }
        return value
    }

    func update(_ change: (inout Value) -> Void) {
        lock.lock()
        defer { lock.unlock() }
        change(&value)
    }
}
