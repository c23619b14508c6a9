import CLibevent

// A timeout that is moved far more often than it fires: every request re-arms a connection's idle
// or response timeout, and almost none of them ever expire. Re-arming a libevent timer costs an
// event_del and an event_add under the base lock each time (measured: about 2k instructions per
// proxied request, a twentieth of the whole), so this timer keeps the deadline in Swift and
// touches libevent only when the deadline moves earlier than the armed event, or when the armed
// event fires before the deadline (then it is armed again for what is left). nginx keeps its
// timers the same way ("lazy" timers, NGX_TIMER_LAZY_DELAY).
//
// Deadlines are on the coarse monotonic clock (`Worker.monotonicClock`, a vDSO read), read when a
// deadline is set rather than once per loop turn: a turn that answers thousands of pipelined
// requests can last long enough that its start is no longer "now". A timer fires at most
// `tolerance` (1 ms) before its deadline. The coarse clock may lag libevent's by a tick (up to
// 4 ms), so a timer that libevent fires on time can look a little early here; it is then armed
// again for the rest, one more wake-up for a timeout that actually expires, which is rare.

/// A one-shot timeout whose deadline is kept in Swift and given to libevent only when needed.
final class DeadlineTimer {
    /// How early a timer may fire rather than be armed again for the rest.
    private static let tolerance = 0.001

    /// unowned(unsafe): see `ClientConnection.worker`; a timer is owned by a connection.
    private unowned(unsafe) let worker: Worker
    private var event: IOEvent?
    /// What runs when the deadline passes; the owner sets it once it can refer to itself.
    var handler: () -> Void = {}
    /// When the owner wants to hear (`monotonicClock` seconds); nil when nothing is due.
    private var deadline: Double?
    /// When the libevent event is due; nil while it is not armed.
    private var armedUntil: Double?

    init(worker: Worker) {
        self.worker = worker
    }

    /// Fires the handler `duration` from now (replacing any earlier setting).
    func set(_ duration: timeval) {
        let seconds = Double(duration.tv_sec) + Double(duration.tv_usec) / 1_000_000
        let due = worker.monotonicClock + seconds
        deadline = due
        // Armed to fire before the new deadline: it will, find the deadline moved, and re-arm.
        if let armedUntil, armedUntil <= due { return }
        arm(due: due, after: worker.commonTimeout(duration))
    }

    /// Nothing is due any more. The armed event, if any, stays and finds nothing to do.
    func cancel() {
        deadline = nil
    }

    /// Cancels for good and lets go of the libevent event (the owner is closing).
    func stop() {
        deadline = nil
        if armedUntil != nil { event?.delete() }
        armedUntil = nil
    }

    private func arm(due: Double, after delay: timeval) {
        if event == nil {
            event = IOEvent(base: worker.base, fd: -1, events: 0) { [unowned(unsafe) self] _ in fired() }
        }
        event?.add(timeout: delay)
        armedUntil = due
    }

    private func fired() {
        armedUntil = nil
        guard let deadline else { return }
        let left = deadline - worker.monotonicClock
        if left > Self.tolerance {
            let whole = left.rounded(.down)
            arm(due: deadline, after: timeval(tv_sec: Int(whole), tv_usec: Int((left - whole) * 1_000_000)))
            return
        }
        self.deadline = nil
        handler()
    }
}
