// Which of the request fields that bear on a cache lookup a head has, found in one pass.
//
// A lookup asks about many fields (directives, conditionals, ranges), and most requests have none
// of them; a scan per name costs more than the one pass that rules them all out, by length first.

/// The request fields a cache lookup looks at.
public struct CacheRequestFields: OptionSet, Sendable {
    public let rawValue: UInt16

    public init(rawValue: UInt16) {
        self.rawValue = rawValue
    }

    public static let cacheControl = CacheRequestFields(rawValue: 1 << 0)
    public static let pragma = CacheRequestFields(rawValue: 1 << 1)
    public static let ifNoneMatch = CacheRequestFields(rawValue: 1 << 2)
    public static let ifModifiedSince = CacheRequestFields(rawValue: 1 << 3)
    public static let ifMatch = CacheRequestFields(rawValue: 1 << 4)
    public static let ifUnmodifiedSince = CacheRequestFields(rawValue: 1 << 5)
    public static let ifRange = CacheRequestFields(rawValue: 1 << 6)
    public static let range = CacheRequestFields(rawValue: 1 << 7)

    /// Cache-Control or Pragma: request directives.
    public static let directives: CacheRequestFields = [.cacheControl, .pragma]
    /// The preconditions of RFC 9110 §13.
    public static let preconditions: CacheRequestFields = [
        .ifNoneMatch, .ifModifiedSince, .ifMatch, .ifUnmodifiedSince,
    ]
    /// Fields that make the answer one request's own (a part, or a 412 for its precondition):
    /// such a request neither leads nor waits for a shared fetch.
    public static let personal: CacheRequestFields = [.range, .ifRange, .ifMatch, .ifUnmodifiedSince]
}

extension HTTPHeaders {
    /// The `CacheRequestFields` present, in one pass over the names.
    public var cacheRequestFields: CacheRequestFields {
        withStorage { storage in
            var found: CacheRequestFields = []
            let lengths: UInt32 = 1 << 5 | 1 << 6 | 1 << 8 | 1 << 13 | 1 << 17 | 1 << 19
            for index in 0..<storage.count {
                let entry = storage.entry(index)
                let count = entry.nameCount
                guard count < 32, lengths & 1 << UInt32(count) != 0 else { continue }
                found.formUnion(Self.cacheRequestField(storage.name(entry)))
            }
            return found
        }
    }

    private static func cacheRequestField(_ name: UnsafeRawBufferPointer) -> CacheRequestFields {
        func field(_ field: CacheRequestFields, _ lowercase: StaticString) -> CacheRequestFields? {
            ASCII.equalsIgnoringCase(name, lowercase: lowercase) ? field : nil
        }
        switch name.count {
        case 5: return field(.range, "range") ?? []
        case 6: return field(.pragma, "pragma") ?? []
        case 8: return field(.ifMatch, "if-match") ?? field(.ifRange, "if-range") ?? []
        case 13: return field(.cacheControl, "cache-control") ?? field(.ifNoneMatch, "if-none-match") ?? []
        case 17: return field(.ifModifiedSince, "if-modified-since") ?? []
        default: return field(.ifUnmodifiedSince, "if-unmodified-since") ?? []
        }
    }
}
