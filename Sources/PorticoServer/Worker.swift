import CLibevent
import Glibc
import PorticoCache
import PorticoHTTP
import PorticoUpstream
import Synchronization

/// One event-loop thread: its own `event_base`, listeners, client connections and upstream
/// keep-alive pools. A connection lives on one worker for its whole life, so nothing here is
/// locked; other threads reach a worker only through `post`.
final class Worker: @unchecked Sendable {
    let index: Int
    let base: OpaquePointer
    private(set) var runtime: Runtime
    private(set) var isDraining = false

    private let mailbox = Mutex<[@Sendable (Worker) -> Void]>([])
    private let wakeFD: CInt
    private var wakeEvent: IOEvent?
    private var reaperEvent: IOEvent?
    private var drainTimer: IOEvent?
    private var resumeAcceptTimer: IOEvent?
    private var graveyard: [AnyObject] = []
    /// Where reads put what does not fit a buffer's next block; see `EventBuffer.read`.
    let readSpill = UnsafeMutableRawBufferPointer.allocate(byteCount: 65536, alignment: 16)
    /// Output queued this loop turn; see `PendingWrites`.
    let pendingWrites = PendingWrites()
    private var listeners: [Listener] = []
    /// Open client connections, each knowing its index here (`workerSlot`): adding and removing
    /// one is an append and a swap, where a dictionary hashed its identity twice per connection.
    private var clients: [ClientConnection] = []
    /// Idle keep-alive connections by server slot (`ServerSlots`).
    private var idleUpstreams: [[UpstreamConnection]] = []
    /// Balancer state by group index, with the generation of the group it belongs to.
    private var balancers: [(generation: Int, balancer: any Balancer)] = []
    /// Retry budget by group index: retries at most a fifth of this worker's requests.
    private var retryBudgets: [RetryBudget] = []
    /// The health checks this worker runs (one prober per server across all workers).
    private var probes: [HealthProbe] = []
    private var running = false
    /// This worker's share of `max_connections`; a reload may change it.
    private var maxClients: Int
    /// How many workers share `max_connections`.
    private let workerCount: Int
    /// Tallies for the admin endpoint.
    let traffic = TrafficCounters()
    private var httpDate = HTTPDate()

    /// The response cache all workers share; nil when `cache { memory 0; }`.
    let cache: CacheStore?
    /// The fetches in flight that other requests may wait for, shared by all workers.
    let coalescer: Coalescer?
    /// Connections of this worker waiting for a coalesced fetch, by connection id.
    private var waiting: [UInt64: ClientConnection] = [:]
    /// Background refreshes in flight; the worker keeps them alive.
    private var refreshes: [ObjectIdentifier: BackgroundRefresh] = [:]
    private var sweepTimer: IOEvent?
    private var nextConnectionID: UInt64 = 0
    /// Every worker, by index (this one included), for waking coalesced waiters; set once
    /// before the loops start, read-only afterwards.
    var peers: [Worker] = []

    /// The access log's writer thread, shared; nil with `access_log off`.
    let accessLog: AccessLogWriter?
    private var logBuffer = AccessLogBuffer()
    private var logTimer: IOEvent?

    init(
        index: Int, of workerCount: Int, runtime: Runtime, cache: CacheStore?, coalescer: Coalescer?,
        accessLog: AccessLogWriter? = nil
    ) {
        self.index = index
        self.workerCount = workerCount
        self.accessLog = accessLog
        self.cache = cache
        self.coalescer = coalescer
        self.runtime = runtime
        maxClients = Self.share(of: runtime.config.limits.maxConnections, among: workerCount)
        // The base takes no locks: only this worker's thread touches it. Other threads wake it
        // through an eventfd (`post`), never by calling into the base.
        //
        // Interest changes are collected and given to epoll at the next wait (the changelist), so
        // changes that cancel out within a turn cost nothing: a connection accepted, answered and
        // closed in one turn (close-1k) makes no epoll_ctl at all instead of an ADD and a DEL. The
        // changelist's known hazard is fds cloned with dup(), which Portico never makes.
        let settings = event_config_new()
        event_config_set_flag(
            settings, Int32(EVENT_BASE_FLAG_NOLOCK.rawValue | EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST.rawValue))
        base = event_base_new_with_config(settings)
        event_config_free(settings)
        wakeFD = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
        precondition(wakeFD >= 0, "eventfd failed")
        wakeEvent = IOEvent(base: base, fd: wakeFD, events: Int16(EV_READ | EV_PERSIST)) { [unowned self] _ in
            var count: UInt64 = 0
            _ = read(wakeFD, &count, 8)
            runMailbox()
        }
        wakeEvent?.add()
        reaperEvent = IOEvent(base: base, fd: -1, events: 0) { [unowned self] _ in graveyard.removeAll() }
        resumeAcceptTimer = IOEvent(base: base, fd: -1, events: 0) { [unowned self] _ in resumeAccepting() }
        installRuntime(runtime)
        if accessLog != nil {
            logTimer = IOEvent(base: base, fd: -1, events: Int16(EV_PERSIST)) { [unowned self] _ in flushLog() }
            logTimer?.add(timeout: .seconds(1))
        }
    }

