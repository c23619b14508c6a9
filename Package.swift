// swift-tools-version:6.0
import PackageDescription

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
        .target(name: "PorticoHTTP"),
        .target(name: "PorticoConfig"),
        .target(name: "PorticoCache", dependencies: ["PorticoHTTP"]),
        .target(name: "PorticoUpstream", dependencies: ["PorticoHTTP"]),
        .target(
            name: "PorticoServer",
            dependencies: ["CLibevent", "PorticoHTTP", "PorticoCache", "PorticoConfig", "PorticoUpstream"]
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
