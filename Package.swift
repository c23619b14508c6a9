// swift-tools-version:6.0
import PackageDescription

/// The modules on the request path check exclusive access at compile time only in release builds:
/// the run-time checks cost about 0.1 µs per request (measured on pass-1k). Debug builds, which
/// the tests use, keep them, so a violation still traps there. Release builds also optimize across
/// modules, so that the small byte writers and header accessors of PorticoHTTP are inlined into
/// the server (pass-through 35.4k -> 34.7k instructions per request, callgrind).
let hotPath: [SwiftSetting] = [
    .unsafeFlags(["-enforce-exclusivity=unchecked", "-cross-module-optimization"], .when(configuration: .release))
]

let package = Package(
    name: "Portico",
    products: [
        .executable(name: "portico", targets: ["portico"]),
        .executable(name: "portico-demo-origin", targets: ["portico-demo-origin"]),
        .executable(name: "portico-cache-sim", targets: ["portico-cache-sim"]),
    ],
    targets: [
        .systemLibrary(
            name: "CLibevent",
            pkgConfig: "libevent_core",
            providers: [.apt(["libevent-dev"])]
        ),
        .target(name: "PorticoHTTP", swiftSettings: hotPath),
        .target(name: "PorticoConfig"),
        .target(name: "PorticoCache", dependencies: ["PorticoHTTP"], swiftSettings: hotPath),
        .target(name: "PorticoUpstream", dependencies: ["PorticoHTTP"], swiftSettings: hotPath),
        .target(
            name: "PorticoServer",
            dependencies: ["CLibevent", "PorticoHTTP", "PorticoCache", "PorticoConfig", "PorticoUpstream"],
            swiftSettings: hotPath
        ),
        .executableTarget(name: "portico", dependencies: ["PorticoServer", "PorticoConfig"]),
        .executableTarget(name: "portico-demo-origin"),
        .executableTarget(name: "portico-cache-sim", dependencies: ["PorticoCache"]),
        .testTarget(name: "PorticoHTTPTests", dependencies: ["PorticoHTTP"]),
        .testTarget(name: "PorticoConfigTests", dependencies: ["PorticoConfig"]),
        .testTarget(name: "PorticoCacheTests", dependencies: ["PorticoCache"]),
        .testTarget(name: "PorticoUpstreamTests", dependencies: ["PorticoUpstream"]),
        .testTarget(name: "PorticoServerTests", dependencies: ["PorticoServer"]),
        .testTarget(
            name: "PorticoIntegrationTests",
            dependencies: ["portico", "portico-demo-origin"]
        ),
    ]
)
