import Foundation
import Testing

/// Concurrent misses for one URL send one request to the origin (Varnish's request collapsing),
/// and stale-while-revalidate answers at once while one background fetch refreshes the entry
/// (RFC 5861 §3).
@Suite("Coalescing", .timeLimit(.minutes(1)))
struct CoalescingTests {
    /// Runs `count` GETs of `target` at once, each on its own connection, and returns the
    /// responses with how long each took.
    static func concurrentGets(_ count: Int, port: UInt16, target: String) -> [(RawResponse?, Double)] {
        let results = Results(count: count)
        let start = Barrier(count: count, name: "clients ready")
        let done = Barrier(count: count, name: "clients done")
        for index in 0..<count {
            Thread.detachNewThread {
                defer { done.arrive() }
                do {
                    let client = try RawClient(port: port)
                    start.arrive()
                    try start.wait()
                    let began = Date()
                    let response = try CacheTests.exchange(client, Wire.get(target))
                    results.set(index, response, Date().timeIntervalSince(began))
                } catch {
                    results.set(index, nil, 0)
                }
            }
        }
        try? done.wait(timeout: 20)
        return results.all
    }

    final class Results: @unchecked Sendable {
        private let lock = NSLock()
        private var values: [(RawResponse?, Double)]
        init(count: Int) { values = Array(repeating: (nil, 0), count: count) }
        func set(_ index: Int, _ response: RawResponse?, _ seconds: Double) {
            lock.lock()
            values[index] = (response, seconds)
            lock.unlock()
        }
        var all: [(RawResponse?, Double)] {
            lock.lock()
            defer { lock.unlock() }
            return values
        }
    }

    @Test func tenConcurrentMissesMakeOneOriginRequest() throws {
        let tally = CacheTests.Tally()
        let origin = try ScriptedOrigin { _, connection in
            let number = tally.next()
            connection.sleep(0.5)
            try connection.respond(headers: [("Cache-Control", "max-age=60")], body: "response \(number)")
        }
        defer { origin.stop() }
        let proxy = try PorticoProcess(ProxyConfig(origin: origin.port))
        defer { proxy.stop() }

        let results = Self.concurrentGets(10, port: proxy.port, target: "/popular")
        #expect(origin.requestCount == 1, "one fetch for all ten clients")
        let responses = results.compactMap(\.0)
        #expect(responses.count == 10)
        #expect(responses.allSatisfy { $0.status == 200 && $0.bodyText == "response 1" })
        let collapsed = responses.filter { CacheTests.cacheStatus($0).contains("collapsed") }
        #expect(collapsed.count == 9, "\(responses.map { CacheTests.cacheStatus($0) })")
        #expect(collapsed.allSatisfy { CacheTests.isHit($0) && $0.header("Age") != nil })
    }

    /// A `no-cache` response may not be reused without validation, but the fetch a waiter waited
    /// for is that validation: ten clients still make one origin request, not ten in a row.
    @Test func waitersShareANoCacheResponseFetchedForThem() throws {
        let tally = CacheTests.Tally()
        let origin = try ScriptedOrigin { _, connection in
            let number = tally.next()
            connection.sleep(0.4)
            try connection.respond(
                headers: [("Cache-Control", "no-cache"), ("ETag", "\"n\(number)\"")], body: "response \(number)")
        }
        defer { origin.stop() }
        let proxy = try PorticoProcess(ProxyConfig(origin: origin.port))
        defer { proxy.stop() }

        let results = Self.concurrentGets(10, port: proxy.port, target: "/fresh-news")
        #expect(origin.requestCount == 1, "\(origin.requests.map { $0.header("If-None-Match") ?? "-" })")
        #expect(results.allSatisfy { $0.0?.bodyText == "response 1" })
        // Later requests revalidate, as no-cache says.
        let later = try CacheTests.exchange(try RawClient(port: proxy.port), Wire.get("/fresh-news"))
        #expect(origin.requestCount == 2)
        #expect(origin.requests.last?.header("If-None-Match") == "\"n1\"")
        #expect(later.status == 200)
    }

    @Test func waitersOfAnUnstorableResponseFetchAtOnce() throws {
        let origin = try ScriptedOrigin { request, connection in
            connection.sleep(0.6)
            try connection.respond(headers: [("Cache-Control", "no-store")], body: "private \(request.target)")
        }
        defer { origin.stop() }
        let proxy = try PorticoProcess(ProxyConfig(origin: origin.port))
        defer { proxy.stop() }

        let results = Self.concurrentGets(5, port: proxy.port, target: "/personal")
        #expect(origin.requestCount == 5, "nothing could be shared: every client fetched")
        #expect(results.allSatisfy { $0.0?.status == 200 })
        // Released when the leader's head said no-store, the waiters' own fetches overlap: two
        // origin delays at most, never five in a row.
        let slowest = results.map(\.1).max() ?? 0
        #expect(slowest < 2.0, "slowest client took \(slowest) s")
    }

