// Consistent hashing (Ketama, as nginx's `hash … consistent` and HAProxy's `hash-type consistent`):
// every server owns `weight × pointsPerWeight` points on a 64-bit ring, placed by hashing its
// address, and a key goes to the owner of the first point at or after the key's hash. Removing a
// server moves only the keys it owned (about 1/n of them) and no key moves between the servers
// that stay, which is what keeps a cache behind each server warm across changes to the pool.
//
// Points are placed by address, not by position in the file, so reordering or removing other
// servers moves nothing. A key whose owner is not eligible walks on round the ring to the next
// eligible server, so failover is consistent too.

/// Sends each key to the same server as long as that server is eligible.
public struct ConsistentHashBalancer: Balancer {
    public let servers: [UpstreamServer]
    /// Points of the primary servers and, separately, of the backups, sorted.
    private let primaryRing: [Point]
    private let backupRing: [Point]

    struct Point {
        var position: UInt64
        var server: Int
    }

    public init(servers: [UpstreamServer], pointsPerWeight: Int = 160) {
        self.servers = servers
        func ring(backup: Bool) -> [Point] {
            var points: [Point] = []
            for (index, server) in servers.enumerated() where server.backup == backup {
                for replica in 0..<(server.weight * pointsPerWeight) {
                    points.append(Point(position: Self.hash("\(server.host):\(server.port)-\(replica)"), server: index))
                }
            }
            return points.sorted { $0.position < $1.position }
        }
        primaryRing = ring(backup: false)
        backupRing = ring(backup: true)
    }

    public mutating func pick(
        key: UInt64, inFlight: (Int) -> Int, where isEligible: (UpstreamServer) -> Bool
    ) -> UpstreamServer? {
        let position = SplitMix64.mix(key)
        return Self.walk(primaryRing, from: position, servers, isEligible)
            ?? Self.walk(backupRing, from: position, servers, isEligible)
    }

    /// The owner of the first point at or after `position`, or the next eligible one after it.
    private static func walk(
        _ ring: [Point], from position: UInt64, _ servers: [UpstreamServer], _ isEligible: (UpstreamServer) -> Bool
    ) -> UpstreamServer? {
        guard !ring.isEmpty else { return nil }
        var low = 0
        var high = ring.count
        while low < high {
            let middle = (low + high) / 2
            if ring[middle].position < position { low = middle + 1 } else { high = middle }
        }
        for step in 0..<ring.count {
            let server = servers[ring[(low + step) % ring.count].server]
            if isEligible(server) { return server }
        }
        return nil
    }

    /// FNV-1a over the bytes, then SplitMix64's finalizer for an even spread of the high bits.
    public static func hash(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return SplitMix64.mix(hash)
    }
}
