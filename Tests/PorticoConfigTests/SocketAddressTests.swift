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
        ("[::]:80", "::", 80, "[::]:80"),
        ("[2001:db8::ffff:192.0.2.1]:80", "2001:db8::ffff:192.0.2.1", 80, "[2001:db8::ffff:192.0.2.1]:80"),
        ("[1:2:3:4:5:6:7:8]:80", "1:2:3:4:5:6:7:8", 80, "[1:2:3:4:5:6:7:8]:80"),
        ("[::ffff:1.2.3.4]:80", "::ffff:1.2.3.4", 80, "[::ffff:1.2.3.4]:80"),
        ("[1::]:80", "1::", 80, "[1::]:80"),
        ("10.0.0.255:80", "10.0.0.255", 80, "10.0.0.255:80"),
        ("123.example:80", "123.example", 80, "123.example:80"),
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
        // Literal addresses must be addresses: nothing the resolver would make of them.
        ("999.1.1.1:80", .badHost),
        ("1.2.3.4.5:80", .badHost),
        ("1.2.3:80", .badHost),
        ("01.2.3.4:80", .badHost),
        ("[1:2:3:4:5:6:7:8:9]:80", .badHost),
        ("[1::2::3]:80", .badHost),
        ("[:1:2]:80", .badHost),
        ("[12345::1]:80", .badHost),
        ("[::1.2.3]:80", .badHost),
    ])
    func refusesMalformedAddresses(text: String, failure: SocketAddress.Failure) {
        #expect(SocketAddress.parse(text) == .failure(failure))
        #expect(SocketAddress(text) == nil)
    }
}