    deinit { readSpill.deallocate() }

    // MARK: - Access log

    /// Queues one line; the buffer goes to the writer thread when full and once a second.
    func log(_ record: AccessLogRecord) {
        guard let accessLog else { return }
        if logBuffer.append(record.line(accessLog.format)) { flushLog() }
    }

    func flushLog() {
        accessLog?.submit(logBuffer.take())
    }

    /// Stops listening on `address` (a reload dropped it); connections accepted on it go on.
    func closeListener(_ address: ResolvedAddress) {
        for listener in listeners where listener.address.description == address.description { listener.close() }
        listeners.removeAll { $0.address.description == address.description }
    }

    /// Listens on an already bound socket.
    func adopt(listenerFD: CInt, address: ResolvedAddress) {
        let listener = Listener(fd: listenerFD, address: address, base: base) { [unowned self] in
            acceptConnections(on: listenerFD)
        }
        listeners.append(listener)
    }

    /// Runs the loop until the worker has drained; returns on its own thread.
    func run() {
        running = true
        startProbes()
        // One turn at a time, so that the output of each turn is written once all its callbacks
        // have run (libevent 2.1 has no end-of-turn hook).
        while event_base_loop(base, EVLOOP_ONCE) == 0 {
            pendingWrites.flushAll()
            cachedWallClock = nil
            if event_base_got_exit(base) != 0 || event_base_got_break(base) != 0 { break }
        }
        pendingWrites.flushAll()
        for probe in probes { probe.stop() }
        probes.removeAll()
        for pool in idleUpstreams { for upstream in pool { upstream.close() } }
        idleUpstreams.removeAll()
        for client in clients { client.close() }
        logTimer?.delete()
        flushLog()
        graveyard.removeAll()
    }

    // MARK: - Cross-thread work

    /// Runs `job` on this worker's thread on its next loop turn.
    func post(_ job: @escaping @Sendable (Worker) -> Void) {
        mailbox.withLock { $0.append(job) }
        var one: UInt64 = 1
        _ = write(wakeFD, &one, 8)
    }

    private func runMailbox() {
        let jobs = mailbox.withLock { jobs in
            let taken = jobs
            jobs.removeAll()
            return taken
        }
        for job in jobs { job(self) }
    }

    // MARK: - Configuration

    /// Swaps in a new configuration for requests that start from now on.
    /// A worker's part of `max_connections`, rounded up so the parts add up to at least the whole.
    static func share(of limit: Int, among workers: Int) -> Int {
        max(1, (limit + workers - 1) / workers)
    }

    func installRuntime(_ runtime: Runtime) {
        maxClients = Self.share(of: runtime.config.limits.maxConnections, among: workerCount)
        if !isDraining, clients.count < maxClients { for listener in listeners { listener.resume() } }
        var previous: [String: any Balancer] = [:]
        for (name, group) in self.runtime.groups where group.index < balancers.count {
            previous[name] = balancers[group.index].balancer
        }
        let oldGroups = self.runtime.groups
        self.runtime = runtime
        let groups = runtime.groups.values.sorted { $0.index < $1.index }
        balancers = groups.map { group in
            // A group that kept its servers and its balance keeps its place in the rotation.
            if let old = previous[group.name], old.servers == group.servers,
                oldGroups[group.name]?.settings.balance == group.settings.balance
            {
                return (group.generation, old)
            }
            return (group.generation, makeBalancer(group))
        }
        retryBudgets = groups.map { _ in RetryBudget() }
        if running { startProbes() }
    }

