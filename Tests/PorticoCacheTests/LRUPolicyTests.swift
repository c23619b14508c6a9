import PorticoCache
import Testing

@Suite struct LRUPolicyTests {
    @Test func evictsLeastRecentlyUsedFirst() {
        let lru = LRUPolicy()
        for id in 0..<4 { lru.insert(id, cost: 10, hash: UInt64(id)) }
        lru.access(0)
        lru.access(2)
        #expect(lru.evict() == 1)
        lru.insert(4, cost: 10, hash: 4)
        lru.access(3)
        #expect([lru.evict(), lru.evict(), lru.evict(), lru.evict()] == [0, 2, 4, 3])
        #expect(lru.evict() == nil)
        #expect(lru.count == 0)
        #expect(lru.bytes == 0)
    }

    @Test func removeAndReplaceKeepTheListConsistent() {
        let lru = LRUPolicy()
        for id in 0..<5 { lru.insert(id, cost: id + 1, hash: 0) }
        #expect(lru.bytes == 15)
        lru.remove(2)
        lru.remove(2)
        lru.replace(0, cost: 100)
        lru.access(42)
        #expect(lru.count == 4)
        #expect(lru.bytes == 2 + 4 + 5 + 100)
        #expect([lru.evict(), lru.evict(), lru.evict(), lru.evict(), lru.evict()] == [1, 3, 4, 0, nil])
    }

    @Test func idsAreReusedAfterEviction() {
        let lru = LRUPolicy()
        lru.insert(0, cost: 1, hash: 0)
        lru.insert(1, cost: 1, hash: 0)
        #expect(lru.evict() == 0)
        lru.insert(0, cost: 1, hash: 0)
        #expect([lru.evict(), lru.evict()] == [1, 0])
    }
}
