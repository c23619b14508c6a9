/// A validated `proxy.conf`: everything the server needs, immutable once built.
///
/// `parse(_:file:)` is the only way to get one from text; it either returns a complete, consistent
/// configuration or throws the first problem with its location. A reload parses a new `Config` and
/// swaps it in only when that succeeds, so a bad edit never disturbs a running proxy.
public struct Config: Sendable, Equatable {
    /// Event-loop threads; nil means one per CPU core (`workers auto`).
    public var workers: Int?
    /// At least one; in file order.
    public var listen: [SocketAddress]
    /// How long in-flight requests may take to finish on SIGTERM or SIGINT.
    public var shutdownTimeout: Duration
    public var timeouts: Timeouts
    public var limits: Limits
    public var cache: CacheSettings
    /// At least one; in file order, names unique.
    public var backends: [BackendSettings]
    /// In file order, first match wins; never empty (without `route` directives, one route sends
    /// everything to the first backend).
    public var routes: [Route]
    /// nil when there is no `admin` block.
    public var admin: AdminSettings?
    public var accessLog: AccessLog
    /// The host names to resolve, with their places in the file (`HostName`).
    public var hostNames: [HostName] = []
    /// Where an `access_log PATH` names its file, so the server can report a path it cannot write
    /// at its place (nil without one).
    public var accessLogLocation: SourceLocation?

    public init(
        workers: Int? = nil,
        listen: [SocketAddress] = [],
        shutdownTimeout: Duration = .seconds(30),
        timeouts: Timeouts = Timeouts(),
        limits: Limits = Limits(),
        cache: CacheSettings = CacheSettings(),
        backends: [BackendSettings] = [],
        routes: [Route] = [],
        admin: AdminSettings? = nil,
        accessLog: AccessLog = .off
    ) {
        self.workers = workers
        self.listen = listen
        self.shutdownTimeout = shutdownTimeout
        self.timeouts = timeouts
        self.limits = limits
        self.cache = cache
        self.backends = backends
        self.routes = routes
        self.admin = admin
        self.accessLog = accessLog
    }

    /// Parses and validates configuration text.
    ///
    /// - Parameter file: names the text in error locations; pass the path as the operator gave it,
    ///   so `portico -t -c conf/proxy.conf` reports `conf/proxy.conf:3:1: …`.
    /// - Throws: the first problem in file order: lexical, then syntactic, then per directive; then
    ///   the requirements of the file as a whole (a `listen`, a backend, routes to known backends).
    public static func parse(_ text: String, file: String) throws(ConfigError) -> Config {
        try ConfigBuilder.build(try Syntax.parse(text, file: file), file: file)
    }
}
