// Every directive of proxy.conf, declared once: name, arguments, value kind and range, default and
// a one-line doc. The parser checks against these tables, suggestions come from them, and
// `Config.reference()` renders them for the README, so adding a directive here is the whole job
// (plus its field in the settings type). Tables follow the file's nesting, outermost first.

/// The directive tables, one per block.
enum Directives {
    // MARK: - Ranges shared by several directives

    /// Waits on peers: long enough for anything sane, short enough to catch a typo of a unit.
    static let timeoutRange: ClosedRange<Duration> = .milliseconds(1) ... .seconds(3600)
    /// Waits that may legitimately be long: idle keep-alive, slow backends, breaker back-off.
    static let longTimeoutRange: ClosedRange<Duration> = .milliseconds(1) ... .seconds(86400)
    /// Byte budgets up to a terabyte.
    static let byteBudget: ClosedRange<Int64> = 0...(1 << 40)

    // MARK: - Top level

    static let topLevel = DirectiveTable<ConfigBuilder>(
        name: BlockSpec.topLevelName,
        title: "Top level",
        [
            .custom(
                "workers",
                arguments: 1...1,
                kind: .syntax("auto | 1–256"),
                default: "auto",
                doc: "Event-loop threads, each with its own listener; `auto` is one per CPU core."
            ) { (builder: inout ConfigBuilder, node: DirectiveNode) throws(ConfigError) in
                let argument = node.arguments[0]
                guard argument.text != "auto" else {
                    builder.config.workers = nil
                    return
                }
                guard argument.text.first?.isNumber == true else {
                    throw argument.error("\"workers\" expects auto or a number, got \"\(argument.text)\"")
                }
                builder.config.workers = try argument.integer(in: 1...256, for: "workers")
            },
            .custom(
                "listen",
                arguments: 1...1,
                kind: .address(lowestPort: 0),
                default: nil,
                repeatable: true,
                required: true,
                doc: "Where clients connect; repeatable, at least one. `[::1]:8080` for IPv6, `*:8080` for "
                    + "every IPv4 interface, port 0 for an ephemeral port."
            ) { (builder: inout ConfigBuilder, node: DirectiveNode) throws(ConfigError) in
                let argument = node.arguments[0]
                let address = try argument.address(lowestPort: 0, for: "listen")
                if address.port != 0, builder.config.listen.contains(address) {
                    throw argument.error("duplicate \"listen\" \(address)")
                }
                builder.config.listen.append(address)
            },
            .duration(
                "shutdown_timeout",
                \.config.shutdownTimeout,
                in: .zero ... .seconds(3600),
                doc: "On SIGTERM or SIGINT, how long requests in flight may take to finish."
            ),
            .block("timeouts", \.config.timeouts, table: timeouts, doc: "How long to wait on clients."),
            .block("limits", \.config.limits, table: limits, doc: "What clients may send, and how many at once."),
            .block("cache", \.config.cache, table: cache, doc: "The in-memory response cache."),
            .custom(
                "backend",
                arguments: 1...1,
                kind: .syntax("NAME { … }"),
                default: nil,
                repeatable: true,
                required: true,
                block: backend.spec,
                doc: "A named pool of origin servers; repeatable, at least one."
            ) { (builder: inout ConfigBuilder, node: DirectiveNode) throws(ConfigError) in
                let argument = node.arguments[0]
                guard !argument.text.isEmpty, argument.text.allSatisfy(ConfigBuilder.isNameCharacter) else {
                    throw argument.error(
                        "backend name must be letters, digits, \"-\", \"_\" or \".\", got \"\(argument.text)\""
                    )
                }
                if let first = builder.backendLocations[argument.text] {
                    throw argument.error(
                        "duplicate backend \"\(argument.text)\" (first defined on line \(first.line))"
                    )
                }
                builder.backendLocations[argument.text] = argument.location
                var settings = BackendSettings(name: argument.text)
                try backend.apply(node, to: &settings)
                builder.config.backends.append(settings)
            },
            .custom(
                "route",
                arguments: 1...3,
                kind: .syntax("[host=HOST] [path=PREFIX] backend=NAME"),
                default: "all to the first backend",
                repeatable: true,
                doc: "Sends matching requests to a backend; first match wins. `host=*.example.com` matches "
                    + "subdomains; `path=` matches a prefix."
            ) { (builder: inout ConfigBuilder, node: DirectiveNode) throws(ConfigError) in
                let options = try Options(node.arguments[...], of: "route", values: ["host", "path", "backend"])
                guard let backend = options.values["backend"] else {
                    throw ConfigError(location: node.location, message: "\"route\" needs backend=NAME")
                }
                var route = Route(backend: backend.text)
                if let host = options.values["host"] { route.host = try host.hostPattern(for: "host") }
                if let path = options.values["path"] { route.pathPrefix = try path.path(for: "path") }
                builder.config.routes.append(route)
                builder.routeBackends.append(backend)
            },
            .optionalBlock("admin", \.config.admin, table: admin, doc: "The admin endpoint; off without this block."),
            .custom(
                "access_log",
                arguments: 1...2,
                kind: .syntax("off | stdout [combined | json] | PATH [combined | json]"),
                default: "off",
                doc: "One line per request, to stdout or a file (reopened on SIGUSR1); format `combined` by default."
            ) { (builder: inout ConfigBuilder, node: DirectiveNode) throws(ConfigError) in
                let target = node.arguments[0]
                var format = AccessLog.Format.combined
                if node.arguments.count == 2 {
                    guard target.text != "off" else {
                        throw node.arguments[1].error("\"access_log off\" takes no format")
                    }
                    format = try node.arguments[1].keyword(AccessLog.Format.self, for: "access_log")
                }
                switch target.text {
                case "off": builder.config.accessLog = .off
                case "stdout": builder.config.accessLog = .stdout(format)
                default:
                    builder.config.accessLog = .file(try target.nonEmptyText(for: "access_log"), format)
                    builder.config.accessLogLocation = target.location
                }
            },
        ]
    )

