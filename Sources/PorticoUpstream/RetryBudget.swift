// A retry budget (as Finagle's): retries may add at most a share of the requests seen over a
// sliding window, so an outage that fails every first attempt does not turn into a storm of second
// ones. A floor of `minimum` retries per window (ten a second by default, as Finagle's) lets a quiet
// pool still retry what fails: at a few requests a second a fifth of them is no retry at all, and
// such traffic is no storm.

/// Retries allowed over the last `window` seconds, counted in one-second buckets.
public struct RetryBudget: Sendable {
    public let ratio: Double
    /// Retries always allowed over the window.
    public let minimum: Int
    private var requests: [Int]
    private var retries: [Int]
    private var currentSecond: Int?

    /// At most `ratio` of the window's requests may be retries, and `minimum` always may.
    public init(ratio: Double = 0.2, minimum: Int = 100, window: Int = 10) {
        self.ratio = ratio
        self.minimum = minimum
        requests = Array(repeating: 0, count: max(1, window))
        retries = Array(repeating: 0, count: max(1, window))
    }

    /// A request went out for the first time.
    public mutating func recordRequest(now: Double) {
        requests[bucket(now)] += 1
    }

    /// Whether one more retry fits; if so it is counted.
    public mutating func takeRetry(now: Double) -> Bool {
        let index = bucket(now)
        let allowed = max(Double(minimum), ratio * Double(requests.reduce(0, +)))
        guard Double(retries.reduce(0, +) + 1) <= allowed else { return false }
        retries[index] += 1
        return true
    }

    /// The bucket for `now`, clearing those the window has moved past.
    private mutating func bucket(_ now: Double) -> Int {
        let second = Int(now.rounded(.down))
        let count = requests.count
        if let current = currentSecond, second > current {
            for passed in (current + 1)...min(second, current + count) {
                let index = (passed % count + count) % count
                requests[index] = 0
                retries[index] = 0
            }
        } else if currentSecond == nil {
            for index in 0..<count {
                requests[index] = 0
                retries[index] = 0
            }
        }
        if currentSecond == nil || second > currentSecond! { currentSecond = second }
        return ((currentSecond ?? second) % count + count) % count
    }
}
