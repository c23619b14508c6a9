// A synthetic request trace: Zipf-distributed requests over a fixed set of objects with
// lognormal sizes, interrupted by scans of one-time keys (a crawler, a backup job, a cache-busting
// query string). Everything derives from one seed.

import Foundation

/// The knobs of a trace.
struct TraceParameters: Sendable {
    var objects = 100_000
    var requests = 1_000_000
    /// Zipf exponent: the k-th most popular object is requested ∝ 1/k^alpha.
    var alpha = 0.9
    /// Median object size in bytes, and the lognormal's sigma; sizes are clamped to
    /// `minSize...maxSize`.
    var medianSize = 8192.0
    var sigma = 1.5
    var minSize = 1024
    var maxSize = 1 << 20
    /// Fraction of requests that belong to scans, in bursts of `scanLength` sequential one-time
    /// keys spread evenly through the trace.
    var scanFraction = 0.05
    var scanLength = 2000
    var seed: UInt64 = 0x5eed_cafe
}

/// Object ids in request order; ids `>= objects` are scan keys, each requested once.
struct Trace: Sendable {
    let parameters: TraceParameters
    /// The requested object ids.
    let requests: [Int32]
    /// Size of every id, scan keys included.
    let sizes: [Int]
    /// Bytes of the `objects` Zipf objects: the working set the cache sizes are relative to.
    let workingSetBytes: Int

    init(_ parameters: TraceParameters) {
        self.parameters = parameters
        var random = SplitMix64(seed: parameters.seed)
        let scanRequests = Int(Double(parameters.requests) * parameters.scanFraction)
        let scanCount = scanRequests / parameters.scanLength
        let scanTotal = scanCount * parameters.scanLength

        // Object sizes and the popularity order come first, so they are the same whatever the
        // trace length. Ranks map to ids through a shuffle: popularity and size are unrelated.
        var sizes: [Int] = []
        sizes.reserveCapacity(parameters.objects + scanTotal)
        for _ in 0..<parameters.objects { sizes.append(Self.lognormalSize(parameters, &random)) }
        workingSetBytes = sizes.reduce(0, +)
        var idOfRank = (0..<Int32(parameters.objects)).map { $0 }
        idOfRank.shuffle(using: &random)
        for _ in 0..<scanTotal { sizes.append(Self.lognormalSize(parameters, &random)) }
        self.sizes = sizes

        // Zipf by inverse CDF: cumulative weights, then a binary search per request.
        var cumulative = [Double](repeating: 0, count: parameters.objects)
        var total = 0.0
        for rank in 0..<parameters.objects {
            total += 1 / pow(Double(rank + 1), parameters.alpha)
            cumulative[rank] = total
        }

        let zipfRequests = parameters.requests - scanTotal
        let scanEvery = scanCount > 0 ? zipfRequests / scanCount : Int.max
        var requests: [Int32] = []
        requests.reserveCapacity(parameters.requests)
        var nextScanID = Int32(parameters.objects)
        for index in 0..<zipfRequests {
            if (index + scanEvery / 2) % scanEvery == 0, nextScanID < Int32(parameters.objects + scanTotal) {
                for _ in 0..<parameters.scanLength {
                    requests.append(nextScanID)
                    nextScanID += 1
                }
            }
            let target = random.nextUnit() * total
            var low = 0
            var high = parameters.objects - 1
            while low < high {
                let middle = (low + high) / 2
                if cumulative[middle] < target { low = middle + 1 } else { high = middle }
            }
            requests.append(idOfRank[low])
        }
        self.requests = requests
    }

    /// exp(N(ln median, sigma)), clamped; the normal deviate by Box–Muller.
    private static func lognormalSize(_ parameters: TraceParameters, _ random: inout SplitMix64) -> Int {
        let u1 = max(random.nextUnit(), 1e-300)
        let u2 = random.nextUnit()
        let normal = (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
        let size = Int(exp(log(parameters.medianSize) + parameters.sigma * normal))
        return min(max(size, parameters.minSize), parameters.maxSize)
    }
}
