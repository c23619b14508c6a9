import CLibevent
import Glibc
import PorticoCache
import PorticoConfig
import PorticoHTTP

/// The admin listener (`admin { listen …; token …; }`): its own socket on the first worker's
/// loop, never one of the proxy's listeners. One request per connection, answered and closed:
/// operators and scrapers ask rarely, and a connection that never finishes its request is closed
/// after 10 s.
///
/// `GET /` the dashboard, `GET /stats` JSON, `GET /metrics` Prometheus text, `POST /purge?url=…`
/// or `?prefix=…`, `POST /reload`. With a token, every request needs
/// `Authorization: Bearer TOKEN` (compared in constant time) or gets 401.
final class AdminServer {
    /// What the endpoints act on, supplied by the server.
    struct Actions {
        var stats: () -> StatsSnapshot
        /// Removes what the selector picks; nil when the cache is off.
        var purge: (PurgeSelector) -> Int?
        /// Reloads `proxy.conf` off the loop and calls back on this loop with how it ended.
        var reload: (@escaping (ReloadOutcome) -> Void) -> Void
    }

    let address: ResolvedAddress
    private unowned let worker: Worker
    private let token: [UInt8]?
    private let actions: Actions
    private var listener: Listener?
    private var connections: [ObjectIdentifier: AdminConnection] = [:]
    private var resumeTimer: IOEvent?

    init(worker: Worker, settings: AdminSettings, actions: Actions) throws(SystemError) {
        self.worker = worker
        self.actions = actions
        token = settings.token.map { Array($0.utf8) }
        // Its own port, never one of the proxy's (which would hand it part of their traffic).
        let configured = try ResolvedAddress(settings.listen)
        if configured.port != 0 { try Socket.checkUnused(configured) }
        let fd = try Socket.listen(on: configured)
        address = try Socket.localAddress(fd)
        listener = Listener(fd: fd, address: address, base: worker.base) { [unowned self] in accept(fd) }
        resumeTimer = IOEvent(base: worker.base, fd: -1, events: 0) { [unowned self] _ in
            if connections.count < Self.maxConnections { listener?.resume() }
        }
    }

    func close() {
        resumeTimer?.delete()
        listener?.close()
        listener = nil
        for connection in Array(connections.values) { connection.close() }
    }

    /// Admin connections open at once at most: beyond, accepting waits for one to close.
    static let maxConnections = 1024

    private func accept(_ listenerFD: CInt) {
        while connections.count < Self.maxConnections {
            let accepted: (fd: CInt, peer: ResolvedAddress)?
            do {
                accepted = try Socket.accept(listenerFD)
            } catch {
                // Out of descriptors: the listener stays ready, so accepting pauses for a moment
                // instead of spinning on it (as the proxy's listeners do).
                Log.error("admin \(error); pausing accept for 100ms")
                listener?.pause()
                resumeTimer?.add(timeout: .milliseconds(100))
                return
            }
            guard let (fd, _) = accepted else { return }
            let connection = AdminConnection(fd: fd, base: worker.base, server: self)
            connections[ObjectIdentifier(connection)] = connection
        }
        listener?.pause()
    }

    func closed(_ connection: AdminConnection) {
        connections.removeValue(forKey: ObjectIdentifier(connection))
        worker.retire(connection)
        if connections.count < Self.maxConnections { listener?.resume() }
    }

    var date: String { worker.dateString }
    var readSpill: UnsafeMutableRawBufferPointer { worker.readSpill }

    // MARK: - Routing

    /// An answer: status, content type and body (and extra fields).
    struct Answer {
        var status: Int
        var contentType: String
        var body: [UInt8]
        var extra: [HeaderField] = []

        static func text(_ status: Int, _ text: String, extra: [HeaderField] = []) -> Answer {
            Answer(
                status: status, contentType: "text/plain; charset=utf-8", body: Array((text + "\n").utf8), extra: extra)
        }

        static func json(_ status: Int, _ json: String) -> Answer {
            Answer(status: status, contentType: "application/json", body: Array(json.utf8))
        }
    }

    /// Answers `request`, at once or (reload) through `reply` later.
    func handle(_ request: RequestHead, reply: @escaping (Answer) -> Void) {
        guard isAuthorized(request.headers) else {
            reply(
                .text(
                    401, "admin requests need Authorization: Bearer TOKEN",
                    extra: [HeaderField(name: "WWW-Authenticate", value: "Bearer realm=\"portico admin\"")]))
            return
        }
        let path = request.path.split(separator: "?", maxSplits: 1).first.map(String.init) ?? request.path
        let query = request.path.split(separator: "?", maxSplits: 1).dropFirst().first.map(String.init) ?? ""
        switch (request.method, path) {
        case ("GET", "/"), ("HEAD", "/"):
            reply(Answer(status: 200, contentType: "text/html; charset=utf-8", body: Array(Dashboard.html.utf8)))
        case ("GET", "/stats"), ("HEAD", "/stats"):
            reply(.json(200, actions.stats().json))
        case ("GET", "/metrics"), ("HEAD", "/metrics"):
            reply(
                Answer(
                    status: 200, contentType: "text/plain; version=0.0.4; charset=utf-8",
                    body: Array(Metrics.render(actions.stats()).utf8)))
        case ("POST", "/purge"):
            do {
                let selector = try PurgeSelector(query: query)
                guard let purged = actions.purge(selector) else {
                    reply(.json(200, "{\"purged\":0,\"cache\":\"off\"}\n"))
                    return
                }
                reply(.json(200, "{\"purged\":\(purged)}\n"))
            } catch {
                reply(.text(400, error.description))
            }
        case ("POST", "/reload"):
            actions.reload { outcome in
                switch outcome {
                case .failed(let errors):
                    reply(.text(400, "reload failed, the running configuration stays:\n\(errors)"))
                case .reloaded(let restartOnly):
                    let notes = restartOnly.map { "\n\($0) changed; it needs a restart, the running value stays" }
                    reply(.text(200, "reloaded" + notes.joined()))
                }
            }
        case (_, "/"), (_, "/stats"), (_, "/metrics"):
            reply(.text(405, "use GET", extra: [HeaderField(name: "Allow", value: "GET, HEAD")]))
        case (_, "/purge"), (_, "/reload"):
            reply(.text(405, "use POST", extra: [HeaderField(name: "Allow", value: "POST")]))
        default:
            reply(.text(404, "no admin endpoint \(path): try /, /stats, /metrics, POST /purge, POST /reload"))
        }
    }

