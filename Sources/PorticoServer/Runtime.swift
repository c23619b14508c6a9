import Glibc
import PorticoConfig
import PorticoHTTP
import PorticoUpstream
import Synchronization

/// The running configuration in the form workers use it: servers resolved, limits converted.
///
/// Immutable and shared by every worker; a reload builds a new one (resolving names off the event
/// loops) and posts it to each worker, so requests already running keep the one they started with.
final class Runtime: Sendable {
    let config: Config
    let parseLimits: ParseLimits
    /// Limits for backend response heads: at least 64 KiB and 200 fields, whatever clients get.
    let responseLimits: ParseLimits
    let groups: [String: BackendGroup]
    let routes: [Route]
    /// `timeouts { … }` as timevals, ready for libevent.
    let clientHeaderTimeout: timeval
    let clientIdleTimeout: timeval
    let sendTimeout: timeval
    /// `cache { coalesce_timeout }`: how long a request waits for another's fetch.
    let coalesceTimeout: timeval
    /// Each route's group, looked up once rather than by name on every request.
    private let routeGroups: [BackendGroup?]

    /// `pools` carries each backend's server standing (health, breakers) across reloads.
    init(config: Config, pools: BackendPools) throws(SystemError) {
        self.config = config
        parseLimits = ParseLimits(
            requestLine: config.limits.requestLine,
            headerBytes: config.limits.requestHeaders,
            headerCount: config.limits.headerCount,
            body: config.limits.requestBody
        )
        var responseLimits = ParseLimits()
        responseLimits.headerBytes = max(config.limits.requestHeaders, 65536)
        responseLimits.headerCount = max(config.limits.headerCount, 200)
        self.responseLimits = responseLimits
        var groups: [String: BackendGroup] = [:]
        for (index, settings) in config.backends.enumerated() {
            groups[settings.name] = try BackendGroup(settings, index: index, pools: pools)
        }
        self.groups = groups
        routes = config.routes
        routeGroups = config.routes.map { groups[$0.backend] }
        clientHeaderTimeout = timeval(config.timeouts.clientHeader)
        clientIdleTimeout = timeval(config.timeouts.clientIdle)
        sendTimeout = timeval(config.timeouts.send)
        coalesceTimeout = timeval(config.cache.coalesceTimeout)
    }

    /// The backend group for a request: the first route whose host and path prefix match.
    func group(host: String?, path: String) -> BackendGroup? {
        var hostName: String?
        for (index, route) in routes.enumerated() {
            if let pattern = route.host {
                if hostName == nil, let host { hostName = Runtime.stripPort(host) }
                guard let hostName, Runtime.host(hostName, matches: pattern) else { continue }
            }
            if let prefix = route.pathPrefix, !path.utf8.starts(with: prefix.utf8) { continue }
            return routeGroups[index]
        }
        return nil
    }

    /// "*.example.com" matches any name ending in ".example.com"; other patterns match exactly,
    /// ignoring ASCII case.
    static func host(_ host: String, matches pattern: String) -> Bool {
        let host = host.lowercased()
        let pattern = pattern.lowercased()
        if pattern.hasPrefix("*.") { return host.hasSuffix(pattern.dropFirst(1)) }
        return host == pattern
    }

    static func stripPort(_ host: String) -> String {
        let bytes = host.utf8
        if bytes.first == UInt8(ascii: "[") {
            if let end = bytes.firstIndex(of: UInt8(ascii: "]")) { return String(host[...end]) }
            return host
        }
        if let colon = bytes.lastIndex(of: UInt8(ascii: ":")) { return String(host[..<colon]) }
        return host
    }
}

/// One `backend` block with its servers' addresses resolved. A class, so that the request path
/// passes one reference around rather than copying (and retaining) each of its arrays.
final class BackendGroup: Sendable {
    let settings: BackendSettings
    let servers: [UpstreamServer]
    let addresses: [ResolvedAddress]
    let connectTimeout: timeval
    let responseTimeout: timeval
    /// Each server's keep-alive pool slot (`ServerSlots`), by server id.
    let slots: [Int]
    /// Tells groups of different configurations apart, so a request that began before a reload
    /// never picks a server from the new group's balancer and dials the old group's address.
    let generation: Int

    var name: String { settings.name }
    /// Position of the block in its configuration, for per-worker arrays indexed by group.
    let index: Int

    /// The servers' shared standing: health, breakers, requests in flight.
    let pool: BackendPool

    init(_ settings: BackendSettings, index: Int, pools: BackendPools) throws(SystemError) {
        self.index = index
        self.settings = settings
        var servers: [UpstreamServer] = []
        var addresses: [ResolvedAddress] = []
        for (index, server) in settings.servers.enumerated() {
            servers.append(
                UpstreamServer(
                    id: index,
                    host: server.address.host,
                    port: server.address.port,
                    weight: server.weight,
                    maxConns: server.maxConns,
                    backup: server.backup
                )
            )
            addresses.append(try ResolvedAddress(server.address))
        }
        self.servers = servers
        self.addresses = addresses
        connectTimeout = timeval(settings.connectTimeout)
        responseTimeout = timeval(settings.responseTimeout)
        slots = settings.servers.map { ServerSlots.shared.slot(for: $0.address) }
        generation = ServerSlots.shared.nextGeneration()
        pool = pools.pool(for: settings, servers: servers)
    }
}

/// Every backend's pool by name, so a reload hands each server's health and breaker state on to
/// the new configuration's pool for the same address; and the observers of their changes.
final class BackendPools: Sendable {
    let events = BackendEvents()
    /// Health and breaker transitions counted, for the admin endpoint.
    let transitions = BackendEventCounters()
    private let pools = Mutex<[String: BackendPool]>([:])

    init() {
        events.register(transitions)
    }

    func pool(for settings: BackendSettings, servers: [UpstreamServer]) -> BackendPool {
        let guards = PoolGuards(
            breaker: settings.circuitBreaker.map {
                CircuitBreaker.Settings(
                    failures: $0.failures, open: $0.open.seconds, openMax: $0.openMax.seconds,
                    halfOpenRequests: $0.halfOpenRequests)
            },
            health: settings.health.map { HealthGuard(rise: $0.rise, fall: $0.fall, startsUp: $0.initial == .up) },
            maxEjectionPercent: settings.circuitBreaker?.maxEjectionPercent ?? 50,
            failureStatuses: settings.circuitBreaker?.failureStatuses ?? 500...599)
        return pools.withLock { pools in
            let pool = BackendPool(
                name: settings.name, servers: servers, guards: guards, events: events, previous: pools[settings.name])
            pools[settings.name] = pool
            return pool
        }
    }
}

extension Duration {
    /// The duration in seconds, as the pure modules take time.
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

/// Numbers every server address once for the life of the process, so workers keep their idle
/// connections in arrays indexed by slot instead of hashing an address per request. A reload that
/// keeps an address keeps its slot (and its pooled connections); one that changes what a backend
/// block's first server is gets another slot, so a pooled connection is never reused for it.
final class ServerSlots: Sendable {
    static let shared = ServerSlots()

    private let slots = Mutex<[SocketAddress: Int]>([:])
    private let generations = Atomic<Int>(0)

    func nextGeneration() -> Int {
        generations.add(1, ordering: .relaxed).newValue
    }

    func slot(for address: SocketAddress) -> Int {
        slots.withLock { slots in
            if let slot = slots[address] { return slot }
            let slot = slots.count
            slots[address] = slot
            return slot
        }
    }
}
