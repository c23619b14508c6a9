import PorticoCache
import Testing

@Suite struct S3FIFOPolicyTests {
    /// Small queue 10 of 100 bytes; every entry costs 10; id n has key hash 1000 + n unless given.
    @Test func exactEvictionSequence() {
        let policy = S3FIFOPolicy(capacity: 100)
        #expect(policy.smallCapacity == 10)
        for id in 0..<5 { policy.insert(id, cost: 10, hash: 1000 + UInt64(id)) }
        #expect(policy.smallCount == 5)
        policy.access(1)
        policy.access(3)

        // 0 was never hit: evicted into the ghost.
        #expect(policy.evict() == 0)
        // 1 was hit: promoted to main; 2 goes.
        #expect(policy.evict() == 2)
        #expect(policy.isInMain(1))
        #expect(policy.frequency(of: 1) == 0, "promotion resets the counter")
        // 3 promoted, 4 goes. The ghost keeps as many keys as main holds (2): 1002 and 1004.
        #expect(policy.evict() == 4)
        #expect(policy.mainCount == 2)
        #expect(policy.smallCount == 0)
        #expect(policy.ghostCount == 2)

        // A key evicted from small and requested again goes straight to main…
        policy.insert(6, cost: 10, hash: 1002)
        #expect(policy.isInMain(6))
        // …one the ghost has forgotten starts in small again.
        policy.insert(5, cost: 10, hash: 1000)
        #expect(!policy.isInMain(5))

        policy.access(3)
        policy.access(3)
        #expect(policy.evict() == 5)  // small holds its 10 % share: it goes first
        #expect(policy.evict() == 1)  // main, oldest, no hits since promotion
        #expect(policy.evict() == 6)  // 3 had two hits: goes round with one fewer
        #expect(policy.evict() == 3)  // and round again
        #expect(policy.evict() == nil)
        #expect(policy.bytes == 0)
    }

    @Test func hitsMoveNothingAndCapAtThree() {
        let policy = S3FIFOPolicy(capacity: 1000)
        policy.insert(0, cost: 10, hash: 0)
        policy.insert(1, cost: 10, hash: 1)
        for _ in 0..<10 { policy.access(1) }
        #expect(policy.frequency(of: 1) == 3)
        #expect(!policy.isInMain(1))
        // Small is FIFO: 0 is still the oldest, and unhit.
        #expect(policy.evict() == 0)
    }

    @Test func mainIsAClockWithTwoBitCounters() {
        let policy = S3FIFOPolicy(capacity: 100)
        for id in 0..<4 { policy.insert(id, cost: 10, hash: UInt64(id)) }
        for id in 0..<3 { policy.access(id) }
        // 0, 1 and 2 were hit in small: promoted to main; 3 goes.
        #expect(policy.evict() == 3)
        #expect(policy.mainCount == 3)
        policy.access(0)
        policy.access(0)
        policy.access(0)
        policy.access(1)
        // 0 (three lives) and 1 (one) go round; 2 has none.
        #expect(policy.evict() == 2)
        #expect(policy.evict() == 1)
        #expect(policy.evict() == 0)
        #expect(policy.evict() == nil)
    }

    @Test func promotionThresholdTwoNeedsTwoHits() {
        let policy = S3FIFOPolicy(capacity: 100, promotionThreshold: 2)
        policy.insert(0, cost: 10, hash: 0)
        policy.insert(1, cost: 10, hash: 1)
        policy.insert(2, cost: 10, hash: 2)
        policy.access(0)
        policy.access(1)
        policy.access(1)
        #expect(policy.evict() == 0)
        #expect(policy.evict() == 2)
        #expect(policy.isInMain(1))
    }

    @Test func replaceKeepsThePlaceAndCountsAHit() {
        let policy = S3FIFOPolicy(capacity: 100)
        policy.insert(0, cost: 10, hash: 0)
        policy.insert(1, cost: 10, hash: 1)
        policy.replace(0, cost: 30)
        #expect(policy.bytes == 40)
        #expect(policy.frequency(of: 0) == 1)
        #expect(policy.evict() == 1)
        #expect(policy.isInMain(0))
    }
}
