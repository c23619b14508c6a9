import PorticoCache
import PorticoHTTP

/// Builders for test entries.
enum Fixtures {
    static func key(_ target: String, host: String = "example.com") -> CacheKey {
        CacheKey(scheme: "http", host: host, target: target)
    }

    static func policy(
        lifetime: Double = 60,
        responseTime: Double = 0,
        mustRevalidate: Bool = false,
        staleWhileRevalidate: Double? = nil,
        staleIfError: Double? = nil
    ) -> EntryPolicy {
        EntryPolicy(
            freshnessLifetime: lifetime,
            correctedInitialAge: 0,
            responseTime: responseTime,
            mustRevalidate: mustRevalidate,
            staleWhileRevalidate: staleWhileRevalidate,
            staleIfError: staleIfError
        )
    }

    /// A 200 entry for `key` with a body of `bodySize` bytes (each `fill`).
    static func entry(
        _ key: CacheKey,
        bodySize: Int = 100,
        fill: UInt8 = 0x61,
        varyNames: [String] = [],
        variant: [String?] = [],
        policy: EntryPolicy = policy(),
        createdAt: Double = 0
    ) -> CacheEntry {
        var headers = HTTPHeaders()
        headers.add("Content-Type", "text/plain")
        return CacheEntry(
            key: key,
            varyNames: varyNames,
            variant: variant,
            responseHead: ResponseHead(version: .http11, status: 200, reason: "OK", headers: headers),
            body: CacheBody([UInt8](repeating: fill, count: bodySize)),
            policy: policy,
            createdAt: createdAt
        )
    }
}

extension CacheStore {
    /// The store's invariants: counted bytes are the stored entries' costs, within budget.
    func checkInvariants() -> Bool {
        let entries = allEntries()
        let sum = entries.reduce(0) { $0 + $1.cost }
        let counters = counters.snapshot()
        return sum == bytes && sum == counters.bytes && entries.count == counters.entries && sum <= memory
    }
}
