/// Which backend serves a request: `route [host=H] [path=P] backend=NAME;`.
///
/// Routes are tried in file order and the first match wins. A route without `host` matches every
/// host, and one without `path` every path.
public struct Route: Sendable, Equatable {
    /// An exact host name, or `*.example.com` for any name ending in `.example.com`.
    public var host: String?
    /// Matches request paths that start with it; begins with `/`.
    public var pathPrefix: String?
    /// The name of a `backend` block.
    public var backend: String

    public init(host: String? = nil, pathPrefix: String? = nil, backend: String) {
        self.host = host
        self.pathPrefix = pathPrefix
        self.backend = backend
    }
}
