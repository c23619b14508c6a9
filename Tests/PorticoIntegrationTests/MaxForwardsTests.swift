import Testing

/// RFC 9110 §7.6.2 (Max-Forwards) and §9.3.6 (CONNECT) through the binary.
@Suite("Max-Forwards and CONNECT", .timeLimit(.minutes(1)))
struct MaxForwardsIntegrationTests {
    @Test func traceWithMaxForwardsZeroIsAnsweredByThePortico() throws {
        let origin = try ScriptedOrigin { _, connection in try connection.respond(body: "origin") }
        defer { origin.stop() }
        let proxy = try PorticoProcess(ProxyConfig(origin: origin.port))
        defer { proxy.stop() }

        let response = try RawClient.request(
            port: proxy.port, "TRACE /t HTTP/1.1\r\nHost: test.example\r\nMax-Forwards: 0\r\nCookie: c=1\r\n\r\n")
        #expect(response.status == 200)
        #expect(response.header("Content-Type") == "message/http")
        #expect(response.bodyText.hasPrefix("TRACE /t HTTP/1.1\r\n"))
        #expect(!response.bodyText.contains("c=1"))
        #expect(origin.requestCount == 0)
    }

    @Test func optionsIsForwardedWithMaxForwardsDecremented() throws {
        let origin = try ScriptedOrigin { _, connection in try connection.respond(body: "origin") }
        defer { origin.stop() }
        let proxy = try PorticoProcess(ProxyConfig(origin: origin.port))
        defer { proxy.stop() }

        let response = try RawClient.request(
            port: proxy.port, "OPTIONS /o HTTP/1.1\r\nHost: test.example\r\nMax-Forwards: 3\r\n\r\n")
        #expect(response.status == 200)
        #expect(response.bodyText == "origin")
        #expect(origin.requests.first?.header("Max-Forwards") == "2")
    }

    @Test func connectIsRefusedWithoutReachingTheOrigin() throws {
        let origin = try ScriptedOrigin { _, connection in try connection.respond(body: "origin") }
        defer { origin.stop() }
        let proxy = try PorticoProcess(ProxyConfig(origin: origin.port))
        defer { proxy.stop() }

        let response = try RawClient.request(
            port: proxy.port, "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n")
        #expect(response.status == 501)
        #expect(origin.requestCount == 0)
    }
}
