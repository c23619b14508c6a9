import PorticoCache
import PorticoHTTP
import Testing

@Suite struct CacheStoreTests {
    /// Entries under `/k/0`…`/k/9`-style keys of one length and one body size all cost the same.
    private func uniformEntry(_ index: Int, bodySize: Int = 100) -> CacheEntry {
        Fixtures.entry(Fixtures.key("/k/\(index)"), bodySize: bodySize)
    }

    /// Looks `key` up the way the server does: a hit is recorded, a miss stores `entry()`.
    @discardableResult
    private func request(_ store: CacheStore, _ key: CacheKey, entry: () -> CacheEntry) -> Bool {
        if let hit = store.lookup(key).first {
            store.recordHit(hit)
            return true
        }
        store.recordMiss()
        store.insert(entry())
        return false
    }

    @Test func lruStoreEvictsTheLeastRecentlyUsed() {
        let cost = uniformEntry(0).cost
        let store = CacheStore(memory: 3 * cost, maxObject: 1000, eviction: .lru, shards: 1)
        for index in 0..<3 { #expect(store.insert(uniformEntry(index))) }
        store.recordHit(store.lookup(Fixtures.key("/k/0"))[0])
        store.insert(uniformEntry(3))
        #expect(store.lookup(Fixtures.key("/k/1")).isEmpty)
        #expect(!store.lookup(Fixtures.key("/k/0")).isEmpty)
        store.insert(uniformEntry(4))
        #expect(store.lookup(Fixtures.key("/k/2")).isEmpty)
        #expect(store.counters.snapshot().evictions == 2)
        #expect(store.checkInvariants())
    }

    @Test(arguments: EvictionKind.allCases)
    func budgetHoldsUnderTenfoldOverfill(eviction: EvictionKind) {
        var random = TestRandom(seed: 42)
        let memory = 4 << 20
        let store = CacheStore(memory: memory, maxObject: 16 << 10, eviction: eviction, shards: 4)
        #expect(store.shardCount == 4)
        var inserted = 0
        var index = 0
        while inserted < 10 * memory {
            let size = Int(random.next() % (16 << 10))
            let key = Fixtures.key("/o/\(random.next() % 3000)")
            let vary = random.next() % 4 == 0
            let entry = Fixtures.entry(
                key,
                bodySize: size,
                varyNames: vary ? ["accept-encoding"] : [],
                variant: vary ? [random.next() % 2 == 0 ? "gzip" : nil] : []
            )
            if index % 3 == 0, let hit = store.lookup(key).first { store.recordHit(hit) }
            #expect(store.insert(entry))
            #expect(store.counters.snapshot().bytes <= memory)
            inserted += entry.cost
            index += 1
        }
        #expect(store.checkInvariants())
        let counters = store.counters.snapshot()
        #expect(counters.evictions > 0)
        #expect(counters.bytes > memory / 2, "evicts only what it must")
    }

    @Test func refusesWhatDoesNotFit() {
        let store = CacheStore(memory: 1 << 20, maxObject: 1000, shards: 1)
        #expect(!store.insert(Fixtures.entry(Fixtures.key("/big"), bodySize: 1001)))
        #expect(store.insert(Fixtures.entry(Fixtures.key("/ok"), bodySize: 1000)))
        #expect(store.accepts(bodyLength: 1000))
        #expect(!store.accepts(bodyLength: 1001))
        let tiny = CacheStore(memory: 500, maxObject: 1000, shards: 1)
        #expect(!tiny.insert(Fixtures.entry(Fixtures.key("/x"), bodySize: 400)), "costs more than the whole budget")
        #expect(tiny.counters.snapshot().rejected == 1)
        #expect(store.largestBody == 1000)
        #expect(tiny.largestBody == 499, "a shard's budget bounds the body the server collects")
        #expect(!tiny.accepts(bodyLength: 500))
        #expect(store.counters.snapshot().rejected == 1)
    }

    @Test func shardsAreFewerWhenMemoryIsSmall() {
        #expect(CacheStore(memory: 256 << 20, maxObject: 16 << 20).shardCount == 15)
        #expect(CacheStore(memory: 1 << 30, maxObject: 16 << 20).shardCount == 16)
        #expect(CacheStore(memory: 1 << 20, maxObject: 1 << 20).shardCount == 1)
        let store = CacheStore(memory: 1000, maxObject: 10, shards: 7)
        #expect(store.shardCount == 1)
        #expect(store.shardCapacity == 1000)
    }

    @Test func sameVariantReplacesAndOthersAccumulate() {
        let store = CacheStore(memory: 1 << 20, maxObject: 1 << 16, shards: 1)
        let key = Fixtures.key("/v")
        let names = ["accept-encoding"]
        store.insert(Fixtures.entry(key, fill: 1, varyNames: names, variant: ["gzip"]))
        store.insert(Fixtures.entry(key, fill: 2, varyNames: names, variant: ["br"]))
        store.insert(Fixtures.entry(key, fill: 3, varyNames: names, variant: [nil]))
        #expect(store.lookup(key).map(\.variant) == [[nil], ["br"], ["gzip"]], "newest first")

        let newer = Fixtures.entry(key, bodySize: 300, fill: 4, varyNames: names, variant: ["gzip"])
        store.insert(newer)
        let variants = store.lookup(key)
        #expect(variants.count == 3)
        #expect(variants.first === newer)
        #expect(variants.filter { $0.variant == ["gzip"] }.map { $0.body.bytes.first } == [4])
        #expect(store.counters.snapshot().entries == 3)
        #expect(store.checkInvariants())

        // The origin stopped varying: the old variants go.
        store.insert(Fixtures.entry(key, fill: 5))
        #expect(store.lookup(key).map(\.varyNames) == [[]])
        #expect(store.checkInvariants())
    }

    @Test func variantsPerKeyAreCapped() {
        let store = CacheStore(memory: 1 << 20, maxObject: 1 << 16, shards: 1, maxVariants: 2)
        let key = Fixtures.key("/ua")
        for agent in ["a", "b", "c"] {
            store.insert(Fixtures.entry(key, varyNames: ["user-agent"], variant: [agent]))
        }
        #expect(store.lookup(key).map(\.variant) == [["c"], ["b"]])
        #expect(store.checkInvariants())
    }

    @Test func replacementKeepsItsPlaceInTheEvictionOrder() {
        let cost = uniformEntry(0).cost
        let store = CacheStore(memory: 3 * cost, maxObject: 1000, eviction: .lru, shards: 1)
        for index in 0..<3 { store.insert(uniformEntry(index)) }
        // A 304 refresh of /k/0: a new head, the same body.
        let old = store.lookup(Fixtures.key("/k/0"))[0]
        let refreshed = old.replacing(headers: old.headers, head: old.head, policy: Fixtures.policy(lifetime: 99))
        #expect(store.insert(refreshed))
        #expect(store.lookup(Fixtures.key("/k/0")).first === refreshed)
        #expect(store.counters.snapshot().entries == 3)
        // Replacing counted as a use: /k/1 is now the least recently used.
        store.insert(uniformEntry(3))
        #expect(store.lookup(Fixtures.key("/k/1")).isEmpty)
        #expect(store.lookup(Fixtures.key("/k/0")).first === refreshed)
        #expect(!store.removeVariant(old), "the old copy is no longer stored")
        #expect(store.removeVariant(refreshed))
        #expect(store.lookup(Fixtures.key("/k/0")).isEmpty)
        #expect(store.checkInvariants())
    }

    @Test func removeAndPurge() {
        let store = CacheStore(memory: 1 << 20, maxObject: 1 << 16, shards: 4)
        for target in ["/api/1", "/api/2", "/static/a.css", "/apix"] {
            store.insert(Fixtures.entry(Fixtures.key(target)))
        }
        store.insert(Fixtures.entry(Fixtures.key("/api/1"), varyNames: ["accept"], variant: ["json"]))
        store.insert(Fixtures.entry(Fixtures.key("/api/1"), varyNames: ["accept"], variant: ["xml"]))
        store.insert(Fixtures.entry(Fixtures.key("/api/1", host: "other.example")))
        #expect(store.purge { $0.host == "example.com" && $0.target.hasPrefix("/api/") } == 3)
        #expect(store.lookup(Fixtures.key("/api/1")).isEmpty)
        #expect(store.lookup(Fixtures.key("/api/2")).isEmpty)
        #expect(store.lookup(Fixtures.key("/apix")).count == 1)
        #expect(store.lookup(Fixtures.key("/api/1", host: "other.example")).count == 1)
        #expect(store.remove(Fixtures.key("/static/a.css")) == 1)
        #expect(store.remove(Fixtures.key("/static/a.css")) == 0)
        #expect(store.counters.snapshot().entries == 2)
        #expect(store.checkInvariants())
    }

    @Test func sweepDropsWhatCanNoLongerBeServed() {
        let store = CacheStore(memory: 1 << 20, maxObject: 1 << 16, shards: 2)
        // At now = 100 each of these (lifetime 10, received at 0) is 90 s stale, except /fresh.
        let cases: [(String, EntryPolicy, kept: Bool)] = [
            ("/plain", Fixtures.policy(lifetime: 10), false),
            ("/fresh", Fixtures.policy(lifetime: 1000), true),
            ("/swr", Fixtures.policy(lifetime: 10, staleWhileRevalidate: 200), true),
            ("/sie-short", Fixtures.policy(lifetime: 10, staleIfError: 50), false),
            ("/sie-long", Fixtures.policy(lifetime: 10, staleIfError: 90), true),
            ("/must", Fixtures.policy(lifetime: 10, mustRevalidate: true, staleWhileRevalidate: 200), false),
        ]
        for (target, policy, _) in cases { store.insert(Fixtures.entry(Fixtures.key(target), policy: policy)) }
        #expect(store.sweep(now: 100, grace: 100) == 0, "grace keeps everything 90 s stale")
        #expect(store.sweep(now: 100, grace: 5) == 3)
        for (target, _, kept) in cases {
            #expect(store.lookup(Fixtures.key(target)).isEmpty != kept, "\(target)")
        }
        #expect(store.checkInvariants())
    }

    @Test func lookupsDropUnusableEntriesWithoutValidators() {
        let store = CacheStore(memory: 1 << 20, maxObject: 1 << 16, shards: 1)
        let plain = Fixtures.entry(Fixtures.key("/plain"), policy: Fixtures.policy(lifetime: 10))
        let swr = Fixtures.entry(Fixtures.key("/swr"), policy: Fixtures.policy(lifetime: 10, staleWhileRevalidate: 200))
        store.insert(plain)
        store.insert(swr)
        #expect(!store.removeIfUnusable(plain, now: 5), "fresh")
        #expect(store.removeIfUnusable(plain, now: 100))
        #expect(!store.removeIfUnusable(swr, now: 100), "still servable under stale-while-revalidate")
        #expect(store.lookup(Fixtures.key("/plain")).isEmpty)
        #expect(store.lookup(Fixtures.key("/swr")).count == 1)
    }

    @Test func countersTallyWhatHappened() {
        let cost = uniformEntry(0).cost
        let store = CacheStore(memory: 2 * cost, maxObject: 1000, eviction: .s3fifo, shards: 1)
        #expect(store.counters.snapshot() == CacheCounters.Snapshot())
        #expect(!request(store, Fixtures.key("/k/0")) { uniformEntry(0) })
        #expect(request(store, Fixtures.key("/k/0")) { uniformEntry(0) })
        #expect(!request(store, Fixtures.key("/k/1")) { uniformEntry(1) })
        #expect(!request(store, Fixtures.key("/k/2")) { uniformEntry(2) })
        store.recordStale(store.lookup(Fixtures.key("/k/2"))[0])
        store.recordCoalesced()
        store.insert(Fixtures.entry(Fixtures.key("/huge"), bodySize: 5000))
        let counters = store.counters.snapshot()
        #expect(
            counters
                == CacheCounters.Snapshot(
                    entries: 2,
                    bytes: 2 * cost,
                    hits: 1,
                    misses: 3,
                    stale: 1,
                    coalesced: 1,
                    evictions: 1,
                    inserts: 3,
                    rejected: 1
                )
        )
        #expect(counters.hitRatio == 0.2)
        // /k/0 was hit in small, so S3-FIFO kept it and evicted /k/1.
        #expect(store.lookup(Fixtures.key("/k/1")).isEmpty)
        #expect(!store.lookup(Fixtures.key("/k/0")).isEmpty)
    }

