import CLibevent
import Glibc

/// A worker's own listening socket (SO_REUSEPORT) and its accept event.
final class Listener {
    let fd: CInt
    let address: ResolvedAddress
    private var event: IOEvent?
    private var isPaused = false

    init(fd: CInt, address: ResolvedAddress, base: OpaquePointer, onAcceptable: @escaping () -> Void) {
        self.fd = fd
        self.address = address
        event = IOEvent(base: base, fd: fd, events: Int16(EV_READ | EV_PERSIST)) { _ in onAcceptable() }
        event?.add()
    }

    /// Stops taking connections (at `max_connections`, or out of descriptors) until `resume`.
    func pause() {
        guard !isPaused, let event else { return }
        isPaused = true
        event.delete()
    }

    func resume() {
        guard isPaused, let event else { return }
        isPaused = false
        event.add()
    }

    func close() {
        event?.delete()
        event = nil
        Glibc.close(fd)
    }
}