    private func makeBalancer(_ group: BackendGroup) -> any Balancer {
        switch group.settings.balance {
        case .weighted: SmoothWeightedBalancer(servers: group.servers)
        case .leastConn: LeastConnBalancer(servers: group.servers, seed: UInt64(index) &+ 0x5EED)
        case .hash: ConsistentHashBalancer(servers: group.servers)
        }
    }

    /// Picks a server of `group` for a request whose key hashes to `key` and takes a slot on it
    /// (give it back with `group.pool.release`). Nil when no eligible server is left.
    func pickServer(in group: BackendGroup, key: UInt64, excluding tried: ServerSet) -> UpstreamServer? {
        let index = group.index
        let now = monotonicClock
        guard index < balancers.count, balancers[index].generation == group.generation else {
            // A request that started before a reload: pick among its own group's servers.
            var balancer = makeBalancer(group)
            return group.pool.pick(with: &balancer, key: key, excluding: tried, now: now)
        }
        return group.pool.pick(with: &balancers[index].balancer, key: key, excluding: tried, now: now)
    }

    /// Counts a first attempt toward the group's retry budget.
    func recordAttempt(in group: BackendGroup) {
        guard group.index < retryBudgets.count else { return }
        retryBudgets[group.index].recordRequest(now: monotonicClock)
    }

    /// Whether the group's retry budget allows one more retry (and takes it).
    func takeRetry(in group: BackendGroup) -> Bool {
        guard group.index < retryBudgets.count else { return true }
        return retryBudgets[group.index].takeRetry(now: monotonicClock)
    }

    // MARK: - Queues (max_conns)

    /// Connections waiting for a server slot, by group index, oldest first.
    private var queues: [Int: [ClientConnection]] = [:]

    /// Queues `client` for a slot in `group`; false when `limit` are waiting already.
    func enqueue(_ client: ClientConnection, group: BackendGroup, limit: Int) -> Bool {
        var queue = queues[group.index, default: []]
        guard queue.count < limit else { return false }
        queue.append(client)
        queues[group.index] = queue
        return true
    }

    func leaveQueue(_ client: ClientConnection) {
        for (index, queue) in queues {
            let rest = queue.filter { $0 !== client }
            queues[index] = rest.isEmpty ? nil : rest
        }
    }

    /// A slot of `group` was given back on this worker: the oldest waiting request tries again.
    /// (Slots freed on other workers reach this worker's queue at its next own release or at the
    /// queue timeout.)
    ///
    /// A loop, not a recursion: a waiter whose connect fails at once (no descriptor left) frees
    /// its slot again before `dequeued` returns, and handing it on from inside that call went one
    /// stack frame deeper per waiter; twenty thousand queued requests overflowed the stack.
    func slotFreed(in group: BackendGroup) {
        guard !queues.isEmpty else { return }
        freedSlots.append(group)
        guard !isOfferingSlots else { return }
        isOfferingSlots = true
        defer { isOfferingSlots = false }
        var index = 0
        while index < freedSlots.count {
            let group = freedSlots[index]
            index += 1
            guard var queue = queues[group.index], !queue.isEmpty else { continue }
            let next = queue.removeFirst()
            queues[group.index] = queue.isEmpty ? nil : queue
            next.dequeued()
        }
        freedSlots.removeAll(keepingCapacity: true)
    }

    /// Slots freed while `slotFreed` was already handing one on, offered in turn.
    private var freedSlots: [BackendGroup] = []
    private var isOfferingSlots = false

    // MARK: - Health checks

    /// Starts this worker's share of the health checks: server `s` of group `g` is probed by
    /// worker `(g + s) % workers`, so each server has one prober however many workers there are.
    private func startProbes() {
        for probe in probes { probe.stop() }
        probes.removeAll()
        let workerCount = max(1, peers.count)
        for group in runtime.groups.values {
            guard let settings = group.settings.health else { continue }
            for server in group.servers where (group.index + server.id) % workerCount == index {
                let probe = HealthProbe(worker: self, group: group, server: server, settings: settings)
                probes.append(probe)
                probe.start()
            }
        }
    }

    // MARK: - Connections

    /// Connections accepted per readiness of a listener; the loop comes back to it next turn while
    /// more wait. A few, not dozens: each new connection is answered in the turn that accepts it,
    /// so a long run of accepts holds back every response of the turn. Measured on close-1k
    /// (64 clients, one worker): p99 1.23-1.24 ms with 4, 1.29-1.40 ms with 64 (nginx, which
    /// accepts one at a time: 1.20-1.27 ms).
    private static let acceptsPerTurn = 4

