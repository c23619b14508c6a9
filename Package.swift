// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Portico",
    products: [
        .executable(name: "portico", targets: ["portico"]),
        .executable(name: "portico-demo-origin", targets: ["portico-demo-origin"]),
    ],
    targets: [
        .systemLibrary(
            name: "CLibevent",
            pkgConfig: "libevent_core",
            providers: [.apt(["libevent-dev"])]
        ),
        .target(name: "PorticoHTTP"),
        .target(name: "PorticoConfig"),
        .target(name: "PorticoUpstream", dependencies: ["PorticoHTTP"]),
        .target(
            name: "PorticoServer",
            dependencies: ["CLibevent", "PorticoHTTP", "PorticoConfig", "PorticoUpstream"]
        ),
        .executableTarget(name: "portico", dependencies: ["PorticoServer", "PorticoConfig"]),
        .executableTarget(name: "portico-demo-origin"),
        .testTarget(name: "PorticoHTTPTests", dependencies: ["PorticoHTTP"]),
        .testTarget(name: "PorticoConfigTests", dependencies: ["PorticoConfig"]),
        .testTarget(name: "PorticoUpstreamTests", dependencies: ["PorticoUpstream"]),
        .testTarget(name: "PorticoServerTests", dependencies: ["PorticoServer"]),
        .testTarget(
            name: "PorticoIntegrationTests",
            dependencies: ["portico", "portico-demo-origin"]
        ),
    ]
)
