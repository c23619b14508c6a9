// Replays a trace against a real `CacheStore`: a lookup per request, an insert per miss, as the
// server does, with bodies of the object's size (allocated, never written or read).

import PorticoCache
import PorticoHTTP

/// Hit counts of one replay.
struct ReplayResult {
    var requests = 0
    var hits = 0
    var bytesRequested = 0
    var bytesHit = 0
    var evictions = 0

    var objectHitRatio: Double { requests == 0 ? 0 : Double(hits) / Double(requests) }
    var byteHitRatio: Double { bytesRequested == 0 ? 0 : Double(bytesHit) / Double(bytesRequested) }
}

/// Runs `trace` through a store of `memory` bytes; requests before `warmup` (a fraction of the
/// trace) fill the cache but are not counted.
func replay(_ trace: Trace, eviction: EvictionKind, memory: Int, shards: Int, warmup: Double) -> ReplayResult {
    let store = CacheStore(memory: memory, maxObject: trace.parameters.maxSize, eviction: eviction, shards: shards)
    let head = CacheBody(Array("HTTP/1.1 200 OK\r\ncontent-type: application/octet-stream\r\n".utf8))
    let headers = HTTPHeaders([HeaderField(name: "content-type", value: "application/octet-stream")])
    let policy = EntryPolicy(freshnessLifetime: 1e9, correctedInitialAge: 0, responseTime: 0)
    var keys: [CacheKey?] = Array(repeating: nil, count: trace.sizes.count)
    let counted = Int(Double(trace.requests.count) * warmup)
    var result = ReplayResult()

    for (index, request) in trace.requests.enumerated() {
        let id = Int(request)
        let key: CacheKey
        if let known = keys[id] {
            key = known
        } else {
            key = CacheKey(scheme: "http", host: "sim.example", target: "/object/\(id)")
            keys[id] = key
        }
        let size = trace.sizes[id]
        let isCounted = index >= counted
        if isCounted {
            result.requests += 1
            result.bytesRequested += size
        }
        if let entry = store.lookup(key).first {
            store.recordHit(entry)
            if isCounted {
                result.hits += 1
                result.bytesHit += size
            }
            continue
        }
        store.recordMiss()
        let body = CacheBody(unsafeUninitializedCount: size) { _ in }
        store.insert(
            CacheEntry(key: key, status: 200, headers: headers, head: head, body: body, policy: policy, createdAt: 0)
        )
    }
    result.evictions = store.counters.snapshot().evictions
    return result
}
