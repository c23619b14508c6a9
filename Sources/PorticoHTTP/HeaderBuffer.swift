// The one allocation behind an `HTTPHeaders`: a small count header, then the field entries, then
// the bytes the entries point into.
//
//   [Counts] [Entry × entryCapacity] [UInt8 × byteCapacity]
//
// Entries and bytes share one block so that a parsed head costs one allocation, and so does the
// copy made when a proxy first changes a head it has parsed. `HTTPHeaders` is the only user: it
// copies the buffer before writing unless `isKnownUniquelyReferenced` says nobody else can see it,
// which is what makes its `@unchecked Sendable` true (the same rule as Array's buffer).

/// Entries and bytes of one `HTTPHeaders` value, in one tail-allocated block.
final class HeaderBuffer: ManagedBuffer<HeaderBuffer.Counts, UInt8> {
    /// How much of the block is in use.
    struct Counts {
        var entryCount: Int
        var entryCapacity: Int
        var byteCount: Int
        var byteCapacity: Int
    }

    /// Where one field's name and value lie among the bytes.
    struct Entry: Sendable {
        var nameStart: Int32
        var nameEnd: Int32
        var valueStart: Int32
        var valueEnd: Int32

        @inline(__always) var nameCount: Int { Int(nameEnd &- nameStart) }
        @inline(__always) var valueCount: Int { Int(valueEnd &- valueStart) }
        /// `name: value\r\n`, the bytes serialization writes for this field.
        @inline(__always) var lineCount: Int { nameCount + valueCount + 4 }
    }

    static let entryStride = MemoryLayout<Entry>.stride

    /// The shared buffer of every empty `HTTPHeaders()`. Never written, since it is never uniquely
    /// referenced (this reference always remains), so sharing it across threads is safe.
    nonisolated(unsafe) static let empty = make(entryCapacity: 0, byteCapacity: 0)

    static func make(entryCapacity: Int, byteCapacity: Int) -> HeaderBuffer {
        let buffer = create(minimumCapacity: entryCapacity * entryStride + byteCapacity) { _ in
            Counts(entryCount: 0, entryCapacity: entryCapacity, byteCount: 0, byteCapacity: byteCapacity)
        }
        return unsafeDowncast(buffer, to: HeaderBuffer.self)
    }

    /// The counts, read through a pointer: `header` is a class property, and reading it costs a
    /// dynamic exclusivity check each time.
    @inline(__always)
    var counts: Counts {
        withUnsafeMutablePointerToHeader { $0.pointee }
    }

    /// Calls `body` with pointers into the block. Writing through them is for a uniquely
    /// referenced buffer only.
    @inline(__always)
    func withStorage<R>(_ body: (Storage) -> R) -> R {
        withUnsafeMutablePointers { counts, elements in
            let entries = UnsafeMutableRawPointer(elements)
            let bytes = entries + counts.pointee.entryCapacity * Self.entryStride
            return body(Storage(counts: counts, entries: entries, byteBase: bytes))
        }
    }

    /// The block seen through pointers, valid inside `withStorage`.
    struct Storage {
        let counts: UnsafeMutablePointer<Counts>
        let entries: UnsafeMutableRawPointer
        let byteBase: UnsafeMutableRawPointer

        @inline(__always) var count: Int { counts.pointee.entryCount }

        /// The bytes in use.
        @inline(__always) var bytes: UnsafeRawBufferPointer {
            UnsafeRawBufferPointer(start: byteBase, count: counts.pointee.byteCount)
        }

        @inline(__always)
        func entry(_ index: Int) -> Entry {
            entries.load(fromByteOffset: index &* HeaderBuffer.entryStride, as: Entry.self)
        }

        @inline(__always)
        func setEntry(_ index: Int, _ entry: Entry) {
            entries.storeBytes(of: entry, toByteOffset: index &* HeaderBuffer.entryStride, as: Entry.self)
        }

        @inline(__always)
        func name(_ entry: Entry) -> UnsafeRawBufferPointer {
            UnsafeRawBufferPointer(start: byteBase + Int(entry.nameStart), count: entry.nameCount)
        }

        @inline(__always)
        func value(_ entry: Entry) -> UnsafeRawBufferPointer {
            UnsafeRawBufferPointer(start: byteBase + Int(entry.valueStart), count: entry.valueCount)
        }

        /// Whether the bytes at `entry` already read `name: value\r\n`, so that the whole line
        /// can be copied at once. True for every added field and for parsed lines with one SP
        /// after the colon and no whitespace after the value.
        @inline(__always)
        func isCanonicalLine(_ entry: Entry) -> Bool {
            let nameEnd = Int(entry.nameEnd)
            let valueEnd = Int(entry.valueEnd)
            return Int(entry.valueStart) == nameEnd + 2 && valueEnd + 2 <= counts.pointee.byteCount
                && byteBase.loadUnaligned(fromByteOffset: nameEnd, as: UInt16.self) == Self.colonSpace
                && byteBase.loadUnaligned(fromByteOffset: valueEnd, as: UInt16.self) == Self.crlf
        }

        /// ": " and CRLF as 16-bit words, whatever the byte order.
        private static let colonSpace = UInt16(littleEndian: UInt16(ASCII.colon) | UInt16(ASCII.sp) << 8)
        private static let crlf = UInt16(littleEndian: UInt16(ASCII.cr) | UInt16(ASCII.lf) << 8)

        /// Appends `name: value\r\n` and its entry. The capacity must have been reserved.
        @inline(__always)
        func appendLine(name: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) {
            let nameStart = counts.pointee.byteCount
            let nameEnd = write(name, at: nameStart)
            let valueEnd = write(value, at: write(ASCII.colon, ASCII.sp, at: nameEnd))
            setEntry(
                count,
                Entry(
                    nameStart: Int32(nameStart),
                    nameEnd: Int32(nameEnd),
                    valueStart: Int32(nameEnd + 2),
                    valueEnd: Int32(valueEnd)
                )
            )
            counts.pointee.entryCount += 1
            counts.pointee.byteCount = write(ASCII.cr, ASCII.lf, at: valueEnd)
        }

        /// Copies `source` to `offset` (within the reserved capacity) and returns the end.
        @inline(__always)
        func write(_ source: UnsafeRawBufferPointer, at offset: Int) -> Int {
            if let base = source.baseAddress { (byteBase + offset).copyMemory(from: base, byteCount: source.count) }
            return offset + source.count
        }

        @inline(__always)
        func write(_ first: UInt8, _ second: UInt8, at offset: Int) -> Int {
            byteBase.storeBytes(of: first, toByteOffset: offset, as: UInt8.self)
            byteBase.storeBytes(of: second, toByteOffset: offset + 1, as: UInt8.self)
            return offset + 2
        }
    }
}
