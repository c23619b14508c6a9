import Foundation

/// A thread a test starts and then joins, for clients that run side by side.
final class TestThread: Sendable {
    private let done = Barrier(name: "test thread ends")

    private init() {}

    static func start(_ body: @escaping @Sendable () -> Void) -> TestThread {
        let thread = TestThread()
        Thread.detachNewThread {
            body()
            thread.done.arrive()
        }
        return thread
    }

    /// Waits for the thread's body to return (throws after `timeout`).
    func join(timeout: Double = 30) throws {
        try done.wait(timeout: timeout)
    }
}

/// Values reported by several threads, kept in arrival order under a lock.
final class Collected<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Value] = []

    func add(_ value: Value) {
        lock.lock()
        values.append(value)
        lock.unlock()
    }

    var items: [Value] {
        lock.lock()
        defer { lock.unlock() }
        return values
    }

    var count: Int { items.count }
}
