import PorticoConfig
import PorticoHTTP
import PorticoUpstream

/// The running configuration in the form workers use it: servers resolved, limits converted.
///
/// Immutable and shared by every worker; a reload builds a new one (resolving names off the event
/// loops) and posts it to each worker, so requests already running keep the one they started with.
final class Runtime: Sendable {
    let config: Config
    let parseLimits: ParseLimits
    let groups: [String: BackendGroup]
    let routes: [Route]

    init(config: Config) throws(SystemError) {
        self.config = config
        parseLimits = ParseLimits(
            requestLine: config.limits.requestLine,
            headerBytes: config.limits.requestHeaders,
            headerCount: config.limits.headerCount,
            body: config.limits.requestBody
        )
        var groups: [String: BackendGroup] = [:]
        for settings in config.backends {
            groups[settings.name] = try BackendGroup(settings)
        }
        self.groups = groups
        routes = config.routes
    }

    /// The backend group for a request: the first route whose host and path prefix match.
    func group(host: String?, path: String) -> BackendGroup? {
        let hostName = host.map(Runtime.stripPort)
        for route in routes {
            if let pattern = route.host {
                guard let hostName, Runtime.host(hostName, matches: pattern) else { continue }
            }
            if let prefix = route.pathPrefix, !path.hasPrefix(prefix) { continue }
            return groups[route.backend]
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
        if host.hasPrefix("[") {
            if let end = host.firstIndex(of: "]") { return String(host[...end]) }
            return host
        }
        if let colon = host.lastIndex(of: ":") { return String(host[..<colon]) }
        return host
    }
}

/// One `backend` block with its servers' addresses resolved.
struct BackendGroup: Sendable {
    let settings: BackendSettings
    let servers: [UpstreamServer]
    let addresses: [ResolvedAddress]

    var name: String { settings.name }

    init(_ settings: BackendSettings) throws(SystemError) {
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
    }
}
