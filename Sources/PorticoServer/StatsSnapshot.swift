import PorticoCache
import PorticoUpstream

/// Everything the admin endpoint reports, read once: `GET /stats` is its JSON and `GET /metrics`
/// renders it through `Metrics.table`, so the two never disagree about a figure.
struct StatsSnapshot: Sendable {
    var version: String
    var uptime: Double
    var connectionsOpen = 0
    var connectionsAccepted = 0
    /// Responses of 1xx … 5xx.
    var responsesByClass = [0, 0, 0, 0, 0]
    var bytesReceived = 0
    var bytesSent = 0
    /// nil when the cache is off (`memory 0`).
    var cache: Cache?
    var backends: [Backend] = []
    var transitions = BackendEventCounters.Counts()

    struct Cache: Sendable {
        var counters: CacheCounters.Snapshot
        /// `cache { memory }`.
        var capacity: Int
    }

    struct Backend: Sendable {
        var name: String
        var balance: String
        var servers: [Server]
    }

    struct Server: Sendable {
        var address: String
        var weight: Int
        var backup: Bool
        /// "up", "down", or "unchecked" without health checks.
        var health: String
        /// "closed", "open", "half-open", or "off" without a breaker.
        var breaker: String
        var inFlight: Int
        var requests: Int
        var failures: Int
        var latency: LatencyHistogram
    }

    var requestsTotal: Int { responsesByClass.reduce(0, +) }

    // MARK: - JSON

    /// The `GET /stats` document (README, "Operations", has its shape).
    var json: String {
        let out = JSONWriter()
        out.object {
            out.field("version", version)
            out.field("uptime_seconds", uptime)
            out.object("connections") {
                out.field("open", connectionsOpen)
                out.field("accepted", connectionsAccepted)
            }
            out.object("requests") {
                out.field("total", requestsTotal)
                for (index, count) in responsesByClass.enumerated() { out.field("\(index + 1)xx", count) }
            }
            out.object("bytes") {
                out.field("received", bytesReceived)
                out.field("sent", bytesSent)
            }
            out.object("cache") {
                out.field("enabled", cache != nil)
                let counters = cache?.counters ?? CacheCounters.Snapshot()
                out.field("entries", counters.entries)
                out.field("bytes", counters.bytes)
                out.field("capacity_bytes", cache?.capacity ?? 0)
                out.field("hits", counters.hits)
                out.field("misses", counters.misses)
                out.field("stale", counters.stale)
                out.field("coalesced", counters.coalesced)
                out.field("evictions", counters.evictions)
                out.field("hit_ratio", counters.hitRatio)
            }
            out.array("backends") {
                for backend in backends {
                    out.object {
                        out.field("name", backend.name)
                        out.field("balance", backend.balance)
                        out.array("servers") {
                            for server in backend.servers { Self.write(server, to: out) }
                        }
                    }
                }
            }
            out.object("events") {
                out.field("health_down", transitions.healthDown)
                out.field("health_up", transitions.healthUp)
                out.field("breaker_opened", transitions.breakerOpened)
                out.field("breaker_half_opened", transitions.breakerHalfOpened)
                out.field("breaker_closed", transitions.breakerClosed)
            }
        }
        return out.text + "\n"
    }

    private static func write(_ server: Server, to out: JSONWriter) {
        out.object {
            out.field("address", server.address)
            out.field("weight", server.weight)
            out.field("backup", server.backup)
            out.field("health", server.health)
            out.field("breaker", server.breaker)
            out.field("in_flight", server.inFlight)
            out.field("requests", server.requests)
            out.field("failures", server.failures)
            out.object("latency") {
                out.field("count", server.latency.count)
                out.field("sum_seconds", server.latency.sum)
                for (name, q) in [("p50_seconds", 0.5), ("p90_seconds", 0.9), ("p99_seconds", 0.99)] {
                    if let value = server.latency.quantile(q) { out.field(name, value) } else { out.nullField(name) }
                }
            }
        }
    }
}

/// Writes compact JSON: objects and arrays by closures, members separated as they come. A class,
/// so that the closures can write to the one writer they are nested in.
final class JSONWriter {
    private(set) var text = ""
    private var needsComma = false

    func object(_ name: String? = nil, _ body: () -> Void) {
        open(name, "{")
        body()
        close("}")
    }

    func array(_ name: String, _ body: () -> Void) {
        open(name, "[")
        body()
        close("]")
    }

    func field(_ name: String, _ value: String) { member(name, Self.quoted(value)) }
    func field(_ name: String, _ value: Int) { member(name, String(value)) }
    func field(_ name: String, _ value: Bool) { member(name, value ? "true" : "false") }
    func field(_ name: String, _ value: Double) { member(name, value.isFinite ? "\(value)" : "null") }
    func nullField(_ name: String) { member(name, "null") }

    private func member(_ name: String, _ value: String) {
        separate()
        text += Self.quoted(name) + ":" + value
        needsComma = true
    }

    private func open(_ name: String?, _ bracket: String) {
        separate()
        if let name { text += Self.quoted(name) + ":" }
        text += bracket
        needsComma = false
    }

    private func close(_ bracket: String) {
        text += bracket
        needsComma = true
    }

    private func separate() {
        if needsComma { text += "," }
    }

    /// A JSON string (RFC 8259 §7): quotes, backslashes and control characters escaped.
    static func quoted(_ value: String) -> String {
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
