import Foundation
import Testing

@testable import PorticoConfig

/// The repository's files: the top-level `proxy.conf` must parse, and each bad fixture must fail with
/// the exact line its `# expect:` comment names (scripts/check-config.sh checks the same through
/// `portico -t`).
@Suite struct ExampleConfigTests {
    /// The repository root, found from this file's path rather than the working directory.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let badFixtures = root.appendingPathComponent("Tests/Fixtures/bad")

    static var fixtureNames: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: badFixtures.path)) ?? []
        return names.filter { $0.hasSuffix(".conf") }.sorted()
    }

    @Test func topLevelProxyConfParses() throws {
        let text = try String(contentsOf: Self.root.appendingPathComponent("proxy.conf"), encoding: .utf8)
        let config = try Config.parse(text, file: "proxy.conf")
        #expect(config.workers == nil)
        #expect(config.listen == [SocketAddress(host: "127.0.0.1", port: 8080)])
        #expect(config.backends.map(\.name) == ["demo"])
        #expect(
            config.backends[0].servers == [
                ServerSettings(address: SocketAddress(host: "127.0.0.1", port: 9001), weight: 3),
                ServerSettings(address: SocketAddress(host: "127.0.0.1", port: 9002), weight: 1),
            ]
        )
        // The demo origins answer /healthz, so the example checks them as a real pool would.
        #expect(config.backends[0].health == HealthCheckSettings(path: "/healthz"))
        #expect(config.backends[0].circuitBreaker == CircuitBreakerSettings())
        #expect(config.admin == AdminSettings(listen: SocketAddress(host: "127.0.0.1", port: 9901)))
        #expect(config.accessLog == .stdout(.combined))
        #expect(config.routes == [Route(backend: "demo")])
    }

    @Test func thereAreBadFixtures() {
        #expect(Self.fixtureNames.count >= 8)
    }

    @Test(arguments: fixtureNames)
    func badFixtureFailsAsItsFirstLineSays(name: String) throws {
        let text = try String(contentsOf: Self.badFixtures.appendingPathComponent(name), encoding: .utf8)
        let firstLine = try #require(text.split(separator: "\n", omittingEmptySubsequences: false).first)
        let expected = try #require(firstLine.hasPrefix("# expect: ") ? firstLine.dropFirst("# expect: ".count) : nil)
        #expect(throws: ConfigError.self) { try Config.parse(text, file: name) }
        do {
            _ = try Config.parse(text, file: name)
        } catch {
            #expect(error.description == String(expected))
        }
    }
}
