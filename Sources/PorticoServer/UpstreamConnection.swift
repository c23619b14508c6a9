import CLibevent
import Glibc
import PorticoUpstream

/// What the owner of an exchange hears from its backend connection.
protocol UpstreamConnectionDelegate: AnyObject {
    /// New bytes are in `input`.
    func upstreamReceived(_ upstream: UpstreamConnection)
    /// `output` fell below the low watermark: the request body may flow again.
    func upstreamDrained(_ upstream: UpstreamConnection)
    /// The connection ended: end of stream (`nil`), a socket error, or a timeout.
    func upstreamEnded(_ upstream: UpstreamConnection, error: UpstreamConnection.Failure?)
}

/// One TCP connection to a backend server: connect, write the request, read the response, and
/// back to the worker's keep-alive pool when the exchange ended cleanly.
///
/// It knows nothing of HTTP; the client connection that owns the exchange parses what arrives.
final class UpstreamConnection {
    enum Failure: Error {
        case connect(String)
        case connectTimeout
        case responseTimeout
        case io(SystemError)
    }

    /// Buffers above this stop the producer (client body or backend reads) until they drain.
    static let highWatermark = 256 * 1024
    static let lowWatermark = 64 * 1024

    let server: UpstreamServer
    /// The worker's keep-alive pool slot for this server's address.
    let slot: Int
    let input = EventBuffer()
    let output = EventBuffer()
    /// Strong, not weak: a weak reference gives its object a side table, and every retain and
    /// release of a client connection then takes the slow path (measured at 0.3 µs per request).
    /// It is dropped whenever the connection parks or closes.
    var delegate: (any UpstreamConnectionDelegate)?
    /// Whether it came from the keep-alive pool: a failure before any response byte may then be a
    /// close that raced the request, and a bodiless idempotent request may be sent again.
    private(set) var wasReused = false

    /// unowned(unsafe): see `ClientConnection.worker`.
    private unowned(unsafe) let worker: Worker
    private var fd: CInt
    private var readEvent: IOEvent?
    private var writeEvent: IOEvent?
    private let timer: DeadlineTimer
    private var isConnected = false
    private var isReading = false
    private var isWriting = false
    private var isClosed = false
    private var readPaused = false
    private var requestComplete = false
    private var responseTimeout = timeval(tv_sec: 30, tv_usec: 0)
    private static let idleTimeout = timeval(tv_sec: 60, tv_usec: 0)
    /// In the worker's keep-alive pool, waiting for the next exchange.
    private var isIdle = false

    /// Starts connecting; the failure, if immediate, arrives through the delegate on return.
    init(worker: Worker, server: UpstreamServer, slot: Int, address: ResolvedAddress, connectTimeout: timeval)
        throws(SystemError)
    {
        self.worker = worker
        self.server = server
        self.slot = slot
        timer = DeadlineTimer(worker: worker)
        let (fd, connected) = try Socket.connect(to: address)
        self.fd = fd
        isConnected = connected
        readEvent = IOEvent(base: worker.base, fd: fd, events: Int16(EV_READ | EV_PERSIST)) {
            [unowned(unsafe) self] _ in
            readable()
        }
        writeEvent = IOEvent(base: worker.base, fd: fd, events: Int16(EV_WRITE | EV_PERSIST)) {
            [unowned(unsafe) self] _ in
            writable()
        }
        timer.handler = { [unowned(unsafe) self] in timedOut() }
        if !connected {
            isWriting = true
            writeEvent?.add()
            timer.set(connectTimeout)
        }
    }

    var isUsable: Bool { !isClosed }

    /// Begins an exchange: the request is (or will be) in `output`; a response is due within
    /// `responseTimeout`, and may take as long again between reads of its body.
    func begin(delegate: UpstreamConnectionDelegate, responseTimeout: timeval, reused: Bool) {
        self.delegate = delegate
        self.responseTimeout = responseTimeout
        wasReused = reused
        receivedNothing = true
        isIdle = false
        readPaused = false
        requestComplete = false
        if isConnected {
            timer.cancel()
            setReading(true)
        }
        flush()
    }

    /// The whole request is in `output`: from now on (once it is written) a response is due.
    func requestSent() {
        guard !requestComplete else { return }
        requestComplete = true
        updateTimer()
    }

