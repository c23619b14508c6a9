/// The body of a test `proxy.conf`: the settings the integration tests share, each overridable.
/// `PorticoProcess` adds `listen 127.0.0.1:0;` itself.
///
///     let proxy = try PorticoProcess(ProxyConfig(origin: origin.port))
///     var config = ProxyConfig(origin: origin.port); config.backendOptions = "response_timeout 1s;"
struct ProxyConfig: Sendable {
    var workers = 2
    var timeouts = "client_header 1s; client_idle 2s; send 5s;"
    var limits = "request_line 8k; request_headers 32k; header_count 100; request_body 64m; max_connections 1000;"
    /// The backend's servers: port on 127.0.0.1 and weight.
    var servers: [(port: UInt16, weight: Int)]
    var backendOptions = "keepalive 16; connect_timeout 1s; response_timeout 2s; retries 1;"
    /// Extra top-level directives, appended as written.
    var extra = ""

    init(servers: [(port: UInt16, weight: Int)]) { self.servers = servers }

    /// One backend server of weight 1.
    init(origin port: UInt16) { self.init(servers: [(port, 1)]) }

    var text: String {
        var text = """
            workers \(workers);
            timeouts { \(timeouts) }
            limits { \(limits) }
            backend app {

            """
        for server in servers { text += "    server 127.0.0.1:\(server.port) weight=\(server.weight);\n" }
        text += "    \(backendOptions)\n}\nroute backend=app;\n"
        if !extra.isEmpty { text += extra + "\n" }
        return text
    }
}
