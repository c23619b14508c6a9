import CLibevent
import Foundation
import Glibc
import PorticoCache
import PorticoConfig

/// Portico's process: binds the listeners, runs one worker per event-loop thread, and turns
/// signals into reloads and graceful stops.
public final class Server {
    private let configPath: String
    private let runtime: Runtime
    private let pools = BackendPools()
    private var workers: [Worker] = []
    private var signalEvents: [IOEvent] = []

    /// Resolves every backend address up front (blocking is fine here, before any loop runs).
    public init(config: Config, configPath: String) throws {
        self.configPath = configPath
        runtime = try Runtime(config: config, pools: pools)
        pools.events.register(BackendEventLog())
    }

    /// Serves until SIGTERM or SIGINT has drained the workers. Returns the exit status.
    public func run() throws -> Int32 {
        evthread_use_pthreads()
        signal(SIGPIPE, SIG_IGN)
        Server.raiseDescriptorLimit()
        // A parent may start us with signals blocked (Foundation's Process does); SIGTERM and
        // SIGHUP would then never reach the loop. Threads created below inherit this mask.
        var unblocked = sigset_t()
        sigemptyset(&unblocked)
        pthread_sigmask(SIG_SETMASK, &unblocked, nil)
        let config = runtime.config
        let count = config.workers ?? max(1, Int(sysconf(CInt(_SC_NPROCESSORS_ONLN))))
        let perWorker = max(1, (config.limits.maxConnections + count - 1) / count)
        let settings = config.cache
        let cache: CacheStore? =
            settings.memory > 0
            ? CacheStore(
                memory: Int(settings.memory),
                maxObject: Int(min(settings.maxObject, settings.memory)),
                eviction: settings.eviction == .s3fifo ? .s3fifo : .lru
            ) : nil
        let coalescer = cache.map { _ in Coalescer() }
        workers = (0..<count).map {
            Worker(index: $0, runtime: runtime, maxClients: perWorker, cache: cache, coalescer: coalescer)
        }
        for worker in workers { worker.peers = workers }
        workers[0].sweepCache(every: .seconds(10), grace: 60)
        try bindListeners(config.listen)
        installSignals(on: workers[0])

        var threads: [pthread_t] = []
        for worker in workers.dropFirst() {
            threads.append(try startThread { worker.run() })
        }
        workers[0].run()
        for thread in threads { pthread_join(thread, nil) }
        Log.info("stopped")
        return 0
    }

    /// The first worker binds each address (port 0 picks a free port); the others bind the same
    /// concrete port with SO_REUSEPORT, so every worker accepts on one port.
    private func bindListeners(_ addresses: [SocketAddress]) throws {
        for address in addresses {
            var resolved = try ResolvedAddress(address)
            for worker in workers {
                let fd = try Socket.listen(on: resolved)
                if resolved.port == 0 { resolved = try Socket.localAddress(fd) }
                worker.adopt(listenerFD: fd, address: resolved)
            }
            Log.info("listening on \(resolved.description)")
        }
    }

    /// Raises the soft descriptor limit to the hard one, as nginx's `worker_rlimit_nofile` lets
    /// operators do: `max_connections` clients, their backend connections and file-backed cache
    /// bodies all need descriptors, and distributions start services with a soft limit of 1024.
    private static func raiseDescriptorLimit() {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = limit.rlim_max
        if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) != 0 {
            Log.error("could not raise the descriptor limit: \(String(cString: strerror(errno)))")
        }
    }

    // MARK: - Signals

    private func installSignals(on worker: Worker) {
        let handlers: [(CInt, () -> Void)] = [
            (SIGTERM, { [unowned self] in stop() }),
            (SIGINT, { [unowned self] in stop() }),
            (SIGHUP, { [unowned self] in reload() }),
        ]
        for (number, action) in handlers {
            let event = IOEvent(base: worker.base, fd: number, events: Int16(EV_SIGNAL | EV_PERSIST)) { _ in action() }
            event.add()
            signalEvents.append(event)
        }
    }

    private func stop() {
        Log.info("stopping: finishing requests in flight (shutdown_timeout \(runtime.config.shutdownTimeout))")
        for event in signalEvents { event.delete() }
        let timeout = runtime.config.shutdownTimeout
        for worker in workers { worker.post { $0.beginDrain(timeout: timeout) } }
    }

    /// Reads and checks the file off the event loops; only a valid file replaces the running
    /// configuration, and requests already running finish with the one they started with.
    private func reload() {
        let path = configPath
        let workers = self.workers
        let pools = self.pools
        let listen = runtime.config.listen
        Thread.detachNewThread {
            do {
                let text = try String(contentsOfFile: path, encoding: .utf8)
                let config = try Config.parse(text, file: path)
                let runtime = try Runtime(config: config, pools: pools)
                if config.listen != listen {
                    Log.info("reload: listen addresses changed; they take effect on restart")
                }
                for worker in workers { worker.post { $0.installRuntime(runtime) } }
                Log.info("reloaded \(path)")
            } catch {
                Log.error("reload failed, keeping the running configuration: \(error)")
            }
        }
    }
}

/// Starts a joinable pthread running `body`.
private func startThread(_ body: @escaping () -> Void) throws -> pthread_t {
    final class Box {
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }
    var thread = pthread_t()
    let context = Unmanaged.passRetained(Box(body)).toOpaque()
    let status = pthread_create(
        &thread, nil,
        { context in
            Unmanaged<Box>.fromOpaque(context!).takeRetainedValue().body()
            return nil
        }, context)
    guard status == 0 else { throw SystemError(errno: status, operation: "pthread_create") }
    return thread
}
