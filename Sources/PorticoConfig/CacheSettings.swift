/// The response cache: the `cache { … }` block.
public struct CacheSettings: Sendable, Equatable {
    /// Byte budget for all entries, heads included.
    public var memory: Int64 = 256 << 20
    /// Larger responses are streamed through and not stored.
    public var maxObject: Int64 = 16 << 20
    public var eviction: Eviction = .lru
    /// How long a request waits for another's fetch of the same resource before it goes to the
    /// backend on its own.
    public var coalesceTimeout: Duration = .seconds(5)

    /// Which entry goes when the cache is full.
    public enum Eviction: String, Sendable, CaseIterable {
        /// Least recently used.
        case lru
        /// S3-FIFO (Yang et al., SOSP 2023), as Pingora's TinyUFO uses: resists one-hit scans.
        case s3fifo
    }

    public init(
        memory: Int64 = 256 << 20, maxObject: Int64 = 16 << 20, eviction: Eviction = .lru,
        coalesceTimeout: Duration = .seconds(5)
    ) {
        self.memory = memory
        self.maxObject = maxObject
        self.eviction = eviction
        self.coalesceTimeout = coalesceTimeout
    }
}