    /// Without a token, everyone on the admin listener is; with one, `Bearer TOKEN` (the scheme
    /// in any case, RFC 9110 §11.1), the token compared without stopping at the first difference,
    /// so timing tells nothing about it.
    private func isAuthorized(_ headers: HTTPHeaders) -> Bool {
        guard let token else { return true }
        guard let value = headers["Authorization"], value.utf8.count > 7,
            value.prefix(7).lowercased() == "bearer "
        else { return false }
        return Self.constantTimeEquals(Array(value.utf8.dropFirst(7)), token)
    }

    static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(truncatingIfNeeded: a.count ^ b.count)
        for index in 0..<max(a.count, b.count) {
            let x = index < a.count ? a[index] : 0
            let y = index < b.count ? b[index] : 0
            difference |= x ^ y
        }
        return difference == 0 && a.count == b.count
    }
}

/// One admin client: reads one request head, writes the answer, closes.
final class AdminConnection {
    private let fd: CInt
    private unowned let server: AdminServer
    private let input = EventBuffer()
    private let output = EventBuffer()
    private var parser: RequestParser
    private var readEvent: IOEvent?
    private var writeEvent: IOEvent?
    private var timer: IOEvent?
    private var answered = false
    private var isLingering = false
    private var peerClosed = false
    private var isClosed = false

    init(fd: CInt, base: OpaquePointer, server: AdminServer) {
        self.fd = fd
        self.server = server
        var limits = ParseLimits()
        limits.headerBytes = 16384
        // The admin reads its parameters from the query; a small body (`curl -d '{}'`) is allowed
        // and ignored rather than refused.
        limits.body = 65536
        parser = RequestParser(limits: limits)
        readEvent = IOEvent(base: base, fd: fd, events: Int16(EV_READ | EV_PERSIST)) { [unowned self] _ in readable() }
        writeEvent = IOEvent(base: base, fd: fd, events: Int16(EV_WRITE | EV_PERSIST)) { [unowned self] _ in flush() }
        timer = IOEvent(base: base, fd: -1, events: 0) { [unowned self] _ in close() }
        readEvent?.add()
        timer?.add(timeout: .seconds(10))
    }

    private func readable() {
        let received: Int?
        do {
            received = try input.read(from: fd, spill: server.readSpill)
        } catch {
            close()
            return
        }
        guard let received else { return }
        if received == 0 {
            // A client that half-closes after its request still gets the answer being made.
            peerClosed = true
            readEvent?.delete()
            if !answered || isLingering { close() }
            return
        }
        guard !answered else {
            input.drain(input.count)
            return
        }
        let result: HeadParseResult<RequestHead>
        do {
            result = try input.withContiguousBytes { bytes throws(HTTPParseError) in try parser.parse(bytes) }
        } catch {
            answer(.text(error.status, error.description))
            return
        }
        guard case .head(let head, _) = result else { return }
        answered = true
        server.handle(head) { [weak self] answer in
            self?.answer(answer, headOnly: head.method == "HEAD")
        }
    }

    private func answer(_ answer: AdminServer.Answer, headOnly: Bool = false) {
        guard !isClosed else { return }
        answered = true
        output.append(
            ErrorResponse.bytes(
                status: answer.status, contentType: answer.contentType, body: answer.body, close: true,
                date: server.date, extraHeaders: answer.extra, headOnly: headOnly))
        flush()
    }

    private func flush() {
        guard !isClosed else { return }
        do {
            _ = try output.write(to: fd)
        } catch {
            close()
            return
        }
        if output.isEmpty {
            writeEvent?.delete()
            if answered { lingerClose() }
        } else {
            writeEvent?.add()
        }
    }

    /// Ends the answer with a FIN and reads on, discarding, until the client closes or a second
    /// passes: closing with unread input (the rest of a refused request, a TLS handshake sent to
    /// the plain-HTTP port) would send a reset that can destroy the answer before it is read.
    private func lingerClose() {
        guard !isLingering else { return }
        isLingering = true
        if peerClosed {
            close()
            return
        }
        Glibc.shutdown(fd, CInt(SHUT_WR))
        timer?.add(timeout: .seconds(1))
    }

    func close() {
        guard !isClosed else { return }
        isClosed = true
        readEvent?.delete()
        writeEvent?.delete()
        timer?.delete()
        Glibc.shutdown(fd, CInt(SHUT_WR))
        Glibc.close(fd)
        server.closed(self)
    }
}
