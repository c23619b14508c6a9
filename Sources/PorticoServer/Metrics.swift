import PorticoUpstream

/// The Prometheus metrics of `GET /metrics`: one table that declares each metric once (name,
/// help, type) with how to read its samples from a `StatsSnapshot`, and the text exposition
/// format (0.0.4) rendered from it.
enum Metrics {
    enum Kind: String, Sendable {
        case counter
        case gauge
        case histogram
    }

    struct Sample: Sendable {
        var labels: [(String, String)]
        var value: Double
    }

    struct Metric: Sendable {
        var name: String
        var help: String
        var kind: Kind
        /// Counter and gauge samples.
        var samples: @Sendable (StatsSnapshot) -> [Sample] = { _ in [] }
        /// Histogram series, each with its labels.
        var histograms: @Sendable (StatsSnapshot) -> [Series] = { _ in [] }
    }

    struct Series: Sendable {
        var labels: [(String, String)]
        var histogram: LatencyHistogram
    }

    private static func one(_ value: Int) -> [Sample] { [Sample(labels: [], value: Double(value))] }

    /// Samples of every server, labelled `backend` and `server`.
    private static func perServer(
        _ value: @escaping @Sendable (StatsSnapshot.Server) -> Double
    ) -> @Sendable (StatsSnapshot) -> [Sample] {
        { snapshot in
            var samples: [Sample] = []
            for backend in snapshot.backends {
                for server in backend.servers {
                    let labels = [("backend", backend.name), ("server", server.address)]
                    samples.append(Sample(labels: labels, value: value(server)))
                }
            }
            return samples
        }
    }

    /// Every metric, once.
    static let table: [Metric] = [
        Metric(name: "portico_uptime_seconds", help: "Seconds since Portico started.", kind: .gauge) {
            [Sample(labels: [], value: $0.uptime)]
        },
        Metric(name: "portico_connections_open", help: "Client connections open now.", kind: .gauge) {
            one($0.connectionsOpen)
        },
        Metric(
            name: "portico_connections_accepted_total", help: "Client connections accepted.", kind: .counter
        ) { one($0.connectionsAccepted) },
        Metric(name: "portico_responses_total", help: "Responses sent to clients, by status class.", kind: .counter) {
            snapshot in
            var samples: [Sample] = []
            for (index, count) in snapshot.responsesByClass.enumerated() {
                samples.append(Sample(labels: [("class", "\(index + 1)xx")], value: Double(count)))
            }
            return samples
        },
        Metric(name: "portico_received_bytes_total", help: "Bytes read from clients.", kind: .counter) {
            one($0.bytesReceived)
        },
        Metric(name: "portico_sent_bytes_total", help: "Bytes written to clients.", kind: .counter) {
            one($0.bytesSent)
        },
        Metric(name: "portico_cache_entries", help: "Responses stored in the cache.", kind: .gauge) {
            one($0.cache?.counters.entries ?? 0)
        },
        Metric(name: "portico_cache_bytes", help: "Bytes the cache's entries take, heads included.", kind: .gauge) {
            one($0.cache?.counters.bytes ?? 0)
        },
        Metric(name: "portico_cache_capacity_bytes", help: "The cache's byte budget (cache memory).", kind: .gauge) {
            one($0.cache?.capacity ?? 0)
        },
        Metric(
            name: "portico_cache_hits_total", help: "Requests answered with a fresh stored response.", kind: .counter
        ) {
            one($0.cache?.counters.hits ?? 0)
        },
        Metric(name: "portico_cache_misses_total", help: "Lookups that found no usable response.", kind: .counter) {
            one($0.cache?.counters.misses ?? 0)
        },
        Metric(
            name: "portico_cache_stale_total", help: "Requests answered with a stale stored response.", kind: .counter
        ) {
            one($0.cache?.counters.stale ?? 0)
        },
        Metric(
            name: "portico_cache_coalesced_total", help: "Requests that waited for another request's fetch.",
            kind: .counter
        ) { one($0.cache?.counters.coalesced ?? 0) },
        Metric(
            name: "portico_cache_evictions_total", help: "Entries evicted to stay within the budget.", kind: .counter
        ) {
            one($0.cache?.counters.evictions ?? 0)
        },
        Metric(
            name: "portico_cache_hit_ratio", help: "Fresh hits over cache lookups (hits, stale and misses).",
            kind: .gauge
        ) {
            [Sample(labels: [], value: $0.cache?.counters.hitRatio ?? 0)]
        },
        Metric(
            name: "portico_backend_server_weight", help: "The server's weight in its backend.", kind: .gauge,
            samples: perServer { Double($0.weight) }),
        Metric(
            name: "portico_backend_server_up", help: "1 while health checks (if any) find the server up.",
            kind: .gauge, samples: perServer { $0.health == "down" ? 0 : 1 }),
        Metric(
            name: "portico_backend_server_breaker", help: "1 for the server's breaker state (off without a breaker).",
            kind: .gauge
        ) { snapshot in
            var samples: [Sample] = []
            for backend in snapshot.backends {
                for server in backend.servers {
                    for state in ["closed", "open", "half-open", "off"] {
                        let labels = [("backend", backend.name), ("server", server.address), ("state", state)]
                        samples.append(Sample(labels: labels, value: server.breaker == state ? 1 : 0))
                    }
                }
            }
            return samples
        },
        Metric(
            name: "portico_backend_server_in_flight", help: "Requests at the server now.", kind: .gauge,
            samples: perServer { Double($0.inFlight) }),
        Metric(
            name: "portico_backend_server_requests_total", help: "Requests sent to the server.", kind: .counter,
            samples: perServer { Double($0.requests) }),
        Metric(
            name: "portico_backend_server_failures_total",
            help: "Requests to the server that failed (connect errors, resets, timeouts, failure statuses).",
            kind: .counter, samples: perServer { Double($0.failures) }),
        Metric(
            name: "portico_backend_server_latency_seconds",
            help: "Time from sending a request to the server to its response head.", kind: .histogram,
            histograms: { snapshot in
                var series: [Series] = []
                for backend in snapshot.backends {
                    for server in backend.servers {
                        series.append(
                            Series(
                                labels: [("backend", backend.name), ("server", server.address)],
                                histogram: server.latency))
                    }
                }
                return series
            }),
        Metric(
            name: "portico_backend_health_transitions_total", help: "Servers marked up or down by health checks.",
            kind: .counter
        ) {
            [
                Sample(labels: [("to", "down")], value: Double($0.transitions.healthDown)),
                Sample(labels: [("to", "up")], value: Double($0.transitions.healthUp)),
            ]
        },
        Metric(
            name: "portico_backend_breaker_transitions_total", help: "Circuit breaker state changes, by new state.",
            kind: .counter
        ) {
            [
                Sample(labels: [("to", "open")], value: Double($0.transitions.breakerOpened)),
                Sample(labels: [("to", "half-open")], value: Double($0.transitions.breakerHalfOpened)),
                Sample(labels: [("to", "closed")], value: Double($0.transitions.breakerClosed)),
            ]
        },
    ]