    private func acceptConnections(on listenerFD: CInt) {
        for _ in 0..<Worker.acceptsPerTurn {
            guard clients.count < maxClients else {
                for listener in listeners { listener.pause() }
                return
            }
            let accepted: (fd: CInt, peer: ResolvedAddress)?
            do {
                accepted = try Socket.accept(listenerFD)
            } catch {
                if error.errno == EMFILE || error.errno == ENFILE || error.errno == ENOBUFS || error.errno == ENOMEM {
                    // Out of descriptors: stop accepting for a moment instead of spinning on the
                    // ready listener; connections closing in between free some up.
                    for listener in listeners { listener.pause() }
                    resumeAcceptTimer?.add(timeout: .milliseconds(100))
                    Log.error("\(error); pausing accept for 100ms")
                }
                return
            }
            guard let (fd, peer) = accepted else { return }
            nextConnectionID += 1
            let client = ClientConnection(worker: self, id: nextConnectionID, fd: fd, peer: peer)
            traffic.accepted.add(1, ordering: .relaxed)
            traffic.open.add(1, ordering: .relaxed)
            client.workerSlot = clients.count
            clients.append(client)
            client.start()
        }
    }

    private func resumeAccepting() {
        guard !isDraining, clients.count < maxClients else { return }
        for listener in listeners { listener.resume() }
    }

    /// Called by a client connection once it has closed its socket.
    func clientClosed(_ client: ClientConnection) {
        let slot = client.workerSlot
        guard slot < clients.count, clients[slot] === client else { return }
        let last = clients.removeLast()
        if slot < clients.count {
            clients[slot] = last
            last.workerSlot = slot
        }
        traffic.open.subtract(1, ordering: .relaxed)
        retire(client)
        if isDraining {
            if clients.isEmpty { event_base_loopexit(base, nil) }
        } else if clients.count < maxClients {
            for listener in listeners { listener.resume() }
        }
    }

    /// Keeps `object` alive until the next loop turn, so a connection closed inside one of its own
    /// callbacks is not freed while the callback still runs.
    func retire(_ object: AnyObject) {
        graveyard.append(object)
        reaperEvent?.activate()
    }

    // MARK: - Coalescing and cache upkeep

    /// `client` waits for a coalesced fetch until `wake` or its own timeout.
    func startWaiting(_ client: ClientConnection) {
        waiting[client.id] = client
    }

    /// `client` stops waiting (timed out or closed): it is taken off the coalescing table, and
    /// a wake-up already on its way finds nobody.
    func stopWaiting(_ client: ClientConnection, slot: CoalescingSlot) {
        guard waiting.removeValue(forKey: client.id) != nil else { return }
        coalescer?.remove(
            waiter: Coalescer.Waiter(worker: index, connection: client.id), key: slot.key,
            variantKey: slot.variantKey)
    }

    /// How long a URL whose response was not storable is fetched without coalescing.
    static let uncacheableTime = 30.0

    /// Ends the fetch of `slot`: each waiter, on whichever worker, is woken on its own loop to
    /// look the cache up again (`stored`) or to fetch on its own.
    func settle(_ slot: CoalescingSlot, stored: Bool, uncacheable: Bool = false) {
        guard let coalescer else { return }
        let waiters =
            stored
            ? coalescer.complete(slot.key, variantKey: slot.variantKey)
            : coalescer.abandon(
                slot.key, variantKey: slot.variantKey, now: wallClock,
                uncacheableFor: uncacheable ? Worker.uncacheableTime : nil)
        // Posted even to this worker: the waiter runs on a later loop turn, not inside the
        // leader's callback.
        for waiter in waiters {
            let connection = waiter.connection
            peers[waiter.worker].post { $0.wake(connection, stored: stored) }
        }
    }

    private func wake(_ connection: UInt64, stored: Bool) {
        waiting.removeValue(forKey: connection)?.coalescedFetchEnded(stored: stored)
    }

    func refreshStarted(_ refresh: BackgroundRefresh) {
        refreshes[ObjectIdentifier(refresh)] = refresh
    }

    func refreshEnded(_ refresh: BackgroundRefresh) {
        if let ended = refreshes.removeValue(forKey: ObjectIdentifier(refresh)) { retire(ended) }
    }

