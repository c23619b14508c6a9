// Response latency of one server, as Prometheus histograms count it: cumulative buckets with fixed
// upper bounds, a count and a sum. Percentiles for the JSON stats are estimated from the buckets
// by linear interpolation inside the bucket the rank falls in (what `histogram_quantile` does),
// so they are as precise as the buckets, which is enough to tell 2 ms from 200 ms.

/// Latencies counted into fixed buckets.
public struct LatencyHistogram: Sendable, Equatable {
    /// Upper bounds in seconds, in order; a last, unbounded bucket catches the rest.
    public static let bounds: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    /// Observations per bucket (not cumulative); the last is the +Inf bucket.
    public private(set) var counts = Array(repeating: 0, count: bounds.count + 1)
    public private(set) var count = 0
    public private(set) var sum = 0.0

    public init() {}

    public mutating func observe(_ seconds: Double) {
        let value = max(0, seconds)
        let bucket = Self.bounds.firstIndex { value <= $0 } ?? Self.bounds.count
        counts[bucket] += 1
        count += 1
        sum += value
    }

    /// Observations at or below each bound, then the total (the +Inf bucket).
    public var cumulative: [Int] {
        var total = 0
        return counts.map {
            total += $0
            return total
        }
    }

    /// The `q` quantile (0...1) in seconds, or nil with no observations. Falls in the +Inf
    /// bucket: the highest bound.
    public func quantile(_ q: Double) -> Double? {
        guard count > 0 else { return nil }
        let rank = q * Double(count)
        var below = 0
        for (index, observed) in counts.enumerated() where observed > 0 {
            if Double(below + observed) >= rank {
                guard index < Self.bounds.count else { return Self.bounds.last }
                let lower = index == 0 ? 0 : Self.bounds[index - 1]
                let upper = Self.bounds[index]
                let within = (rank - Double(below)) / Double(observed)
                return lower + (upper - lower) * max(0, min(1, within))
            }
            below += observed
        }
        return Self.bounds.last
    }
}
