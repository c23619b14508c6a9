import Foundation

/// A scripted origin server, modelled on VTC's `server s1 { rxreq; expect …; txresp } -start`:
/// a blocking-socket server on its own threads, bound to 127.0.0.1:0, that runs a script per
/// connection and records every request it receives.
///
///     // Per request (keep-alive: the connection loops until the peer or the script closes it):
///     let origin = try ScriptedOrigin { request, connection in
///         try connection.respond(status: 200, headers: [("Content-Type", "text/plain")], body: "hi")
///     }
///     defer { origin.stop() }
///
///     // Per connection, full control:
///     let silent = try ScriptedOrigin(connectionScript: { connection in
///         _ = try connection.readRequest()
///         connection.hold()                         // accept, read, never answer
///     })
///
/// Assert on what it saw afterwards: `origin.requestCount`, `origin.requests[0].header("Via")`.
/// Request bodies (Content-Length or chunked) are decoded; an incomplete one is counted in
/// `incompleteRequestCount`, never in `requests`.
final class ScriptedOrigin: Sendable {
    /// The port the origin listens on (127.0.0.1).
    let port: UInt16
    private let state = OriginState()

    /// An origin that runs `script` for each accepted connection, on its own thread.
    /// `sendsContinue`: answer `Expect: 100-continue` with `100 Continue` before reading a body.
    /// `port`: 0 for an ephemeral one; the port of a stopped origin brings it back.
    init(
        port: UInt16 = 0, sendsContinue: Bool = true,
        connectionScript script: @escaping @Sendable (OriginConnection) throws -> Void
    ) throws {
        let (listener, port) = try TestSocket.listen(port: port)
        self.port = port
        let state = self.state
        state.threadStarted()
        Thread.detachNewThread {
            defer { state.threadEnded() }
            while !state.isStopped {
                let socket: TestSocket?
                do {
                    socket = try listener.accept(deadline: .after(0.05))
                } catch {
                    state.recordError(error)
                    return
                }
                guard let socket, state.opened(socket) else { continue }
                state.threadStarted()
                Thread.detachNewThread {
                    defer {
                        socket.close()
                        state.closed(socket)
                        state.threadEnded()
                    }
                    let connection = OriginConnection(socket: socket, state: state, sendsContinue: sendsContinue)
                    do {
                        try script(connection)
                    } catch {
                        state.recordError(error)
                    }
                }
            }
            listener.close()
        }
    }

    /// An origin that calls `handler` for each request, looping on each connection until the
    /// client closes, asks to close (`Connection: close`, HTTP/1.0), or the handler closes it.
    convenience init(
        port: UInt16 = 0,
        sendsContinue: Bool = true,
        handler: @escaping @Sendable (OriginRequest, OriginConnection) throws -> Void
    ) throws {
        try self.init(port: port, sendsContinue: sendsContinue) { connection in
            while let request = try connection.readRequest() {
                try handler(request, connection)
                if connection.isClosed { return }
                if request.wantsClose {
                    connection.close()
                    return
                }
            }
        }
    }

    /// An origin that answers every request with the same response.
    static func responding(
        status: Int = 200,
        headers: [(String, String)] = [("Content-Type", "text/plain")],
        body: String = "hello from origin\n"
    ) throws -> ScriptedOrigin {
        try ScriptedOrigin { _, connection in
            try connection.respond(status: status, headers: headers, body: Array(body.utf8))
        }
    }

    deinit { state.stop() }

    /// Stops accepting, shuts every connection down and waits (bounded) for the threads. Idempotent.
    func stop() { state.stop() }

    /// A copy of everything the origin has seen so far.
    var record: OriginRecord { state.record }
    /// Complete requests received, in order of completion.
    var requests: [OriginRequest] { state.record.requests }
    var requestCount: Int { state.record.requests.count }
    /// Requests whose head arrived but whose body never completed.
    var incompleteRequestCount: Int { state.record.incompleteRequests.count }
    /// Request heads received (complete or not).
    var headCount: Int { state.record.headsReceived }
    var connectionCount: Int { state.record.connectionsAccepted }
    /// Errors scripts threw (timeouts, malformed input, peer gone), for diagnosis.
    var errors: [String] { state.record.errors }

    /// Waits until `count` complete requests have arrived; false at the deadline.
    @discardableResult
    func waitForRequests(_ count: Int, timeout: Double = 5) -> Bool {
        state.waitUntil(timeout: timeout) { $0.requests.count >= count }
    }

    /// Waits until `predicate` holds for the origin's record; false at the deadline.
    @discardableResult
    func waitUntil(timeout: Double = 5, _ predicate: (OriginRecord) -> Bool) -> Bool {
        state.waitUntil(timeout: timeout, predicate)
    }
}
