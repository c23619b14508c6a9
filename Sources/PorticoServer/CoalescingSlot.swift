import PorticoCache
import PorticoHTTP

/// One fetch in the coalescing table: a cache key and, when the URL's responses vary, the
/// request's values for the Vary names (so requests that get different variants do not wait on
/// each other).
struct CoalescingSlot {
    var key: CacheKey
    var variantKey: String?

    /// The slot for `request`: its Vary values for the names that `stored` (any response stored
    /// under the key) lists.
    init(key: CacheKey, request: RequestHead, stored: CacheEntry?) {
        self.init(key: key, variantKey: Self.variantKey(of: request, stored: stored))
    }

    init(key: CacheKey, variantKey: String?) {
        self.key = key
        self.variantKey = variantKey
    }

    /// `request`'s values for the Vary names of `stored`, as one string; nil when nothing varies.
    static func variantKey(of request: RequestHead, stored: CacheEntry?) -> String? {
        guard let stored, !stored.varyNames.isEmpty else { return nil }
        let values = Variants.secondaryKey(fieldNames: stored.varyNames, requestHeaders: request.headers)
        return values.map { $0.map { "=" + $0 } ?? "-" }.joined(separator: "\u{0}")
    }
}
