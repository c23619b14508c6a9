import Testing

@testable import PorticoConfig

@Suite struct SocketAddressTests {
    @Test(arguments: [
        ("127.0.0.1:8080", "127.0.0.1", 8080, "127.0.0.1:8080"),
        ("[::1]:8080", "::1", 8080, "[::1]:8080"),
        ("[fe80::1:2]:443", "fe80::1:2", 443, "[fe80::1:2]:443"),
        ("localhost:9001", "localhost", 9001, "localhost:9001"),
        ("origin-1.internal_lan:80", "origin-1.internal_lan", 80, "origin-1.internal_lan:80"),
        ("*:8080", "0.0.0.0", 8080, "0.0.0.0:8080"),
        ("127.0.0.1:0", "127.0.0.1", 0, "127.0.0.1:0"),
        ("127.0.0.1:65535", "127.0.0.1", 65535, "127.0.0.1:65535"),
    ])
    func parsesAndPrints(text: String, host: String, port: Int, description: String) throws {
        let address = try #require(SocketAddress(text))
        #expect(address == SocketAddress(host: host, port: port))
        #expect(address.description == description)
    }

    @Test(arguments: [
        ("8080", SocketAddress.Failure.malformed),
        (":8080", .malformed),
        ("[::1]", .malformed),
        ("[::1]8080", .malformed),
        ("[::1:8080", .malformed),
        ("::1:8080", .unbracketedIPv6),
        ("[]:80", .badHost),
        ("[example.com]:80", .badHost),
        ("exa mple:80", .badHost),
        ("a/b:80", .badHost),
        ("host:", .badPort),
        ("host:65536", .badPort),
        ("host:http", .badPort),
        ("host:-1", .badPort),
        ("host:+80", .badPort),
        ("host:000080", .badPort),
    ])
    func refusesMalformedAddresses(text: String, failure: SocketAddress.Failure) {
        #expect(SocketAddress.parse(text) == .failure(failure))
        #expect(SocketAddress(text) == nil)
    }
}
