import Foundation

/// An origin for request bodies too large to hold: it reads each request's Content-Length body
/// through one reused buffer, digests it (`StreamDigest`) and throws it away, then answers
/// `200 OK` with the digest as the body. Connections are kept alive. Given a barrier, it reads
/// no request body until the barrier opens: a backend that stops reading.
///
///     let origin = try DiscardingOrigin()
///     defer { origin.stop() }
///     … upload through the proxy …
///     #expect(origin.bodies == [expectedDigest])
final class DiscardingOrigin: Sendable {
    /// What arrived: one entry per request, in order of completion.
    struct Received: Sendable {
        var target: String
        /// `StreamDigest.summary` of the body, or of the part that arrived when it was cut short.
        var digest: String
        var complete: Bool
    }

    let port: UInt16
    private let state = OriginState()
    private let received = Locked<[Received]>([])

    init(holdingBodiesUntil release: Barrier? = nil) throws {
        let (listener, port) = try TestSocket.listen()
        self.port = port
        let state = self.state
        let received = self.received
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
                    do {
                        try DiscardingOrigin.serve(socket, state: state, release: release, received: received)
                    } catch {
                        state.recordError(error)
                    }
                }
            }
            listener.close()
        }
    }

    deinit { state.stop() }

    /// Stops accepting, shuts every connection down and waits (bounded) for the threads.
    func stop() { state.stop() }

    /// Every request so far.
    var requests: [Received] { received.get() }
    /// Digests of the complete bodies so far.
    var bodies: [String] { received.get().filter(\.complete).map(\.digest) }
    /// Errors the connection threads hit, for diagnosis.
    var errors: [String] { state.record.errors }

    private static func serve(
        _ socket: TestSocket, state: OriginState, release: Barrier?, received: Locked<[Received]>
    ) throws {
        let reader = StreamReader(socket: socket)
        while let head = try reader.readHead(deadline: .after(OriginConnection.idleTimeout)) {
            let parts = head.startLine.split(separator: " ")
            guard parts.count == 3 else { throw HarnessError.malformed("request line \(head.startLine)", received: []) }
            guard !head.has("Transfer-Encoding") else {
                throw HarnessError.malformed("DiscardingOrigin reads Content-Length bodies only", received: [])
            }
            let length = head.contentLength ?? 0
            if let release, length > 0 {
                while (try? release.wait(timeout: 0.05)) == nil {
                    if state.isStopped { return }
                }
            }
            var digest = StreamDigest()
            let count = try reader.readBody(length: length, timeoutPerRead: 10) { digest.update($0) }
            received.update {
                $0.append(Received(target: String(parts[1]), digest: digest.summary, complete: count == length))
            }
            guard count == length else { return }
            let body = Array(digest.summary.utf8)
            let response = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: \(body.count)\r\n\r\n"
            try socket.send(Array(response.utf8) + body, deadline: .after(10))
        }
    }
}
