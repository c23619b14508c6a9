import Synchronization

/// One worker's traffic tallies for the admin endpoint: written by that worker alone, read by the
/// admin listener's, so relaxed atomics suffice (nothing is synchronised through them).
final class TrafficCounters: Sendable {
    let accepted = Atomic<Int>(0)
    let open = Atomic<Int>(0)
    // Responses by status class (noncopyable atomics cannot live in an array or tuple).
    private let informational = Atomic<Int>(0)
    private let successful = Atomic<Int>(0)
    private let redirection = Atomic<Int>(0)
    private let clientError = Atomic<Int>(0)
    private let serverError = Atomic<Int>(0)
    let bytesReceived = Atomic<Int>(0)
    let bytesSent = Atomic<Int>(0)

    func recordResponse(status: Int) {
        switch status / 100 {
        case 1: informational.add(1, ordering: .relaxed)
        case 2: successful.add(1, ordering: .relaxed)
        case 3: redirection.add(1, ordering: .relaxed)
        case 4: clientError.add(1, ordering: .relaxed)
        default: serverError.add(1, ordering: .relaxed)
        }
    }

    /// Responses of 1xx … 5xx.
    var responsesByClass: [Int] {
        [
            informational.load(ordering: .relaxed), successful.load(ordering: .relaxed),
            redirection.load(ordering: .relaxed), clientError.load(ordering: .relaxed),
            serverError.load(ordering: .relaxed),
        ]
    }
}