    /// The README's list of metrics, as a Markdown table (a test keeps the README in step).
    static var markdown: String {
        var out = "| Metric | Type | Labels | Meaning |\n|---|---|---|---|\n"
        let snapshot = example
        for metric in table {
            let samples = metric.samples(snapshot).map(\.labels) + metric.histograms(snapshot).map(\.labels)
            let names = samples.first.map { $0.map(\.0) } ?? []
            let labels = names.isEmpty ? "" : names.map { "`\($0)`" }.joined(separator: ", ")
            out += "| `\(metric.name)` | \(metric.kind.rawValue) | \(labels) | \(metric.help) |\n"
        }
        return out
    }

    /// A snapshot with one backend and one server, so every metric shows its labels.
    private static var example: StatsSnapshot {
        var snapshot = StatsSnapshot(version: "", uptime: 0)
        snapshot.backends = [
            StatsSnapshot.Backend(
                name: "app", balance: "weighted",
                servers: [
                    StatsSnapshot.Server(
                        address: "a", weight: 1, backup: false, health: "up", breaker: "closed", inFlight: 0,
                        requests: 0, failures: 0, latency: LatencyHistogram())
                ])
        ]
        return snapshot
    }

    /// The text exposition of every metric in `table`.
    static func render(_ snapshot: StatsSnapshot) -> String {
        var out = ""
        for metric in table {
            out += "# HELP \(metric.name) \(metric.help)\n# TYPE \(metric.name) \(metric.kind.rawValue)\n"
            for sample in metric.samples(snapshot) {
                out += metric.name + labels(sample.labels) + " " + number(sample.value) + "\n"
            }
            for entry in metric.histograms(snapshot) {
                let series = entry.labels
                let histogram = entry.histogram
                let cumulative = histogram.cumulative
                for (index, bound) in LatencyHistogram.bounds.enumerated() {
                    out += "\(metric.name)_bucket\(labels(series + [("le", number(bound))])) \(cumulative[index])\n"
                }
                out += "\(metric.name)_bucket\(labels(series + [("le", "+Inf")])) \(histogram.count)\n"
                out += "\(metric.name)_sum\(labels(series)) \(number(histogram.sum))\n"
                out += "\(metric.name)_count\(labels(series)) \(histogram.count)\n"
            }
        }
        return out
    }

    private static func labels(_ pairs: [(String, String)]) -> String {
        guard !pairs.isEmpty else { return "" }
        return "{" + pairs.map { "\($0.0)=\"\(escaped($0.1))\"" }.joined(separator: ",") + "}"
    }

    /// Label values escape backslash, double quote and line feed.
    private static func escaped(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }

    /// Integers without a fraction, others as Swift prints them (Go's ParseFloat reads both).
    private static func number(_ value: Double) -> String {
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value.isNaN { return "NaN" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
        return "\(value)"
    }
}
