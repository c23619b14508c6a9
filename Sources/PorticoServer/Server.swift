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
    private var cache: CacheStore?
    private var admin: AdminServer?
    private var accessLog: AccessLogWriter?
    private var listeners: ListenerSet?
    private let started: Double

    public static let version = "0.1.0"
    private var workers: [Worker] = []
    private var signalEvents: [IOEvent] = []
    /// A graceful stop has begun: later SIGTERM, SIGINT and SIGHUP are noted and ignored (the
    /// handlers stay installed, or the signal's default action would end the process and cut the
    /// requests still finishing).
    private var isStopping = false

    /// Resolves every backend address up front (blocking is fine here, before any loop runs).
    public init(config: Config, configPath: String) throws {
        self.configPath = configPath
        runtime = try Runtime(config: config, pools: pools)
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        started = Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
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
        try Server.checkDescriptors(workers: count, listeners: config.listen.count)
        let settings = config.cache
        let cache: CacheStore? =
            settings.memory > 0
            ? CacheStore(
                memory: Int(settings.memory),
                maxObject: Int(min(settings.maxObject, settings.memory)),
                eviction: settings.eviction == .s3fifo ? .s3fifo : .lru
            ) : nil
        self.cache = cache
        let coalescer = cache.map { _ in Coalescer() }
        let accessLog = try AccessLogWriter(config.accessLog)
        self.accessLog = accessLog
        workers = (0..<count).map {
            Worker(
                index: $0, of: count, runtime: runtime, cache: cache, coalescer: coalescer,
                accessLog: accessLog)
        }
        for worker in workers { worker.peers = workers }
        workers[0].sweepCache(every: .seconds(10), grace: 60)
        // Signals first: a harness that sees the ready line may send SIGHUP or SIGTERM at once,
        // and their default action would end the process.
        installSignals(on: workers[0])
        let listeners = ListenerSet(workers: workers)
        self.listeners = listeners
        try listeners.bind(config.listen)
        if let settings = config.admin { try startAdmin(settings) }

        var threads: [pthread_t] = []
        for worker in workers.dropFirst() {
            threads.append(try startThread { worker.run() })
        }
        workers[0].run()
        for thread in threads { pthread_join(thread, nil) }
        accessLog?.stop()
        Log.info("stopped")
        return 0
    }

    /// Raises the soft descriptor limit to the hard one, as nginx's `worker_rlimit_nofile` lets
    /// operators do: `max_connections` clients and their backend connections all need
    /// descriptors, and distributions start services with a soft limit of 1024.
    /// Each worker needs a few descriptors before it serves anything (its epoll instance,
    /// libevent's signal pair, its wake-up eventfd, a listener per address): with `workers 256`
    /// and `ulimit -n 1024` they run out during start-up, deep in libevent. Said plainly instead.
    private static func checkDescriptors(workers: Int, listeners: Int) throws(SystemError) {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return }
        let needed = workers * (4 + listeners) + 64
        guard UInt64(needed) > UInt64(limit.rlim_cur) else { return }
        throw SystemError(
            errno: EMFILE,
            operation: "workers \(workers) need about \(needed) descriptors to start, and the limit (ulimit -n) is "
                + "\(limit.rlim_cur); lower workers or raise the limit")
    }

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
            (SIGUSR1, { [unowned self] in accessLog?.reopen() }),
        ]
        for (number, action) in handlers {
            let event = IOEvent(base: worker.base, fd: number, events: Int16(EV_SIGNAL | EV_PERSIST)) { _ in action() }
            event.add()
            signalEvents.append(event)
        }
    }

    // MARK: - Admin

    private func startAdmin(_ settings: AdminSettings) throws {
        let actions = AdminServer.Actions(
            stats: { [unowned self] in snapshot() },
            purge: { [unowned self] selector in cache?.purge(where: selector.matches) },
            reload: { [unowned self] (done: @escaping (ReloadOutcome) -> Void) in
                // `done` writes to an admin connection, so it runs on the admin's loop only:
                // the reload thread hands it back through that worker's mailbox.
                let callback = LoopBound(done)
                let worker = workers[0]
                reload { outcome in worker.post { _ in callback.value(outcome) } }
            })
        let admin = try AdminServer(worker: workers[0], settings: settings, actions: actions)
        self.admin = admin
        Log.info("admin on \(admin.address.description)")
    }

    /// The figures of `/stats` and `/metrics`, read now. Runs on the admin's loop and reads the
    /// other workers' tallies through their atomics.
    private func snapshot() -> StatsSnapshot {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        var snapshot = StatsSnapshot(
            version: Self.version, uptime: Double(now.tv_sec) + Double(now.tv_nsec) / 1e9 - started)
        for worker in workers {
            let traffic = worker.traffic
            snapshot.connectionsOpen += traffic.open.load(ordering: .relaxed)
            snapshot.connectionsAccepted += traffic.accepted.load(ordering: .relaxed)
            for (index, count) in traffic.responsesByClass.enumerated() { snapshot.responsesByClass[index] += count }
            snapshot.bytesReceived += traffic.bytesReceived.load(ordering: .relaxed)
            snapshot.bytesSent += traffic.bytesSent.load(ordering: .relaxed)
        }
        if let cache {
            snapshot.cache = StatsSnapshot.Cache(counters: cache.counters.snapshot(), capacity: cache.memory)
        }
        let groups = workers[0].runtime.groups.values.sorted { $0.index < $1.index }
        snapshot.backends = groups.map { group in
            let pool = group.pool
            return StatsSnapshot.Backend(
                name: group.name, balance: group.settings.balance.rawValue,
                servers: group.servers.map { server in
                    let standing = pool.standing(server.id)
                    let breaker = standing.breaker?.state.description ?? "off"
                    return StatsSnapshot.Server(
                        address: server.authority, weight: server.weight, backup: server.backup,
                        health: standing.health.map { $0.isUp ? "up" : "down" } ?? "unchecked",
                        breaker: breaker, inFlight: pool.inFlight(server.id), requests: pool.requests(server.id),
                        failures: pool.failures(server.id), latency: pool.latency(server.id))
                })
        }
        snapshot.transitions = pools.transitions.snapshot
        return snapshot
    }

    private func stop() {
        guard !isStopping else {
            Log.info("already stopping; requests in flight are finishing")
            return
        }
        isStopping = true
        // The configuration in effect now: a reload may have changed shutdown_timeout.
        let timeout = workers[0].runtime.config.shutdownTimeout
        Log.info("stopping: finishing requests in flight (shutdown_timeout \(timeout))")
        admin?.close()
        admin = nil
        for worker in workers { worker.post { $0.beginDrain(timeout: timeout) } }
    }

    /// Reads and checks the file off the event loops; only a valid file replaces the running
    /// configuration, and requests already running finish with the one they started with.
    /// `done` is called once the new configuration is posted to every worker, or with the errors.
    private func reload(done: @escaping @Sendable (ReloadOutcome) -> Void = { _ in }) {
        guard !isStopping else {
            Log.info("reload ignored: stopping")
            done(.failed("stopping"))
            return
        }
        let path = configPath
        let workers = self.workers
        let pools = self.pools
        let listeners = self.listeners
        let cache = self.cache
        let started = runtime.config
        Thread.detachNewThread {
            do {
                let config = try ConfigFile.load(path)
                let runtime = try Runtime(config: config, pools: pools)
                // Binding comes last and is all-or-nothing: a reload applies whole or not at all.
                let change = try listeners?.prepare(config.listen)
                for worker in workers { worker.post { $0.installRuntime(runtime) } }
                if let change { listeners?.commit(change) }
                cache?.setMaxObject(Int(config.cache.maxObject))
                let restartOnly = Self.restartOnlyChanges(from: started, to: config)
                for setting in restartOnly {
                    Log.error("reload: \(setting) changed; it needs a restart, the running value stays")
                }
                Log.info("reloaded \(path)")
                done(.reloaded(restartOnly: restartOnly))
            } catch {
                Log.error("reload failed, keeping the running configuration: \(error)")
                done(.failed("\(error)"))
            }
        }
    }
}

extension Server {
    /// The settings a reload cannot change, named when the new file changes them: the process
    /// keeps the ones it started with (README, "Reload").
    static func restartOnlyChanges(from old: Config, to new: Config) -> [String] {
        var changed: [String] = []
        if old.workers != new.workers { changed.append("workers") }
        if old.cache.memory != new.cache.memory { changed.append("cache memory") }
        if old.cache.eviction != new.cache.eviction { changed.append("cache eviction") }
        if old.admin != new.admin { changed.append("admin") }
        if old.accessLog != new.accessLog { changed.append("access_log") }
        return changed
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

/// A value that is only ever used on the loop that made it, carried through another thread that
/// does not touch it (what `Worker.post` needs of what it runs).
private struct LoopBound<Value>: @unchecked Sendable {
    let value: Value

    init(_ value: Value) {
        self.value = value
    }
}
