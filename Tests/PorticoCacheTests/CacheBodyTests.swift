import PorticoCache
import PorticoHTTP
import Testing

@Suite struct CacheBodyTests {
    @Test func holdsACopyOfItsBytes() {
        var source: [UInt8] = Array("hello".utf8)
        let body = CacheBody(source)
        source[0] = 0x4a
        #expect(Array(body.bytes) == Array("hello".utf8))
        #expect(body.count == 5)
        #expect(body.allocatedBytes == 5)
        #expect(body.baseAddress != nil)
        #expect(body.withUnsafeBytes { $0.count } == 5)
    }

    @Test func emptyBodyAllocatesNothing() {
        let body = CacheBody([UInt8]())
        #expect(body.baseAddress == nil)
        #expect(body.count == 0)
        #expect(body.bytes.isEmpty)
        #expect(CacheBody.Builder().finish().baseAddress == nil)
    }

    @Test func builderGrowsAndSealsTheBytesInOrder() {
        let builder = CacheBody.Builder()
        var expected: [UInt8] = []
        for chunk in 0..<100 {
            let bytes = [UInt8](repeating: UInt8(chunk), count: 97 + chunk)
            bytes.withUnsafeBytes { builder.append(bytes: $0) }
            expected += bytes
        }
        builder.append(contentsOf: [1, 2, 3])
        expected += [1, 2, 3]
        #expect(builder.count == expected.count)
        let body = builder.finish()
        #expect(Array(body.bytes) == expected)
        #expect(body.allocatedBytes - body.count <= max(4096, body.allocatedBytes / 8))
        #expect(builder.count == 0)
    }

    @Test func builderWithTheExpectedLengthNeverMoves() {
        let builder = CacheBody.Builder(expectedCount: 10000)
        let bytes = [UInt8](repeating: 7, count: 2500)
        for _ in 0..<4 { bytes.withUnsafeBytes { builder.append(bytes: $0) } }
        let body = builder.finish()
        #expect(body.count == 10000)
        #expect(body.allocatedBytes == 10000)
    }

    @Test func builderDropsSlackAboveAnEighth() {
        let builder = CacheBody.Builder(expectedCount: 1 << 20)
        builder.append(contentsOf: [UInt8](repeating: 1, count: 1000))
        let body = builder.finish()
        #expect(body.count == 1000)
        #expect(body.allocatedBytes == 1000)
    }

    @Test func initializerWritesInPlace() {
        let body = CacheBody(unsafeUninitializedCount: 4) { buffer in
            for index in buffer.indices { buffer[index] = UInt8(index) }
        }
        #expect(Array(body.bytes) == [0, 1, 2, 3])
    }

    @Test func responseHeadIsStoredWithoutTheBlankLine() {
        var headers = HTTPHeaders()
        headers.add("ETag", "\"x\"")
        let head = CacheBody(responseHead: ResponseHead(version: .http11, status: 200, reason: "OK", headers: headers))
        #expect(String(decoding: head.bytes, as: UTF8.self) == "HTTP/1.1 200 OK\r\nETag: \"x\"\r\n")
    }

    @Test func bodyOutlivesEvictionWhileReferenced() {
        let store = CacheStore(memory: 100_000, maxObject: 10_000, eviction: .lru, shards: 1)
        weak var weakBody: CacheBody?
        var writer: Unmanaged<CacheBody>?
        let key = Fixtures.key("/big")
        do {
            let entry = Fixtures.entry(key, bodySize: 5000)
            weakBody = entry.body
            #expect(store.insert(entry))
            // What the server does when it hands the bytes to evbuffer_add_reference.
            writer = Unmanaged.passRetained(entry.body)
        }
        #expect(weakBody != nil)
        // Evict it by filling the store with other entries.
        for index in 0..<40 { store.insert(Fixtures.entry(Fixtures.key("/other/\(index)"), bodySize: 5000)) }
        #expect(store.lookup(key).isEmpty)
        #expect(store.counters.snapshot().evictions > 0)
        #expect(weakBody != nil, "libevent still references the bytes")
        #expect(weakBody.map { Array($0.bytes.prefix(3)) } == [0x61, 0x61, 0x61])
        writer?.release()
        writer = nil
        #expect(weakBody == nil, "freed when the last reference goes")
    }

    @Test func bodyIsFreedWithItsLastEntry() {
        weak var weakBody: CacheBody?
        let store = CacheStore(memory: 100_000, maxObject: 10_000, shards: 1)
        do {
            let entry = Fixtures.entry(Fixtures.key("/a"))
            weakBody = entry.body
            store.insert(entry)
        }
        #expect(weakBody != nil)
        #expect(store.remove(Fixtures.key("/a")) == 1)
        #expect(weakBody == nil)
    }
}
