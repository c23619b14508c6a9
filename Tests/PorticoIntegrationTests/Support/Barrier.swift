import Foundation

/// A count-down barrier for ordering events between a test and its origin scripts, as VTC's
/// `barrier b1 cond 2`: `wait` returns once `count` parties have called `arrive`, or fails at its
/// deadline. Use it instead of sleeps.
///
///     let received = Barrier()                      // count 1: a one-shot signal
///     origin script:  received.arrive(); try conn.wait(release)
///     test:           try received.wait(); …; release.arrive()
final class Barrier: @unchecked Sendable {
    struct TimedOut: Error, CustomStringConvertible {
        let name: String
        let arrived: Int
        let count: Int
        var description: String { "barrier \(name) timed out with \(arrived) of \(count) arrivals" }
    }

    let name: String
    let count: Int
    private let condition = NSCondition()
    private var arrived = 0

    init(count: Int = 1, name: String = "barrier") {
        self.count = count
        self.name = name
    }

    /// Counts one arrival; never blocks.
    func arrive() {
        condition.lock()
        arrived += 1
        condition.broadcast()
        condition.unlock()
    }

    var isOpen: Bool {
        condition.lock()
        defer { condition.unlock() }
        return arrived >= count
    }

    /// Blocks until `count` arrivals, or throws `TimedOut` after `timeout` seconds.
    func wait(timeout: Double = 10) throws {
        let limit = Date(timeIntervalSinceNow: timeout)
        condition.lock()
        defer { condition.unlock() }
        while arrived < count {
            if !condition.wait(until: limit) && arrived < count {
                throw TimedOut(name: name, arrived: arrived, count: count)
            }
        }
    }

    /// `arrive()` then `wait(timeout:)`: the VTC `barrier b1 sync`.
    func sync(timeout: Double = 10) throws {
        arrive()
        try wait(timeout: timeout)
    }
}