    // MARK: - Client side

    static let timeouts = DirectiveTable<Timeouts>(
        name: "timeouts",
        [
            .duration(
                "client_header",
                \.clientHeader,
                in: timeoutRange,
                doc: "From a request's first byte until its whole head has arrived."
            ),
            .duration(
                "client_idle",
                \.clientIdle,
                in: longTimeoutRange,
                doc: "Between requests on a keep-alive connection, and between reads of a body."
            ),
            .duration(
                "send",
                \.send,
                in: timeoutRange,
                doc: "While a response waits for the client to read what was already sent."
            ),
        ]
    )

    static let limits = DirectiveTable<Limits>(
        name: "limits",
        [
            .size("request_line", \.requestLine, in: 64...(1 << 20), doc: "Longest request-line; longer gets 414."),
            .size(
                "request_headers",
                \.requestHeaders,
                in: 256...(16 << 20),
                doc: "All header fields together; more gets 431."
            ),
            .integer("header_count", \.headerCount, in: 1...10000, doc: "Number of header fields; more gets 431."),
            .size("request_body", \.requestBody, in: byteBudget, doc: "Largest request body; larger gets 413."),
            .integer(
                "max_connections",
                \.maxConnections,
                in: 1...1_000_000,
                doc: "Open client connections over all workers; more wait in the accept queue."
            ),
        ]
    )

    static let cache = DirectiveTable<CacheSettings>(
        name: "cache",
        [
            .size("memory", \.memory, in: byteBudget, doc: "Byte budget for all entries, heads included."),
            .size(
                "max_object",
                \.maxObject,
                in: byteBudget,
                doc: "Larger responses stream through without being stored."
            ),
            .keyword("eviction", \.eviction, doc: "Which entry goes when the cache is full."),
            .duration(
                "coalesce_timeout",
                \.coalesceTimeout,
                in: timeoutRange,
                doc: "How long a request waits for another's fetch of the same URL, then fetches on its own."
            ),
        ]
    )