    /// Drops entries that nothing can use any more every `interval`, once they have been
    /// unusable for `grace` (which keeps entries with validators around for a cheap 304). One
    /// worker does it for the shared store.
    func sweepCache(every interval: Duration, grace: Double) {
        guard let cache else { return }
        sweepTimer = IOEvent(base: base, fd: -1, events: Int16(EV_PERSIST)) { [unowned self] _ in
            cache.sweep(now: wallClock, grace: grace)
        }
        sweepTimer?.add(timeout: interval)
    }

    // MARK: - Upstream keep-alive pool

    func takeIdleUpstream(slot: Int) -> UpstreamConnection? {
        guard slot < idleUpstreams.count else { return nil }
        while let upstream = idleUpstreams[slot].popLast() {
            if upstream.isUsable { return upstream }
        }
        return nil
    }

    /// Keeps a connection whose exchange ended cleanly, up to the group's `keepalive` count.
    func park(_ upstream: UpstreamConnection, group: BackendGroup) {
        let slot = upstream.slot
        if slot >= idleUpstreams.count {
            idleUpstreams.append(contentsOf: repeatElement([], count: slot + 1 - idleUpstreams.count))
        }
        guard !isDraining, idleUpstreams[slot].count < group.settings.keepalive else {
            upstream.close()
            return
        }
        upstream.parkIdle()
        idleUpstreams[slot].append(upstream)
    }

    /// A pooled connection closed (the backend hung up, or it sat idle too long).
    func idleUpstreamClosed(_ upstream: UpstreamConnection) {
        guard upstream.slot < idleUpstreams.count else { return }
        idleUpstreams[upstream.slot].removeAll { $0 === upstream }
    }

    // MARK: - Time

    /// Wall-clock seconds since 1970 from the loop's cached clock, for Date, Age and freshness.
    var wallClock: Double {
        if let cachedWallClock { return cachedWallClock }
        var now = timeval()
        event_base_gettimeofday_cached(base, &now)
        let seconds = Double(now.tv_sec) + Double(now.tv_usec) / 1_000_000
        cachedWallClock = seconds
        return seconds
    }

    /// `wallClock` for the rest of the loop turn: libevent's cached time only changes between
    /// turns, and reading it takes the base lock.
    private var cachedWallClock: Double?

    /// Seconds on a clock that never jumps (CLOCK_MONOTONIC_COARSE, read through the vDSO at the
    /// cost of a few nanoseconds): for breakers, retry budgets and health checks.
    var monotonicClock: Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC_COARSE, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    /// libevent's "common timeout" for `duration` on this worker's base: timers that all wait the
    /// same time (client_idle, response_timeout, …) go in one queue instead of the timer heap, so
    /// re-arming one per request is O(1). The encoded timeval only means something to this base.
    func commonTimeout(_ duration: timeval) -> timeval {
        for (plain, common) in commonTimeouts where plain.tv_sec == duration.tv_sec && plain.tv_usec == duration.tv_usec
        {
            return common
        }
        var plain = duration
        guard commonTimeouts.count < 32, let common = event_base_init_common_timeout(base, &plain) else {
            return duration
        }
        commonTimeouts.append((duration, common.pointee))
        return common.pointee
    }

    private var commonTimeouts: [(plain: timeval, common: timeval)] = []

    /// Seconds on the monotonic clock at full resolution, for latencies.
    var preciseClock: Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    /// The Date field value for now, from the loop's cached clock.
    var dateString: String {
        httpDate.string(at: Int(wallClock))
    }

    // MARK: - Drain

    /// Stops accepting, closes idle connections, lets requests in flight finish, and ends the loop
    /// when the last connection is gone or `timeout` has passed.
    func beginDrain(timeout: Duration) {
        guard !isDraining else { return }
        isDraining = true
        for listener in listeners { listener.close() }
        listeners.removeAll()
        sweepTimer?.delete()
        for probe in probes { probe.stop() }
        probes.removeAll()
        for pool in idleUpstreams { for upstream in pool { upstream.close() } }
        idleUpstreams.removeAll()
        for client in clients { client.drain() }
        if clients.isEmpty {
            event_base_loopexit(base, nil)
            return
        }
        drainTimer = IOEvent(base: base, fd: -1, events: 0) { [unowned self] _ in
            Log.info("worker \(index): shutdown_timeout reached with \(clients.count) connection(s) open")
            event_base_loopbreak(base)
        }
        drainTimer?.add(timeout: timeout)
    }
}