    @Test func waiterFetchesAloneAfterCoalesceTimeout() throws {
        let tally = CacheTests.Tally()
        let origin = try ScriptedOrigin { _, connection in
            let number = tally.next()
            if number == 1 { connection.sleep(3) }
            try connection.respond(headers: [("Cache-Control", "max-age=60")], body: "response \(number)")
        }
        defer { origin.stop() }
        var config = ProxyConfig(origin: origin.port)
        config.backendOptions = "keepalive 16; connect_timeout 1s; response_timeout 5s; retries 1;"
        config.extra = "cache { coalesce_timeout 200ms; }"
        let proxy = try PorticoProcess(config)
        defer { proxy.stop() }

        let leader = try RawClient(port: proxy.port)
        try leader.send(Wire.get("/slow"))
        #expect(origin.waitUntil { $0.headsReceived >= 1 })
        let began = Date()
        let follower = try CacheTests.exchange(try RawClient(port: proxy.port), Wire.get("/slow"))
        let waited = Date().timeIntervalSince(began)
        #expect(follower.status == 200)
        #expect(follower.bodyText == "response 2", "it went to the origin itself")
        #expect(waited < 2, "waited \(waited) s, not for the 3 s leader")
        #expect(try leader.readFinalResponse().bodyText == "response 1")
    }

    @Test func staleWhileRevalidateAnswersAtOnceAndRefreshesOnce() throws {
        let tally = CacheTests.Tally()
        let origin = try ScriptedOrigin { _, connection in
            let number = tally.next()
            if number > 1 { connection.sleep(0.5) }
            let lifetime = number == 1 ? "max-age=1" : "max-age=60"
            try connection.respond(
                headers: [("Cache-Control", "\(lifetime), stale-while-revalidate=30")], body: "response \(number)")
        }
        defer { origin.stop() }
        let proxy = try PorticoProcess(ProxyConfig(origin: origin.port))
        defer { proxy.stop() }

        let client = try RawClient(port: proxy.port)
        #expect(try CacheTests.exchange(client, Wire.get("/news")).bodyText == "response 1")
        CacheTests.pause(1.2)
        // Stale now: answered from the cache at once while one refresh runs behind it.
        for _ in 0..<3 {
            let began = Date()
            let stale = try CacheTests.exchange(client, Wire.get("/news"))
            #expect(Date().timeIntervalSince(began) < 0.4, "no wait for the 0.5 s refresh")
            #expect(stale.bodyText == "response 1")
            #expect(CacheTests.cacheStatus(stale).contains("detail=stale-while-revalidate"))
            #expect(Int(stale.header("Age") ?? "") ?? 0 >= 1)
        }
        #expect(origin.waitForRequests(2))
        CacheTests.pause(0.8)
        #expect(origin.requestCount == 2, "one background refresh, however many stale hits")
        let fresh = try CacheTests.exchange(client, Wire.get("/news"))
        #expect(fresh.bodyText == "response 2")
        #expect(CacheTests.isHit(fresh))
        #expect(!CacheTests.cacheStatus(fresh).contains("stale"))
    }

    /// A refresh started by a HEAD fetches a GET and stores its 200 (it was judged as a HEAD
    /// and thrown away, so every later request found the entry stale again).
    @Test func staleWhileRevalidateRefreshFromAHeadStores() throws {
        let tally = CacheTests.Tally()
        let origin = try ScriptedOrigin { _, connection in
            let number = tally.next()
            try connection.respond(
                headers: [("Cache-Control", "max-age=\(number == 1 ? 1 : 60), stale-while-revalidate=30")],
                body: "response \(number)")
        }
        defer { origin.stop() }
        let proxy = try PorticoProcess(ProxyConfig(origin: origin.port))
        defer { proxy.stop() }
        let client = try RawClient(port: proxy.port)
        #expect(try CacheTests.exchange(client, Wire.get("/head-refresh")).bodyText == "response 1")
        CacheTests.pause(1.2)
        let head = try CacheTests.exchange(client, "HEAD /head-refresh HTTP/1.1\r\nHost: test.example\r\n\r\n")
        #expect(CacheTests.cacheStatus(head).contains("detail=stale-while-revalidate"), "\(head)")
        #expect(origin.waitForRequests(2))
        CacheTests.pause(0.3)
        let fresh = try CacheTests.exchange(client, Wire.get("/head-refresh"))
        #expect(fresh.bodyText == "response 2", "\(fresh)")
        #expect(CacheTests.isHit(fresh))
        #expect(origin.requestCount == 2)
    }