    // MARK: - Backends

    static let backend = DirectiveTable<BackendSettings>(
        name: "backend",
        title: "backend NAME { … }",
        [
            .keyword("balance", \.balance, doc: "How a request picks a server."),
            .custom(
                "server",
                arguments: 1...4,
                kind: .syntax("HOST:PORT [weight=1–1000] [max_conns=N] [backup]"),
                default: nil,
                repeatable: true,
                required: true,
                doc: "An origin server; repeatable, at least one. `backup` servers take traffic only when no "
                    + "other is available."
            ) { (settings: inout BackendSettings, node: DirectiveNode) throws(ConfigError) in
                let first = node.arguments[0]
                let address = try first.address(lowestPort: 1, for: "server")
                guard !settings.servers.contains(where: { $0.address == address }) else {
                    throw first.error("duplicate server \(address) in backend \"\(settings.name)\"")
                }
                let options = try Options(
                    node.arguments.dropFirst(),
                    of: "server",
                    values: ["weight", "max_conns"],
                    flags: ["backup"]
                )
                var server = ServerSettings(address: address)
                if let weight = options.values["weight"] {
                    server.weight = try weight.integer(in: 1...1000, for: "weight")
                }
                if let maxConns = options.values["max_conns"] {
                    server.maxConns = try maxConns.integer(in: 1...1_000_000, for: "max_conns")
                }
                server.backup = options.flags.contains("backup")
                settings.servers.append(server)
            },
            .integer("keepalive", \.keepalive, in: 0...10000, doc: "Idle connections kept per server and worker."),
            .duration("connect_timeout", \.connectTimeout, in: timeoutRange, doc: "To open a connection to a server."),
            .duration(
                "response_timeout",
                \.responseTimeout,
                in: longTimeoutRange,
                doc: "From sending a request until the response head has arrived."
            ),
            .integer(
                "retries", \.retries, in: 0...10, doc: "Other servers tried after a failure that is safe to retry."),
            .custom(
                "queue",
                arguments: 3...3,
                kind: .syntax("N timeout DURATION"),
                default: "off",
                doc: "When every server is at `max_conns`, up to N requests wait this long, then get 503."
            ) { (settings: inout BackendSettings, node: DirectiveNode) throws(ConfigError) in
                let size = try node.arguments[0].integer(in: 1...100_000, for: "queue")
                guard node.arguments[1].text == "timeout" else {
                    throw node.arguments[1].error(
                        "\"queue\" expects \"timeout\" after the size, as in queue 100 timeout 5s, "
                            + "got \"\(node.arguments[1].text)\""
                    )
                }
                let timeout = try node.arguments[2].duration(in: timeoutRange, for: "queue timeout")
                settings.queue = QueueSettings(size: size, timeout: timeout)
            },
            .optionalBlock("health", \.health, table: health, doc: "Active health checks; off without this block."),
            .optionalBlock(
                "circuit_breaker",
                \.circuitBreaker,
                table: circuitBreaker,
                doc: "Takes failing servers out of rotation; off without this block."
            ),
        ]
    )

    static let health = DirectiveTable<HealthCheckSettings>(
        name: "health",
        [
            .path("path", \.path, doc: "Requested with GET from every server."),
            .duration("interval", \.interval, in: timeoutRange, doc: "Between two checks of one server."),
            .duration("timeout", \.timeout, in: timeoutRange, doc: "A check that takes longer fails."),
            .integer("rise", \.rise, in: 1...100, doc: "Consecutive passes that bring a server back."),
            .integer("fall", \.fall, in: 1...100, doc: "Consecutive failures that take a server out."),
            .custom(
                "expect",
                arguments: 1...1,
                kind: .syntax("CODE | LOW-HIGH"),
                default: {
                    let codes = HealthCheckSettings.initial.expect
                    return "\(codes.lowerBound)-\(codes.upperBound)"
                }(),
                doc: "Status codes that count as a pass."
            ) { (settings: inout HealthCheckSettings, node: DirectiveNode) throws(ConfigError) in
                settings.expect = try node.arguments[0].statusRange(for: "expect")
            },
            .keyword(
                "initial", \.initial, doc: "A server's state before its first checks: up, or down until rise passes."),
        ]
    )