    @Test(arguments: EvictionKind.allCases)
    func oneTimeScanAndTheHotSet(eviction: EvictionKind) {
        let cost = uniformEntry(0).cost
        let store = CacheStore(memory: 100 * cost, maxObject: 1000, eviction: eviction, shards: 1)
        let hot = (0..<50).map { index in Fixtures.key("/k/\(index)") }
        for _ in 0..<3 {
            for (index, key) in hot.enumerated() { request(store, key) { uniformEntry(index) } }
        }
        for index in 1000..<1200 { request(store, Fixtures.key("/k/\(index)")) { uniformEntry(index) } }
        let survivors = hot.filter { !store.lookup($0).isEmpty }.count
        switch eviction {
        case .s3fifo: #expect(survivors == 50, "the scan passes through the small queue")
        case .lru: #expect(survivors == 0, "the scan flushes LRU")
        }
        #expect(store.checkInvariants())
    }

    @Test func concurrentUseKeepsTheBytesExact() async {
        for eviction in EvictionKind.allCases {
            let store = CacheStore(memory: 1 << 20, maxObject: 8 << 10, eviction: eviction, shards: 4)
            await withTaskGroup(of: Void.self) { group in
                for worker in 0..<4 {
                    group.addTask {
                        var random = TestRandom(seed: UInt64(worker + 1))
                        for step in 0..<2000 {
                            let key = Fixtures.key("/c/\(random.next() % 500)")
                            switch step % 50 {
                            case 0, 10, 20, 30, 40: store.remove(key)
                            case 1: store.purge { $0.target.hasSuffix("7") }
                            case 2: store.sweep(now: 1000, grace: 0)
                            default:
                                if let hit = store.lookup(key).first {
                                    store.recordHit(hit)
                                } else {
                                    let size = Int(random.next() % (8 << 10))
                                    let lifetime = Double(random.next() % 2000)
                                    store.insert(
                                        Fixtures.entry(key, bodySize: size, policy: Fixtures.policy(lifetime: lifetime))
                                    )
                                }
                            }
                            if step % 250 == 0 { #expect(store.counters.snapshot().bytes <= store.memory) }
                        }
                    }
                }
            }
            #expect(store.checkInvariants())
        }
    }
}

/// SplitMix64, for reproducible test data.
struct TestRandom {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
