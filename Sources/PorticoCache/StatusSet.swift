/// A set of HTTP status codes (100-599) as a bitmap: the cache asks "is this status one of…" for
/// every response, and a `Set<Int>` answers by hashing.
public struct StatusSet: Sendable, Equatable, ExpressibleByArrayLiteral {
    private var words = InlineArray<10, UInt64>(repeating: 0)

    public init(arrayLiteral statuses: Int...) {
        for status in statuses {
            precondition((0..<640).contains(status), "status \(status) out of range")
            words[status >> 6] |= 1 << UInt64(status & 63)
        }
    }

    public func contains(_ status: Int) -> Bool {
        guard status >= 0, status < 640 else { return false }
        return words[status >> 6] & (1 << UInt64(status & 63)) != 0
    }

    public static func == (lhs: StatusSet, rhs: StatusSet) -> Bool {
        (0..<10).allSatisfy { lhs.words[$0] == rhs.words[$0] }
    }
}
