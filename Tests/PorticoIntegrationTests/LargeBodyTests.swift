import Glibc
import Testing

/// A 1 GiB body goes through in either direction intact and in bounded memory, and a client that
/// reads slowly holds the backend back instead of making Portico buffer the body (README, "How it
/// works": each buffer has a 256 KiB high watermark).
///
/// Nothing here holds a body: origins and clients send from one reused 64 KiB buffer
/// (`PatternBody`) and read through another (`StreamReader`), comparing a byte count and a
/// streaming checksum (`StreamDigest`). Serialized, so the two 1 GiB transfers do not compete for
/// the same cores.
@Suite("Large bodies", .serialized, .timeLimit(.minutes(2)))
struct LargeBodyTests {
    static let size = 1 << 30
    static let memoryLimit = 100 << 20

    @Test func oneGibibyteDownloadArrivesIntactInBoundedMemory() throws {
        let sent = Locked<String?>(nil)
        let finished = Barrier(name: "origin sent the body")
        let origin = try ScriptedOrigin { request, connection in
            guard request.path == "/one-gibibyte" else { return try connection.respond(body: "small") }
            try connection.sendRaw(
                "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: \(Self.size)\r\n\r\n")
            let digest = try PatternBody(count: Self.size).forEachBlock { try connection.sendRaw($0) }
            sent.update { $0 = digest }
            finished.arrive()
        }
        defer { origin.stop() }
        let proxy = try PorticoProcess(ProxyConfig(origin: origin.port))
        defer { proxy.stop() }

        let client = try StreamingClient(port: proxy.port)
        try client.send(Wire.get("/one-gibibyte"))
        let head = try client.readHead()
        #expect(head.status == 200)
        #expect(head.contentLength == Self.size, "\(head.headers)")
        var digest = StreamDigest()
        let count = try client.reader.readBody(length: Self.size, timeoutPerRead: 5) { digest.update($0) }

        #expect(count == Self.size, "the body ended after \(count) bytes")
        #expect(throws: Never.self, "the origin did not finish sending: \(origin.errors)") {
            try finished.wait(timeout: 5)
        }
        #expect(digest.summary == sent.get(), "the client received other bytes than the origin sent")
        let peak = try #require(proxy.peakResidentBytes)
        #expect(peak < Self.memoryLimit, "portico's peak RSS was \(peak >> 20) MiB for a 1 GiB download")
        // Still usable afterwards: keep-alive, and the next response starts cleanly.
        try client.send(Wire.get("/again"))
        let again = try client.readHead()
        #expect(again.status == 200)
        #expect(try client.readSmallBody(of: again) == "small")
    }

    @Test func oneGibibyteUploadArrivesIntactInBoundedMemory() throws {
        let origin = try DiscardingOrigin()
        defer { origin.stop() }
        var config = ProxyConfig(origin: origin.port)
        config.limits = "request_body 2g; max_connections 100;"
        // The origin answers once the whole body is in, which may take longer than the usual 2 s
        // (`uploadTakingLongerThanResponseTimeoutIsNotCut` is about that).
        config.backendOptions = "keepalive 16; connect_timeout 1s; response_timeout 30s; retries 1;"
        let proxy = try PorticoProcess(config)
        defer { proxy.stop() }

        let client = try StreamingClient(port: proxy.port)
        try client.send(
            "POST /upload HTTP/1.1\r\nHost: test.example\r\nContent-Type: application/octet-stream\r\n"
                + "Content-Length: \(Self.size)\r\n\r\n")
        let digest = try PatternBody(count: Self.size).forEachBlock { try client.send($0, timeout: 10) }
        let head = try client.readHead(timeout: 10)

        #expect(head.status == 200)
        #expect(try client.readSmallBody(of: head) == digest, "the origin received other bytes than the client sent")
        #expect(origin.bodies == [digest], "\(origin.requests) \(origin.errors)")
        let peak = try #require(proxy.peakResidentBytes)
        #expect(peak < Self.memoryLimit, "portico's peak RSS was \(peak >> 20) MiB for a 1 GiB upload")
    }

    /// The mirror image: the backend stops reading a 1 GiB upload, and Portico stops reading the
    /// client instead of buffering what it sends. The client pushes for about a second.
    @Test func slowBackendHoldsTheUploadBack() throws {
        let release = Barrier(name: "origin reads bodies")
        let origin = try DiscardingOrigin(holdingBodiesUntil: release)
        defer { origin.stop() }
        var config = ProxyConfig(origin: origin.port)
        config.limits = "request_body 2g; max_connections 100;"
        // Longer than the push, short enough that the stalled exchange, which Portico ends by one
        // of these once the client has gone, does not hold up the graceful stop.
        config.timeouts = "client_header 1s; client_idle 3s; send 5s;"
        config.backendOptions = "keepalive 16; connect_timeout 1s; response_timeout 3s; retries 1;"
        let proxy = try PorticoProcess(config)
        defer { proxy.stop() }
        let baseline = proxy.peakResidentBytes ?? 0

        let client = try StreamingClient(port: proxy.port)
        try client.send("POST /upload HTTP/1.1\r\nHost: test.example\r\nContent-Length: \(Self.size)\r\n\r\n")
        let pushing = Deadline.after(1)
        var accepted = 0
        let block = Bytes.pattern(count: PatternBody.blockSize)
        while !pushing.hasPassed { accepted += try client.sendSome(block, deadline: pushing) }
        let peak = try #require(proxy.peakResidentBytes)
        client.close()

        #expect(
            peak < Self.memoryLimit,
            "portico's peak RSS grew from \(baseline >> 20) to \(peak >> 20) MiB while the backend read nothing")
        // What the client got rid of is bounded by socket buffers and the 256 KiB watermark.
        #expect(accepted < 64 << 20, "the client sent \(accepted >> 20) MiB while the backend read nothing")
        #expect(accepted > 0)
        let after = try RawClient.request(port: proxy.port, Wire.get("/after"))
        #expect(after.status == 200)
    }

    /// A backend that stops reading for longer than `client_idle` holds the upload up, but the
    /// client is not to blame: it keeps sending as fast as Portico reads. `client_idle` is for
    /// clients that stall (README, "Timeouts"), as `response_timeout` stops while a slow client
    /// holds a response back. The origin reads nothing for 2.5 s, then the whole 128 MiB body.
    @Test func backendPauseLongerThanClientIdleDoesNotCutTheUpload() throws {
        let release = Barrier(name: "origin reads bodies")
        let origin = try DiscardingOrigin(holdingBodiesUntil: release)
        defer { origin.stop() }
        var config = ProxyConfig(origin: origin.port)
        config.limits = "request_body 2g; max_connections 100;"
        config.timeouts = "client_header 1s; client_idle 1s; send 5s;"
        config.backendOptions = "keepalive 16; connect_timeout 1s; response_timeout 30s; retries 1;"
        let proxy = try PorticoProcess(config)
        defer { proxy.stop() }

        let size = 128 << 20
        let client = try StreamingClient(port: proxy.port)
        try client.send("POST /upload HTTP/1.1\r\nHost: test.example\r\nContent-Length: \(size)\r\n\r\n")
        let stopwatch = Stopwatch()
        var sentDuringPause = 0
        let digest: String
        do {
            digest = try PatternBody(count: size).forEachBlock { block in
                var offset = 0
                while offset < block.count {
                    if !release.isOpen && stopwatch.seconds > 2.5 { release.arrive() }
                    let count = try client.sendSome(block, from: offset, deadline: .after(0.1))
                    if !release.isOpen { sentDuringPause += count }
                    offset += count
                }
            }
        } catch {
            Issue.record("the upload was cut \(stopwatch.seconds) s into the backend's pause: \(error)")
            return
        }
        let head = try client.readHead(timeout: 10)

        #expect(sentDuringPause < size / 2, "the origin's pause did not hold the upload up")
        #expect(head.status == 200)
        #expect(try client.readSmallBody(of: head) == digest)
        #expect(origin.bodies == [digest], "\(origin.requests)")
    }

    /// `response_timeout` waits for the response head once the request has been sent; while the
    /// body is still flowing to the backend, the backend cannot be late yet. Here the client
    /// sends 2 MiB in 256 KiB pieces 300 ms apart (about 2.1 s, well within `client_idle 2s`
    /// between pieces), and the origin answers when the body is complete.
    @Test func uploadTakingLongerThanResponseTimeoutIsNotCut() throws {
        let origin = try ScriptedOrigin { request, connection in
            try connection.respond(body: Bytes.digest(request.body))
        }
        defer { origin.stop() }
        var config = ProxyConfig(origin: origin.port)
        config.backendOptions = "keepalive 16; connect_timeout 1s; response_timeout 1s; retries 1;"
        let proxy = try PorticoProcess(config)
        defer { proxy.stop() }

        let body = Bytes.pattern(count: 2 << 20, seed: 21)
        let client = try RawClient(port: proxy.port)
        try client.send("POST /slow-upload HTTP/1.1\r\nHost: test.example\r\nContent-Length: \(body.count)\r\n\r\n")
        do {
            for offset in stride(from: 0, to: body.count, by: 256 * 1024) {
                usleep(300_000)
                try client.send(Array(body[offset..<offset + 256 * 1024]))
            }
        } catch {
            Issue.record("the upload was cut off: \(error)")
        }
        let response = try client.readResponse()
        #expect(response.status == 200, "\(response)")
        #expect(response.bodyText == Bytes.digest(body))
        #expect(origin.requests.map { Bytes.digest($0.body) } == [Bytes.digest(body)], "\(origin.errors)")
    }

    /// The client reads 64 KiB every 50 ms for about a second, then hangs up. Without
    /// backpressure Portico would keep reading the backend at loopback speed and buffer the body.
    @Test func slowReaderHoldsTheBackendBack() throws {
        let originSent = Locked(0)
        let origin = try ScriptedOrigin { request, connection in
            guard request.path == "/one-gibibyte" else { return try connection.respond(body: "small") }
            try connection.sendRaw(
                "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: \(Self.size)\r\n\r\n")
            try PatternBody(count: Self.size).forEachBlock { block in
                try connection.sendRaw(block)
                originSent.update { $0 += block.count }
            }
        }
        defer { origin.stop() }
        let proxy = try PorticoProcess(ProxyConfig(origin: origin.port))
        defer { proxy.stop() }
        let baseline = proxy.peakResidentBytes ?? 0

        let client = try StreamingClient(port: proxy.port)
        try client.send(Wire.get("/one-gibibyte"))
        #expect(try client.readHead().status == 200)
        var received = 0
        let stopwatch = Stopwatch()
        while stopwatch.seconds < 1 {
            received += try client.reader.read(upTo: 64 * 1024, deadline: .after(5)) { _ in }
            usleep(50_000)
        }
        let peak = try #require(proxy.peakResidentBytes)
        let sentByOrigin = originSent.get()
        client.close()

        #expect(received > 0)
        #expect(
            peak < Self.memoryLimit,
            "portico's peak RSS grew from \(baseline >> 20) to \(peak >> 20) MiB while the client read \(received >> 10) KiB"
        )
        // What the origin got rid of is bounded by socket buffers and the 256 KiB watermark.
        #expect(
            sentByOrigin < 64 << 20,
            "the origin sent \(sentByOrigin >> 20) MiB while the client read \(received >> 10) KiB")
        let after = try RawClient.request(port: proxy.port, Wire.get("/small"))
        #expect(after.status == 200)
        #expect(after.bodyText == "small")
    }
}
