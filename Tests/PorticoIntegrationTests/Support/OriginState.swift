import Foundation

/// What a `ScriptedOrigin` shares between its accept thread, its connection threads and the test:
/// the stop flag, the live sockets (to wake them on stop), and the record of what arrived. Every
/// change wakes waiters, so tests wait on conditions instead of sleeping.
final class OriginState: @unchecked Sendable {
    private let condition = NSCondition()
    private var stopped = false
    private var liveSockets: [ObjectIdentifier: TestSocket] = [:]
    private var runningThreads = 0
    private var current = OriginRecord()

    /// A copy of the record.
    var record: OriginRecord {
        condition.lock()
        defer { condition.unlock() }
        return current
    }

    var isStopped: Bool {
        condition.lock()
        defer { condition.unlock() }
        return stopped
    }

    private func change(_ body: () -> Void) {
        condition.lock()
        body()
        condition.broadcast()
        condition.unlock()
    }

    /// Registers a connection (or shuts it down at once when stopping); false when stopping.
    func opened(_ socket: TestSocket) -> Bool {
        var accepted = false
        change {
            if stopped { return }
            current.connectionsAccepted += 1
            liveSockets[ObjectIdentifier(socket)] = socket
            accepted = true
        }
        if !accepted { socket.close() }
        return accepted
    }

    func closed(_ socket: TestSocket) {
        change { liveSockets[ObjectIdentifier(socket)] = nil }
    }

    func threadStarted() { change { runningThreads += 1 } }
    func threadEnded() { change { runningThreads -= 1 } }

    func headReceived() { change { current.headsReceived += 1 } }
    func record(_ request: OriginRequest) { change { current.requests.append(request) } }
    func recordIncomplete(_ request: OriginRequest) { change { current.incompleteRequests.append(request) } }
    func recordError(_ error: any Error) { change { current.errors.append("\(error)") } }

    /// Sets the stop flag and shuts every live connection down, so blocked threads wake up; then
    /// waits (bounded) for the threads to finish.
    func stop(timeout: Double = 3) {
        var sockets: [TestSocket] = []
        change {
            stopped = true
            sockets = Array(liveSockets.values)
        }
        for socket in sockets { socket.shutdown() }
        let limit = Date(timeIntervalSinceNow: timeout)
        condition.lock()
        defer { condition.unlock() }
        while runningThreads > 0 && condition.wait(until: limit) {}
    }

    /// Blocks until `predicate` holds for the record or `timeout` passes; returns whether it held.
    func waitUntil(timeout: Double, _ predicate: (OriginRecord) -> Bool) -> Bool {
        let limit = Date(timeIntervalSinceNow: timeout)
        condition.lock()
        defer { condition.unlock() }
        while !predicate(current) {
            if !condition.wait(until: limit) { return predicate(current) }
        }
        return true
    }
}

/// What a `ScriptedOrigin` has seen so far.
struct OriginRecord: Sendable {
    /// Complete requests, in order of completion.
    var requests: [OriginRequest] = []
    /// Requests whose head arrived but whose body never completed.
    var incompleteRequests: [OriginRequest] = []
    /// Request heads received (complete or not).
    var headsReceived = 0
    var connectionsAccepted = 0
    /// Errors scripts threw (timeouts, malformed input, peer gone), for diagnosis.
    var errors: [String] = []
}