    /// `response_timeout` runs while the backend owes progress: bytes of the request waiting to be
    /// written, or the response once the request is complete. It does not run while an upload
    /// waits for the client, nor while a slow client holds the response back.
    private func updateTimer() {
        guard isConnected, !isClosed, !isIdle else { return }
        if !readPaused && (requestComplete || !output.isEmpty) {
            timer.set(responseTimeout)
        } else {
            timer.cancel()
        }
    }

    /// Writes what `output` holds as far as the socket takes it.
    func flush() {
        guard isConnected, !isClosed else { return }
        if backendStoppedReading {
            // The backend is no longer reading the request (it answered early): the rest of an
            // upload is discarded here while its answer is relayed.
            output.drain(output.count)
        }
        if !output.isEmpty {
            do {
                if try output.write(to: fd) > 0 { updateTimer() }
            } catch {
                guard error.errno == EPIPE || error.errno == ECONNRESET else {
                    fail(.io(error))
                    return
                }
                // A backend that answers an upload early (413, 401) and closes resets the
                // connection under the unread body; its answer may already be in the socket, and
                // the read event, still armed, gets it before the reset is reported (it was a 502
                // for the client before).
                backendStoppedReading = true
                output.drain(output.count)
                setWriting(false)
                return
            }
        }
        setWriting(!output.isEmpty)
        if output.count < UpstreamConnection.lowWatermark { delegate?.upstreamDrained(self) }
    }

    /// Backpressure from a slow client: stop reading the backend until it catches up. The
    /// response timer stops too, since the wait is not the backend's doing.
    func pauseReading() {
        guard !readPaused else { return }
        readPaused = true
        setReading(false)
        updateTimer()
    }

    func resumeReading() {
        guard readPaused, !isClosed else { return }
        readPaused = false
        setReading(true)
        updateTimer()
    }

    /// Puts the connection in the pool: it keeps watching the socket so that a backend closing it
    /// (or sending stray bytes) removes it at once rather than failing the next request.
    func parkIdle() {
        delegate = nil
        isIdle = true
        readPaused = false
        timer.set(UpstreamConnection.idleTimeout)
        setReading(true)
    }

    func close() {
        guard !isClosed else { return }
        isClosed = true
        readEvent?.delete()
        writeEvent?.delete()
        timer.stop()
        Glibc.close(fd)
        fd = -1
        delegate = nil
        if isIdle {
            isIdle = false
            worker.idleUpstreamClosed(self)
        }
        worker.retire(self)
    }

    // MARK: - Events

    /// A write failed because the backend closed or reset: nothing more is written, and what it
    /// sent before is still read.
    private var backendStoppedReading = false

    /// No byte of a response arrived on this connection yet.
    private(set) var receivedNothing = true

    private func readable() {
        if isIdle {
            // Idle in the pool: any readiness is the backend closing or misbehaving.
            close()
            return
        }
        let received: Int?
        do {
            received = try input.read(from: fd, spill: worker.readSpill)
        } catch {
            fail(.io(error))
            return
        }
        guard let received else { return }
        if received == 0 {
            let delegate = self.delegate
            close()
            delegate?.upstreamEnded(self, error: nil)
            return
        }
        receivedNothing = false
        updateTimer()
        delegate?.upstreamReceived(self)
    }

    private func writable() {
        if !isConnected {
            let code = Socket.pendingError(fd)
            guard code == 0 else {
                fail(.connect(String(cString: strerror(code))))
                return
            }
            isConnected = true
            updateTimer()
            setReading(!readPaused)
        }
        flush()
    }

    private func timedOut() {
        if isIdle {
            close()
            return
        }
        fail(isConnected ? .responseTimeout : .connectTimeout)
    }

    private func fail(_ failure: Failure) {
        let delegate = self.delegate
        close()
        delegate?.upstreamEnded(self, error: failure)
    }

    private func setReading(_ on: Bool) {
        guard on != isReading, !isClosed else { return }
        isReading = on
        if on { readEvent?.add() } else { readEvent?.delete() }
    }

    private func setWriting(_ on: Bool) {
        guard on != isWriting, !isClosed else { return }
        isWriting = on
        if on { writeEvent?.add() } else { writeEvent?.delete() }
    }
}
