import Glibc

/// A point in monotonic time after which a wait gives up. Every wait in the harness takes one.
struct Deadline: Sendable {
    let nanoseconds: UInt64

    static func after(_ seconds: Double) -> Deadline {
        Deadline(nanoseconds: now() + UInt64(max(0, seconds) * 1_000_000_000))
    }

    var hasPassed: Bool { Deadline.now() >= nanoseconds }

    /// Seconds left; 0 once passed.
    var remainingSeconds: Double {
        let current = Deadline.now()
        return nanoseconds > current ? Double(nanoseconds - current) / 1_000_000_000 : 0
    }

    /// Milliseconds left, rounded up, for poll(2); 0 once passed.
    var remainingMilliseconds: CInt {
        let current = Deadline.now()
        guard nanoseconds > current else { return 0 }
        return CInt(min((nanoseconds - current + 999_999) / 1_000_000, UInt64(CInt.max)))
    }

    static func now() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }
}

/// Measures elapsed wall time for timeout assertions.
struct Stopwatch: Sendable {
    private let start = Deadline.now()

    var seconds: Double { Double(Deadline.now() - start) / 1_000_000_000 }
}
