import CLibevent
import PorticoConfig
import PorticoHTTP
import PorticoUpstream

/// The active health check of one server: every `interval`, a GET of the check path on a fresh
/// connection (never a pooled one, so a check sees what a new client would), on this worker's
/// loop without blocking. The status line decides: a code in `expect` passes; anything else, a
/// refused or reset connection, or no answer within `timeout` fails. The pool turns passes and
/// failures into up and down by `rise` and `fall`.
final class HealthProbe: UpstreamConnectionDelegate {
    private unowned let worker: Worker
    private let group: BackendGroup
    private let server: UpstreamServer
    private let settings: HealthCheckSettings
    private let request: [UInt8]
    private var timer: IOEvent?
    private var connection: UpstreamConnection?
    private var parser: ResponseParser

    init(worker: Worker, group: BackendGroup, server: UpstreamServer, settings: HealthCheckSettings) {
        self.worker = worker
        self.group = group
        self.server = server
        self.settings = settings
        let host = server.authority
        request = Array(
            "GET \(settings.path) HTTP/1.1\r\nHost: \(host)\r\nUser-Agent: portico-health-check\r\nConnection: close\r\n\r\n"
                .utf8)
        var limits = ParseLimits()
        limits.headerBytes = 16384
        parser = ResponseParser(limits: limits)
    }

    /// Checks at once, then every `interval`.
    func start() {
        timer = IOEvent(base: worker.base, fd: -1, events: Int16(EV_PERSIST)) { [unowned self] _ in check() }
        timer?.add(timeout: settings.interval)
        check()
    }

    func stop() {
        timer?.delete()
        timer = nil
        connection?.close()
        connection = nil
    }

    private func check() {
        // A check still waiting for its answer is not doubled; its own timeout ends it.
        guard connection == nil else { return }
        parser.reset()
        let timeout = timeval(settings.timeout)
        do {
            let connection = try UpstreamConnection(
                worker: worker, server: server, slot: group.slots[server.id], address: group.addresses[server.id],
                connectTimeout: timeout)
            self.connection = connection
            connection.output.append(request)
            connection.begin(delegate: self, responseTimeout: timeout, reused: false)
            connection.requestSent()
        } catch {
            finish(passed: false, detail: "connect: \(error.description)")
        }
    }

    private func finish(passed: Bool, detail: String) {
        connection?.close()
        connection = nil
        group.pool.recordCheck(server.id, passed: passed, detail: detail)
    }

    // MARK: - UpstreamConnectionDelegate

    func upstreamReceived(_ upstream: UpstreamConnection) {
        guard upstream === connection else { return }
        do {
            guard let head = try upstream.input.takeFinalResponseHead(&parser, requestMethod: "GET") else { return }
            finish(passed: settings.expect.contains(head.status), detail: "status \(head.status)")
        } catch {
            finish(passed: false, detail: "invalid response: \(error.description)")
        }
    }

    func upstreamDrained(_ upstream: UpstreamConnection) {}

    func upstreamEnded(_ upstream: UpstreamConnection, error: UpstreamConnection.Failure?) {
        guard upstream === connection else { return }
        connection = nil
        let detail: String
        switch error {
        case .connect(let reason)?: detail = "connect: \(reason)"
        case .connectTimeout?: detail = "connect timed out"
        case .responseTimeout?: detail = "no answer within \(settings.timeout)"
        case .io(let error)?: detail = error.description
        case nil: detail = "connection closed before a response"
        }
        group.pool.recordCheck(server.id, passed: false, detail: detail)
    }
}
