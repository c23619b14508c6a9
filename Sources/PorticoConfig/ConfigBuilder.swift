/// Builds a `Config` from the directive tree: the top-level table fills it in directive by directive,
/// then `finished` checks what only the whole file can tell.
struct ConfigBuilder: BlockValue {
    static var initial: ConfigBuilder { ConfigBuilder() }

    var config = Config()
    /// Where each backend was defined, for duplicate names.
    var backendLocations: [String: SourceLocation] = [:]
    /// The `backend=` value of each route, checked once every backend is known (a route may come
    /// before the backend it names).
    var routeBackends: [Argument] = []

    static func build(_ nodes: [DirectiveNode], file: String) throws(ConfigError) -> Config {
        var builder = ConfigBuilder()
        try Directives.topLevel.applyTopLevel(
            nodes, to: &builder, start: SourceLocation(file: file, line: 1, column: 1))
        var config = try builder.finished()
        try checkAdminPort(nodes)
        config.hostNames = HostName.all(in: nodes)
        return config
    }

    /// The admin listener may not take a proxy listener's port: binding it would fail at start
    /// (or, through `SO_REUSEPORT`, take part of the traffic), so `-t` says so with the place.
    static func checkAdminPort(_ nodes: [DirectiveNode]) throws(ConfigError) {
        func address(_ node: DirectiveNode) -> (SocketAddress, Argument)? {
            guard let argument = node.arguments.first,
                case .success(let address) = SocketAddress.parse(argument.text)
            else { return nil }
            return (address, argument)
        }
        let listeners = nodes.filter { $0.name == "listen" }.compactMap(address)
        let adminListens = nodes.filter { $0.name == "admin" }.flatMap { $0.block ?? [] }.filter { $0.name == "listen" }
        for (admin, argument) in adminListens.compactMap(address) where admin.port != 0 {
            let wildcards: Set<String> = ["0.0.0.0", "::"]
            for (listener, listenArgument) in listeners where listener.port == admin.port {
                guard listener.host == admin.host || wildcards.contains(listener.host) || wildcards.contains(admin.host)
                else { continue }
                throw argument.error(
                    "admin \"listen\" \(argument.text) overlaps the proxy's \"listen\" \(listenArgument.text) on line "
                        + "\(listenArgument.location.line); give the admin a port of its own")
            }
        }
    }

    /// The config, once every route names a known backend; without routes, everything goes to
    /// the first backend. (The table has already made sure of a listener and a backend.)
    func finished() throws(ConfigError) -> Config {
        let names = config.backends.map(\.name)
        for argument in routeBackends where !names.contains(argument.text) {
            throw argument.error(
                "unknown backend \"\(argument.text)\"" + Suggestion.didYouMean(argument.text, among: names)
            )
        }
        var config = self.config
        if config.routes.isEmpty, let first = config.backends.first { config.routes = [Route(backend: first.name)] }
        return config
    }

    /// Backend names: letters, digits, `-`, `_` and `.`, so they read well in logs and metrics labels.
    static func isNameCharacter(_ character: Character) -> Bool {
        character.isASCII
            && (character.isLetter || character.isNumber || character == "-" || character == "_"
                || character == ".")
    }
}