    static let circuitBreaker = DirectiveTable<CircuitBreakerSettings>(
        name: "circuit_breaker",
        [
            .integer("failures", \.failures, in: 1...10000, doc: "Consecutive failures that open the breaker."),
            .duration("open", \.open, in: timeoutRange, doc: "How long it stays open the first time."),
            .duration(
                "open_max",
                \.openMax,
                in: longTimeoutRange,
                doc: "The open time doubles after each failed probe, up to this."
            ),
            .integer(
                "half_open_requests",
                \.halfOpenRequests,
                in: 1...1000,
                doc: "Requests let through to probe a server while half-open."
            ),
            .integer(
                "max_ejection_percent",
                \.maxEjectionPercent,
                in: 0...100,
                doc: "At most this share of a backend's servers is out at once (always at least one)."
            ),
            .custom(
                "failure_status",
                arguments: 1...1,
                kind: .syntax("CODE | LOW-HIGH"),
                default: {
                    let codes = CircuitBreakerSettings().failureStatuses
                    return "\(codes.lowerBound)-\(codes.upperBound)"
                }(),
                doc: "Response codes that count as failures, besides connect errors, resets and timeouts."
            ) { (settings: inout CircuitBreakerSettings, node: DirectiveNode) throws(ConfigError) in
                settings.failureStatuses = try node.arguments[0].statusRange(for: "failure_status")
            },
        ],
        finish: { (settings: inout CircuitBreakerSettings, node: DirectiveNode) throws(ConfigError) in
            guard settings.openMax >= settings.open else {
                let location =
                    node.block?.last(where: { $0.name == "open_max" || $0.name == "open" })?.location ?? node.location
                throw ConfigError(
                    location: location,
                    message: "\"open_max\" (\(DurationValue.format(settings.openMax))) is shorter than \"open\" "
                        + "(\(DurationValue.format(settings.open)))"
                )
            }
        }
    )

    // MARK: - Operations

    static let admin = DirectiveTable<AdminSettings>(
        name: "admin",
        [
            .address("listen", \.listen, doc: "Its own listener; keep it off public interfaces."),
            .string("token", \.token, doc: "When set, requests need `Authorization: Bearer TOKEN`."),
        ]
    )

    // MARK: - Lookup

    /// Where each directive name is allowed, by block name, for "it belongs in …".
    private static let placesByName: [String: [String]] = {
        var places: [String: [String]] = [:]
        for (_, block) in topLevel.spec.allBlocks() {
            for directive in block.directives where places[directive.name]?.contains(block.name) != true {
                places[directive.name, default: []].append(block.name)
            }
        }
        return places
    }()

    /// The blocks that allow a directive of this name; empty for a name no block knows.
    static func blocks(containing name: String) -> [String] {
        placesByName[name] ?? []
    }
}

// MARK: - Block defaults

extension Timeouts: BlockValue {
    static var initial: Timeouts { Timeouts() }
}

extension Limits: BlockValue {
    static var initial: Limits { Limits() }
}

extension CacheSettings: BlockValue {
    static var initial: CacheSettings { CacheSettings() }
}

extension BackendSettings: BlockValue {
    static var initial: BackendSettings { BackendSettings(name: "") }
}

extension HealthCheckSettings: BlockValue {
    static var initial: HealthCheckSettings { HealthCheckSettings() }
}

extension CircuitBreakerSettings: BlockValue {
    static var initial: CircuitBreakerSettings { CircuitBreakerSettings() }
}

extension AdminSettings: BlockValue {
    static var initial: AdminSettings { AdminSettings() }
}
