import Glibc

/// A point in monotonic time after which a read gives up.
struct Deadline {
    let nanoseconds: UInt64

    static func after(seconds: Double) -> Deadline {
        Deadline(nanoseconds: now() + UInt64(seconds * 1_000_000_000))
    }

    /// Milliseconds left, rounded up, for poll(2); 0 once passed.
    var remainingMilliseconds: CInt {
        let current = Deadline.now()
        guard nanoseconds > current else { return 0 }
        return CInt(min((nanoseconds - current + 999_999) / 1_000_000, UInt64(CInt.max)))
    }

    private static func now() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }
}
