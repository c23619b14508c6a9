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
    func bind(_ addresses: [SocketAddress]) throws {
        for address in addresses {
            let (resolved, fds) = try Self.bindEveryWorker(address, count: workers.count)
            for (worker, fd) in zip(workers, fds) { worker.adopt(listenerFD: fd, address: resolved) }
            bound.withLock { $0.append((address, resolved)) }
            Log.info("listening on \(resolved.description)")
        }
    }

    /// One socket per worker on `address`; the first picks the port when it is 0.
    private static func bindEveryWorker(_ address: SocketAddress, count: Int) throws -> (ResolvedAddress, [CInt]) {
        var resolved = try ResolvedAddress(address)
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

    /// Opens the listeners `addresses` adds and closes those it no longer has (on the reload
    /// thread: binding resolves names). Returns the errors of addresses that could not be bound.
    func update(_ addresses: [SocketAddress]) -> [String] {
        var errors: [String] = []
        let current = bound.withLock { $0 }
        for old in current where !addresses.contains(old.configured) {
            let address = old.address
            for worker in workers { worker.post { $0.closeListener(address) } }
            bound.withLock { $0.removeAll { $0.configured == old.configured } }
            Log.info("stopped listening on \(address.description)")
        }
        for address in addresses where !current.contains(where: { $0.configured == address }) {
            do {
                let (resolved, fds) = try Self.bindEveryWorker(address, count: workers.count)
                for (worker, fd) in zip(workers, fds) {
                    worker.post { $0.adopt(listenerFD: fd, address: resolved) }
                }
                bound.withLock { $0.append((address, resolved)) }
                Log.info("listening on \(resolved.description)")
            } catch {
                errors.append("listen \(address): \(error)")
            }
        }
        return errors
    }
}
