import CLibevent

// Ownership: an IOEvent is owned by the Swift object that handles it (a connection, a listener, a
// worker). libevent gets an unretained pointer to the IOEvent; the owner deletes the event when it
// closes and the IOEvent frees the C event in deinit. Owners are released by the worker's reaper on
// a later loop turn, never inside one of their own callbacks, so no event is freed while it runs.

/// One libevent `event` (socket readiness, timer or manual wake-up) calling a Swift closure.
final class IOEvent {
    private var raw: OpaquePointer?
    fileprivate let handler: (Int16) -> Void

    /// - Parameters:
    ///   - fd: the socket, or -1 for a timer or a manually activated event.
    ///   - events: `EV_READ`, `EV_WRITE`, `EV_PERSIST`… as libevent takes them.
    init(base: OpaquePointer, fd: CInt, events: Int16, handler: @escaping (Int16) -> Void) {
        self.handler = handler
        raw = event_new(base, fd, events, ioEventCallback, Unmanaged.passUnretained(self).toOpaque())
        precondition(raw != nil, "event_new failed")
    }

    deinit { event_free(raw) }

    /// Arms the event; with a timeout it fires with `EV_TIMEOUT` when nothing happened in time.
    func add(timeout: Duration? = nil) {
        if let timeout {
            var tv = timeval(timeout)
            event_add(raw, &tv)
        } else {
            event_add(raw, nil)
        }
    }

    /// Arms the event with a timeout already converted (the hot path re-arms timers per request,
    /// and converting a `Duration` costs 128-bit arithmetic each time).
    func add(timeout: timeval) {
        var tv = timeout
        event_add(raw, &tv)
    }

    func delete() { event_del(raw) }

    /// Runs the handler on the next loop turn; safe from any thread once pthreads locking is on.
    func activate() { event_active(raw, EV_READ, 0) }

    var isPending: Bool { event_pending(raw, Int16(EV_READ | EV_WRITE | EV_TIMEOUT), nil) != 0 }
}

private func ioEventCallback(_ fd: CInt, _ what: Int16, _ context: UnsafeMutableRawPointer?) {
    Unmanaged<IOEvent>.fromOpaque(context!).takeUnretainedValue().handler(what)
}

extension timeval {
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self.init(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
    }
}
