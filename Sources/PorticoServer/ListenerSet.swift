import Glibc
import PorticoConfig
import Synchronization

/// The proxy's listening sockets: one per worker and address (SO_REUSEPORT), as of the last
/// configuration. A reload binds what it adds and closes what it drops; connections accepted on a
/// dropped address go on until they end.
final class ListenerSet: Sendable {
    private let workers: [Worker]
    /// Each configured `listen` address and where it is bound (a port 0 gets a concrete port).
    private let bound = Mutex<[(configured: SocketAddress, address: ResolvedAddress)]>([])

    init(workers: [Worker]) {
        self.workers = workers
    }

    /// The first worker binds each address (port 0 picks a free port); the others bind the same
    /// concrete port with SO_REUSEPORT, so every worker accepts on one port.
    ///
    /// All addresses are bound before any is announced: the ready lines appear only when every
    /// listener is open, and a start that fails prints none.
    func bind(_ addresses: [SocketAddress]) throws {
        var opened: [(configured: SocketAddress, address: ResolvedAddress, fds: [CInt])] = []
        do {
            for address in addresses {
                let (resolved, fds) = try Self.bindEveryWorker(address, count: workers.count)
                opened.append((address, resolved, fds))
            }
        } catch {
            for listener in opened { for fd in listener.fds { close(fd) } }
            throw error
        }
        for listener in opened {
            for (worker, fd) in zip(workers, listener.fds) { worker.adopt(listenerFD: fd, address: listener.address) }
            bound.withLock { $0.append((listener.configured, listener.address)) }
            Log.info("listening on \(listener.address.description)")
        }
    }

    /// One socket per worker on `address`; the first picks the port when it is 0.
    ///
    /// Every socket has SO_REUSEPORT, which would let a second process (a second Portico, or this
    /// one's admin listener) bind the same port and silently take part of the traffic. So a fixed
    /// port is first bound without it, and closed: that fails exactly when anything else holds
    /// the port, as a plain bind does for nginx.
    private static func bindEveryWorker(_ address: SocketAddress, count: Int) throws -> (ResolvedAddress, [CInt]) {
        var resolved = try ResolvedAddress(address)
        if resolved.port != 0 { try Socket.checkUnused(resolved) }
        var fds: [CInt] = []
        do {
            for _ in 0..<count {
                let fd = try Socket.listen(on: resolved)
                fds.append(fd)
                if resolved.port == 0 { resolved = try Socket.localAddress(fd) }
            }
        } catch {
            for fd in fds { close(fd) }
            throw error
        }
        return (resolved, fds)
    }

    /// What a reload changes: the listeners it adds, already bound, and those it drops.
    struct Change: @unchecked Sendable {
        fileprivate var added: [(configured: SocketAddress, address: ResolvedAddress, fds: [CInt])] = []
        fileprivate var dropped: [(configured: SocketAddress, address: ResolvedAddress)] = []
    }

    /// Binds the addresses `addresses` adds (on the reload thread: binding resolves names), all or
    /// none: when one fails, those bound before it are closed and the error is thrown, so a
    /// reload either applies whole or not at all.
    func prepare(_ addresses: [SocketAddress]) throws -> Change {
        var change = Change()
        let current = bound.withLock { $0 }
        change.dropped = current.filter { !addresses.contains($0.configured) }
        do {
            for address in addresses where !current.contains(where: { $0.configured == address }) {
                do {
                    let (resolved, fds) = try Self.bindEveryWorker(address, count: workers.count)
                    change.added.append((address, resolved, fds))
                } catch {
                    throw ListenError(address: address, underlying: error)
                }
            }
        } catch {
            for added in change.added { for fd in added.fds { close(fd) } }
            throw error
        }
        return change
    }

    /// Hands the new listeners to the workers and closes the dropped ones; connections accepted
    /// on those go on until they end.
    func commit(_ change: Change) {
        for old in change.dropped {
            let address = old.address
            for worker in workers { worker.post { $0.closeListener(address) } }
            bound.withLock { $0.removeAll { $0.configured == old.configured } }
            Log.info("stopped listening on \(address.description)")
        }
        for new in change.added {
            let resolved = new.address
            for (worker, fd) in zip(workers, new.fds) {
                worker.post { $0.adopt(listenerFD: fd, address: resolved) }
            }
            bound.withLock { $0.append((new.configured, resolved)) }
            Log.info("listening on \(resolved.description)")
        }
    }
}

/// A `listen` address a reload could not bind.
struct ListenError: Error, CustomStringConvertible {
    var address: SocketAddress
    var underlying: any Error

    var description: String { "listen \(address): \(underlying)" }
}
