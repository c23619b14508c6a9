/// A set of server ids (positions in their backend block): the servers one request has tried.
///
/// A bitmask for the first 64 servers, so that the common request (which tries one) allocates
/// nothing; larger backends spill into an array.
public struct ServerSet: Sendable, Equatable, ExpressibleByArrayLiteral {
    private var bits: UInt64 = 0
    private var others: [Int] = []

    public init() {}

    public init(arrayLiteral ids: Int...) {
        for id in ids { insert(id) }
    }

    public var isEmpty: Bool { bits == 0 && others.isEmpty }
    public var count: Int { bits.nonzeroBitCount + others.count }

    public func contains(_ id: Int) -> Bool {
        (0..<64).contains(id) ? bits & 1 << UInt64(id) != 0 : others.contains(id)
    }

    public mutating func insert(_ id: Int) {
        if (0..<64).contains(id) {
            bits |= 1 << UInt64(id)
        } else if !others.contains(id) {
            others.append(id)
        }
    }

    public mutating func remove(_ id: Int) {
        if (0..<64).contains(id) { bits &= ~(1 << UInt64(id)) } else { others.removeAll { $0 == id } }
    }

    public mutating func removeAll() {
        bits = 0
        others.removeAll()
    }
}
