// Bytes of a stored response, shared by reference.
//
// Ownership: a `CacheBody` owns exactly one allocation, made when it is created and freed in its
// `deinit`; nothing ever writes to it afterwards, so its address and contents are stable for its
// whole life and any thread may read it without a lock. The server hands ranges of it to libevent
// with `evbuffer_add_reference` and keeps the object alive with `Unmanaged.passRetained` until
// libevent's cleanup callback releases it. Eviction only drops the cache's reference: a response
// still being written keeps its bytes, and the last release frees them (LIBEVENT-NOTES.md,
// "Shared bodies"). A Swift `Array` can't serve here: its address is only valid inside
// `withUnsafeBytes`.
//
// A response that streams in is collected by a `CacheBody.Builder`, which grows its own buffer
// and hands it over, without copying, when `finish()` seals it. When the length is known up front
// (`Content-Length`), the builder allocates it once and never moves.

import PorticoHTTP

/// An immutable byte buffer at a stable address: a stored response's serialized head or its
/// body.
public final class CacheBody: @unchecked Sendable {
    /// The first byte; nil exactly when `count` is 0 (an empty body allocates nothing).
    public let baseAddress: UnsafeRawPointer?
    /// Bytes held.
    public let count: Int
    /// Bytes allocated, at least `count`: what the body costs the cache's memory budget.
    public let allocatedBytes: Int

    /// The bytes. Valid as long as this object is alive.
    public var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: baseAddress, count: count) }

    /// A body of no bytes.
    public init() {
        baseAddress = nil
        count = 0
        allocatedBytes = 0
    }

    /// A copy of `bytes`.
    public convenience init(copying bytes: UnsafeRawBufferPointer) {
        self.init(unsafeUninitializedCount: bytes.count) { buffer in
            buffer.copyMemory(from: bytes)
        }
    }

    /// A copy of `bytes`.
    public convenience init(_ bytes: some Collection<UInt8>) {
        self.init(unsafeUninitializedCount: bytes.count) { buffer in
            let copied: Void? = bytes.withContiguousStorageIfAvailable {
                buffer.copyMemory(from: UnsafeRawBufferPointer($0))
            }
            if copied == nil { _ = buffer.initializeMemory(as: UInt8.self, from: bytes) }
        }
    }

    /// `count` bytes that `initialize` writes in place (for instance copied straight out of an
    /// evbuffer), without an intermediate array. Bytes `initialize` leaves unwritten hold
    /// unspecified values.
    public init(
        unsafeUninitializedCount count: Int,
        initializingWith initialize: (UnsafeMutableRawBufferPointer) throws -> Void
    ) rethrows {
        precondition(count >= 0, "negative CacheBody count")
        guard count > 0 else {
            baseAddress = nil
            self.count = 0
            allocatedBytes = 0
            return
        }
        let memory = UnsafeMutableRawBufferPointer.allocate(byteCount: count, alignment: Self.alignment)
        do {
            try initialize(memory)
        } catch {
            memory.deallocate()
            throw error
        }
        baseAddress = UnsafeRawPointer(memory.baseAddress)
        self.count = count
        allocatedBytes = count
    }

    /// Takes ownership of memory a `Builder` allocated.
    fileprivate init(adopting memory: UnsafeMutableRawPointer, count: Int, allocated: Int) {
        baseAddress = UnsafeRawPointer(memory)
        self.count = count
        allocatedBytes = allocated
    }

    deinit {
        guard let baseAddress else { return }
        UnsafeMutableRawPointer(mutating: baseAddress).deallocate()
    }

    /// Calls `body` with the bytes (a convenience over `bytes`, which is valid as long as `self`).
    public func withUnsafeBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        defer { withExtendedLifetime(self) {} }
        return try body(bytes)
    }

    fileprivate static let alignment = 16

    // MARK: - Builder

    /// Collects a response body as it streams in, then seals it into a `CacheBody`.
    ///
    /// Not thread-safe: one connection owns a builder. Memory not yet sealed is freed with the
    /// builder (a fetch that is abandoned costs nothing further).
    public final class Builder {
        private var memory: UnsafeMutableRawPointer?
        private var capacity: Int
        /// Bytes appended so far.
        public private(set) var count: Int

        /// A builder that allocates `expectedCount` bytes up front (the `Content-Length`, when
        /// known), so a body of exactly that size is never moved or copied again.
        public init(expectedCount: Int = 0) {
            precondition(expectedCount >= 0, "negative expectedCount")
            count = 0
            capacity = expectedCount
            memory =
                expectedCount > 0
                ? UnsafeMutableRawPointer.allocate(byteCount: expectedCount, alignment: alignment) : nil
        }

        deinit {
            memory?.deallocate()
        }

        /// Appends a copy of `bytes`, growing the buffer (to twice its size, at least 4 KiB) when
        /// it is full.
        public func append(bytes: UnsafeRawBufferPointer) {
            guard let source = bytes.baseAddress, bytes.count > 0 else { return }
            reserve(count + bytes.count)
            (memory! + count).copyMemory(from: source, byteCount: bytes.count)
            count += bytes.count
        }

        /// Appends a copy of `bytes`.
        public func append(contentsOf bytes: some Collection<UInt8>) {
            let added = bytes.count
            guard added > 0 else { return }
            reserve(count + added)
            let target = UnsafeMutableRawBufferPointer(start: memory! + count, count: added)
            let copied: Void? = bytes.withContiguousStorageIfAvailable {
                target.copyMemory(from: UnsafeRawBufferPointer($0))
            }
            if copied == nil { _ = target.initializeMemory(as: UInt8.self, from: bytes) }
            count += added
        }

        /// Seals what was appended into a `CacheBody` and leaves the builder empty.
        ///
        /// The buffer is handed over as it is unless more than an eighth of it (and more than
        /// 4 KiB) is unused; then it is copied once into an exact allocation, so the budget is
        /// not charged for slack.
        public func finish() -> CacheBody {
            defer {
                memory = nil
                capacity = 0
                count = 0
            }
            guard let memory, count > 0 else {
                self.memory?.deallocate()
                return CacheBody()
            }
            let slack = capacity - count
            guard slack > 4096, slack > capacity / 8 else {
                return CacheBody(adopting: memory, count: count, allocated: capacity)
            }
            let body = CacheBody(copying: UnsafeRawBufferPointer(start: memory, count: count))
            memory.deallocate()
            return body
        }

        private func reserve(_ needed: Int) {
            guard needed > capacity else { return }
            let newCapacity = max(needed, capacity * 2, 4096)
            let grown = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: alignment)
            if let memory {
                grown.copyMemory(from: memory, byteCount: count)
                memory.deallocate()
            }
            memory = grown
            capacity = newCapacity
        }
    }
}

extension CacheBody {
    /// A response head as the cache stores it: `HTTP/1.1 200 OK\r\n` and each field line
    /// `name: value\r\n`, without the blank line that ends the head, so that the server can add
    /// `Age` and `Cache-Status` lines per response before it writes the final CRLF.
    public convenience init(responseHead head: ResponseHead) {
        let serialized = head.serialized()
        // `serialized()` always ends the head with the blank line's CRLF.
        self.init(serialized.dropLast(2))
    }
}
