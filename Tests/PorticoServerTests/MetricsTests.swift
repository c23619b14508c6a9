import Foundation
import PorticoCache
import PorticoUpstream
import Testing

@testable import PorticoServer

@Suite struct MetricsTests {
    private func snapshot() -> StatsSnapshot {
        var latency = LatencyHistogram()
        latency.observe(0.004)
        latency.observe(0.3)
        var snapshot = StatsSnapshot(version: "0.1.0", uptime: 12.5)
        snapshot.responsesByClass = [0, 7, 1, 2, 3]
        snapshot.cache = StatsSnapshot.Cache(
            counters: CacheCounters.Snapshot(entries: 4, bytes: 4096, hits: 6, misses: 2, stale: 2, coalesced: 1),
            capacity: 1 << 20)
        snapshot.backends = [
            StatsSnapshot.Backend(
                name: "app", balance: "weighted",
                servers: [
                    StatsSnapshot.Server(
                        address: "127.0.0.1:9001", weight: 3, backup: false, health: "up", breaker: "half-open",
                        inFlight: 1, requests: 10, failures: 2, latency: latency)
                ])
        ]
        return snapshot
    }

    @Test func everyMetricHasOneHelpAndTypeLine() {
        let text = Metrics.render(snapshot())
        for metric in Metrics.table {
            #expect(text.components(separatedBy: "# HELP \(metric.name) ").count == 2, "\(metric.name)")
            #expect(text.contains("# TYPE \(metric.name) \(metric.kind.rawValue)\n"))
        }
        #expect(Set(Metrics.table.map(\.name)).count == Metrics.table.count, "a metric declared twice")
    }

    @Test func samplesCarryTheSnapshotsFigures() {
        let text = Metrics.render(snapshot())
        #expect(text.contains("portico_responses_total{class=\"5xx\"} 3\n"))
        #expect(text.contains("portico_cache_hit_ratio 0.6\n"))
        #expect(
            text.contains(
                "portico_backend_server_breaker{backend=\"app\",server=\"127.0.0.1:9001\",state=\"half-open\"} 1\n"))
        #expect(
            text.contains(
                "portico_backend_server_breaker{backend=\"app\",server=\"127.0.0.1:9001\",state=\"open\"} 0\n"))
        let series = "backend=\"app\",server=\"127.0.0.1:9001\""
        #expect(text.contains("portico_backend_server_latency_seconds_bucket{\(series),le=\"0.005\"} 1\n"))
        #expect(text.contains("portico_backend_server_latency_seconds_bucket{\(series),le=\"0.25\"} 1\n"))
        #expect(text.contains("portico_backend_server_latency_seconds_bucket{\(series),le=\"0.5\"} 2\n"))
        #expect(text.contains("portico_backend_server_latency_seconds_bucket{\(series),le=\"+Inf\"} 2\n"))
        #expect(text.contains("portico_backend_server_latency_seconds_count{\(series)} 2\n"))
    }

    @Test func labelValuesAreEscaped() {
        var snapshot = snapshot()
        snapshot.backends[0].name = "a\"b\\c\nd"
        #expect(Metrics.render(snapshot).contains("backend=\"a\\\"b\\\\c\\nd\""))
    }

    @Test func statsJSONHasTheDocumentedShape() {
        let json = snapshot().json
        #expect(json.hasPrefix("{\"version\":\"0.1.0\",\"uptime_seconds\":12.5,"))
        #expect(json.contains("\"requests\":{\"total\":13,\"1xx\":0,\"2xx\":7,\"3xx\":1,\"4xx\":2,\"5xx\":3}"))
        #expect(json.contains("\"hit_ratio\":0.6"))
        #expect(json.contains("\"health\":\"up\",\"breaker\":\"half-open\",\"in_flight\":1"))
        #expect(json.hasSuffix("}\n"))
    }

    @Test func jsonStringsEscapeQuotesBackslashesAndControls() {
        #expect(JSONWriter.quoted("a\"b\\c\n\u{1}") == "\"a\\\"b\\\\c\\n\\u0001\"")
    }

    @Test func tokensCompareWholly() {
        #expect(AdminServer.constantTimeEquals(Array("secret".utf8), Array("secret".utf8)))
        #expect(!AdminServer.constantTimeEquals(Array("secret".utf8), Array("secreT".utf8)))
        #expect(!AdminServer.constantTimeEquals(Array("secret".utf8), Array("secret2".utf8)))
        #expect(!AdminServer.constantTimeEquals([], Array("x".utf8)))
    }

    @Test func readmeListsEveryMetric() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        let table = Metrics.markdown
        let inSync = readme.contains(table)
        if !inSync { try? table.write(toFile: "/tmp/portico-metrics.md", atomically: true, encoding: .utf8) }
        #expect(inSync, "README's metric table is out of date: the current one is in /tmp/portico-metrics.md")
    }
}
