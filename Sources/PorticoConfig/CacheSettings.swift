/// The response cache: the `cache { … }` block.
public struct CacheSettings: Sendable, Equatable {
    /// Byte budget for all entries, heads included.
    public var memory: Int64 = 256 << 20
    /// Larger responses are streamed through and not stored.
    public var maxObject: Int64 = 16 << 20
    public var eviction: Eviction = .lru

    /// Which entry goes when the cache is full.
    public enum Eviction: String, Sendable, CaseIterable {
        /// Least recently used.
        case lru
        /// S3-FIFO (Yang et al., SOSP 2023), as Pingora's TinyUFO uses: resists one-hit scans.
        case s3fifo
    }

    public init(memory: Int64 = 256 << 20, maxObject: Int64 = 16 << 20, eviction: Eviction = .lru) {
        self.memory = memory
        self.maxObject = maxObject
        self.eviction = eviction
    }
}