    /// A backend that closes each keep-alive connection when it is reused (its idle timeout
    /// racing the reuse): a bodiless GET, even one with `Content-Length: 0`, and a background
    /// refresh are each sent again on a new connection instead of failing.
    @Test func closedPooledConnectionIsRetriedForBodilessRequestsAndRefreshes() throws {
        let seen = SeenConnections()
        let tally = CacheTests.Tally()
        let origin = try ScriptedOrigin { request, connection in
            guard seen.firstTime(connection) else {
                connection.close()
                return
            }
            let lifetime = request.target == "/refreshed" ? "max-age=1, stale-while-revalidate=30" : "no-store"
            try connection.respond(headers: [("Cache-Control", lifetime)], body: "response \(tally.next())")
        }
        defer { origin.stop() }
        var config = ProxyConfig(origin: origin.port)
        config.workers = 1
        let proxy = try PorticoProcess(config)
        defer { proxy.stop() }

        for _ in 0..<3 {
            let response = try RawClient.request(
                port: proxy.port, "GET /empty HTTP/1.1\r\nHost: a.test\r\nContent-Length: 0\r\n\r\n")
            #expect(response.status == 200, "\(response)")
        }
        let first = try RawClient.request(port: proxy.port, Wire.get("/refreshed"))
        let stored = try #require(Int(first.bodyText.dropFirst("response ".count)))
        CacheTests.pause(1.2)
        let stale = try RawClient.request(port: proxy.port, Wire.get("/refreshed"))
        #expect(stale.bodyText == first.bodyText)
        CacheTests.pause(0.5)
        let fresh = try RawClient.request(port: proxy.port, Wire.get("/refreshed"))
        #expect(fresh.bodyText == "response \(stored + 1)", "the refresh was lost: \(fresh)")
    }

    /// A refresh holds a `max_conns` slot; when it ends, a request queued for that slot goes on
    /// at once, not at its queue timeout.
    @Test func refreshHandsItsSlotToTheQueue() throws {
        let tally = CacheTests.Tally()
        let origin = try ScriptedOrigin { request, connection in
            let number = tally.next()
            if request.target == "/swr" {
                if number > 1 { connection.sleep(0.5) }
                try connection.respond(
                    headers: [("Cache-Control", "max-age=1, stale-while-revalidate=30")], body: "swr \(number)")
            } else {
                try connection.respond(headers: [("Cache-Control", "no-store")], body: "other")
            }
        }
        defer { origin.stop() }
        let proxy = try PorticoProcess(
            config: """
                workers 1;
                backend app { server 127.0.0.1:\(origin.port) max_conns=1; queue 10 timeout 4s; }
                """)
        defer { proxy.stop() }
        _ = try RawClient.request(port: proxy.port, Wire.get("/swr"))
        CacheTests.pause(1.2)
        _ = try RawClient.request(port: proxy.port, Wire.get("/swr"))  // stale; the refresh takes the slot
        let began = Date()
        let queued = try RawClient.request(port: proxy.port, Wire.get("/other"))
        #expect(queued.bodyText == "other", "\(queued)")
        #expect(Date().timeIntervalSince(began) < 2, "waited \(Date().timeIntervalSince(began)) s for the slot")
    }

    final class SeenConnections: @unchecked Sendable {
        private let lock = NSLock()
        /// Kept alive, so that a new connection never takes the identity of a closed one.
        private var seen: [OriginConnection] = []

        func firstTime(_ connection: OriginConnection) -> Bool {
            lock.lock()
            defer { lock.unlock() }
            if seen.contains(where: { $0 === connection }) { return false }
            seen.append(connection)
            return true
        }
    }

    @Test func staleWhileRevalidateRefreshUsesTheValidator() throws {
        let origin = try CacheTests.validatingOrigin(
            etag: "\"v1\"", headers: [("Cache-Control", "max-age=1, stale-while-revalidate=30")], body: "the body",
            notModified: [("Cache-Control", "max-age=60"), ("X-Refreshed", "yes")])
        defer { origin.stop() }
        let proxy = try PorticoProcess(ProxyConfig(origin: origin.port))
        defer { proxy.stop() }

        let client = try RawClient(port: proxy.port)
        _ = try CacheTests.exchange(client, Wire.get("/doc"))
        CacheTests.pause(1.2)
        _ = try CacheTests.exchange(client, Wire.get("/doc"))
        #expect(origin.waitForRequests(2))
        #expect(origin.requests.last?.header("If-None-Match") == "\"v1\"")
        CacheTests.pause(0.2)
        let refreshed = try CacheTests.exchange(client, Wire.get("/doc"))
        #expect(refreshed.bodyText == "the body")
        #expect(refreshed.header("X-Refreshed") == "yes", "the 304's fields were merged in")
        #expect(CacheTests.isHit(refreshed))
        #expect(origin.requestCount == 2)
    }
}
