// portico-cache-sim: compares the cache's eviction policies on synthetic traces, through the real
// CacheStore. A benchmark, not a test: `swift run -c release portico-cache-sim [options]`.
//
//   --objects N     Zipf objects (100000)        --requests N   trace length (1000000)
//   --alpha A       Zipf exponent (0.9)          --scan F       fraction of scan requests (0.05)
//   --shards N      store shards (16)            --seed N       PRNG seed
//
// Prints a markdown table of object and byte hit ratios for LRU and S3-FIFO at cache sizes of
// 1 %, 5 % and 10 % of the working set's bytes. The first 20 % of each replay warms the cache
// and is not counted. The six replays run in parallel, one store each.

import Dispatch
import Foundation
import PorticoCache
import Synchronization

/// The trace parameters and shard count from the command line.
func options() -> (TraceParameters, shards: Int) {
    var parameters = TraceParameters()
    var shards = 16
    var arguments = CommandLine.arguments.dropFirst()
    while let flag = arguments.popFirst() {
        guard let value = arguments.popFirst() else { usage("\(flag) needs a value") }
        switch flag {
        case "--objects": parameters.objects = Int(value) ?? parameters.objects
        case "--requests": parameters.requests = Int(value) ?? parameters.requests
        case "--alpha": parameters.alpha = Double(value) ?? parameters.alpha
        case "--scan": parameters.scanFraction = Double(value) ?? parameters.scanFraction
        case "--shards": shards = Int(value) ?? shards
        case "--seed": parameters.seed = UInt64(value) ?? parameters.seed
        default: usage("unknown option \(flag)")
        }
    }
    return (parameters, shards)
}

func usage(_ message: String) -> Never {
    FileHandle.standardError.write(Data("portico-cache-sim: \(message)\n".utf8))
    exit(2)
}

let (parameters, shards) = options()
let started = Date()
let trace = Trace(parameters)
let runs = [1, 5, 10].flatMap { percent in EvictionKind.allCases.map { (percent, $0) } }
let results = Mutex<[Int: ReplayResult]>([:])
DispatchQueue.concurrentPerform(iterations: runs.count) { index in
    let (percent, eviction) = runs[index]
    let memory = trace.workingSetBytes * percent / 100
    let result = replay(trace, eviction: eviction, memory: memory, shards: shards, warmup: 0.2)
    results.withLock { $0[index] = result }
}

print(
    """
    Trace: \(parameters.requests) requests, \(parameters.objects) objects (Zipf \(parameters.alpha)), \
    working set \(String(format: "%.0f", Double(trace.workingSetBytes) / 1_048_576)) MiB, \
    sizes \(parameters.minSize)–\(parameters.maxSize) B (lognormal, median \(Int(parameters.medianSize)) B), \
    \(Int(parameters.scanFraction * 100)) % scan requests in bursts of \(parameters.scanLength); \
    \(shards) shards, seed \(parameters.seed). First 20 % of requests not counted.

    | cache size | policy | object hit ratio | byte hit ratio | evictions |
    |---:|---|---:|---:|---:|
    """
)
let finished = results.withLock { $0 }
for (index, (percent, eviction)) in runs.enumerated() {
    let result = finished[index]!
    let memory = trace.workingSetBytes * percent / 100
    let label = String(format: "%d %% (%.0f MiB)", percent, Double(memory) / 1_048_576)
    let objects = String(format: "%.2f %%", result.objectHitRatio * 100)
    let bytes = String(format: "%.2f %%", result.byteHitRatio * 100)
    print("| \(label) | \(eviction.rawValue) | \(objects) | \(bytes) | \(result.evictions) |")
}
print(String(format: "\n(%.1f s)", Date().timeIntervalSince(started)))
