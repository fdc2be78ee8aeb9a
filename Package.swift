// swift-tools-version:6.2
import PackageDescription

// Dependency rule (one way): CoretexProtocol is a leaf everyone may use;
// CoretexCore (pure domain logic) <- CoretexInfra (NATS/Redis adapters) <- CoretexRuntime <- the
// role modules under Sources/Server <- CoretexStack <- coretex-server.
// Clients (CoretexClient, CoretexTUI, ctx) speak HTTP/WS only and never import server modules;
// they may use CoretexCore's pure types (workflow documents and runs are its Codable models).
let hummingbird = Target.Dependency.product(name: "Hummingbird", package: "hummingbird")
let logging = Target.Dependency.product(name: "Logging", package: "swift-log")
let metrics = Target.Dependency.product(name: "Metrics", package: "swift-metrics")
let prometheus = Target.Dependency.product(name: "Prometheus", package: "swift-prometheus")
let lifecycle = Target.Dependency.product(name: "ServiceLifecycle", package: "swift-service-lifecycle")
let grpc: [Target.Dependency] = [
    .product(name: "GRPCCore", package: "grpc-swift-2"),
    .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
    .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
]
let serverRoles: [Target.Dependency] = [
    "CoretexRuntime", "CoretexSafety", "CoretexScheduler", "CoretexContext", "CoretexWorkers", "CoretexRepoReview",
    "CoretexWorkflows", "CoretexGateway", "CoretexStack",
]

let package = Package(
    name: "Coretex",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "coretex-server", targets: ["coretex-server"]),
        .executable(name: "ctx", targets: ["ctx"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.8.1"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        .package(url: "https://github.com/grpc/grpc-swift-2", from: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport", from: "2.9.2"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf", from: "2.4.1"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
    ],
    targets: [
        // C libraries through system-library targets; shims live in each folder.
        .systemLibrary(name: "CNATS", pkgConfig: "libnats", providers: [.apt(["libnats-dev"])]),
        .systemLibrary(name: "CHiredis", pkgConfig: "hiredis", providers: [.apt(["libhiredis-dev"])]),
        .systemLibrary(name: "CNCurses", pkgConfig: "ncursesw", providers: [.apt(["libncursesw5-dev"])]),

        .target(
            name: "CoretexProtocol",
            dependencies: [
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
            ]
        ),
        .target(
            name: "CoretexCore",
            dependencies: [
                "CoretexProtocol",
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .target(
            name: "CoretexInfra",
            dependencies: [
                "CNATS", "CHiredis", "CoretexCore", "CoretexProtocol",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        // The control plane, one module per role under Sources/Server (docs/architecture.md).
        // Roles depend on Core and the Infra protocols, and on another role only through its
        // published API (Scheduler → Safety's client, Workers → Context's client, Gateway →
        // the workflow engine it serves); `CoretexStack` wires them into services.
        .target(
            name: "CoretexRuntime",
            dependencies: [
                "CoretexCore", "CoretexInfra", "CoretexProtocol", hummingbird, logging, metrics, prometheus, lifecycle,
                .product(name: "NIOCore", package: "swift-nio"),
            ] + grpc,
            path: "Sources/Server/Runtime"
        ),
        .target(
            name: "CoretexSafety",
            dependencies: ["CoretexCore", "CoretexProtocol", "CoretexRuntime"] + grpc + [logging, lifecycle],
            path: "Sources/Server/Safety"
        ),
        .target(
            name: "CoretexScheduler",
            dependencies: [
                "CoretexCore", "CoretexInfra", "CoretexProtocol", "CoretexRuntime", "CoretexSafety", logging, metrics,
                lifecycle,
            ],
            path: "Sources/Server/Scheduler"
        ),
        .target(
            name: "CoretexContext",
            dependencies: ["CoretexCore", "CoretexInfra", "CoretexProtocol", "CoretexRuntime"] + grpc + [logging, lifecycle],
            path: "Sources/Server/Context"
        ),
        .target(
            name: "CoretexWorkers",
            dependencies: [
                "CoretexCore", "CoretexInfra", "CoretexProtocol", "CoretexRuntime", "CoretexContext", logging, lifecycle,
            ],
            path: "Sources/Server/Workers"
        ),
        .target(
            name: "CoretexRepoReview",
            dependencies: [
                "CoretexCore", "CoretexInfra", "CoretexProtocol", "CoretexRuntime", "CoretexWorkers", logging,
            ],
            path: "Sources/Server/RepoReview"
        ),
        .target(
            name: "CoretexWorkflows",
            dependencies: [
                "CoretexCore", "CoretexInfra", "CoretexProtocol", "CoretexRuntime", hummingbird, logging, lifecycle,
            ],
            path: "Sources/Server/Workflows"
        ),
        .target(
            name: "CoretexGateway",
            dependencies: [
                "CoretexCore", "CoretexInfra", "CoretexProtocol", "CoretexRuntime", "CoretexWorkflows", hummingbird,
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
            ] + grpc + [logging, metrics, lifecycle],
            path: "Sources/Server/Gateway"
        ),
        .target(
            name: "CoretexStack",
            dependencies: [
                "CoretexCore", "CoretexInfra", "CoretexRuntime", "CoretexSafety", "CoretexScheduler", "CoretexContext",
                "CoretexWorkers", "CoretexRepoReview", "CoretexWorkflows", "CoretexGateway", logging, lifecycle,
            ],
            path: "Sources/Server/Stack"
        ),
        .executableTarget(
            name: "coretex-server",
            dependencies: [
                "CoretexStack", "CoretexCore", "CoretexInfra", "CoretexRuntime", "CoretexSafety", "CoretexContext",
                "CoretexWorkers", logging, lifecycle,
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/Server/coretex-server"
        ),

        // Clients: the gateway's HTTP/WS API only, so they work against any deployment.
        .target(
            name: "CoretexClient",
            dependencies: [
                "CoretexProtocol", "CoretexCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        // The operator console: models with no curses in them, a renderer over a Screen
        // protocol (a text grid in tests), and the ncursesw screen.
        .target(name: "CoretexTUI", dependencies: ["CNCurses", "CoretexClient", "CoretexCore", "CoretexProtocol"]),
        .target(
            name: "CoretexCLI",
            dependencies: [
                "CoretexClient", "CoretexCore", "CoretexProtocol", "CoretexTUI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        // `ctx` must start in under 30 ms. Resolving the shared Swift, Foundation and ICU
        // libraries was a third of that, so it links the Swift runtime statically (the flag at
        // compile time too, so Foundation's static archives bring their own dependencies), as a
        // non-PIE executable exporting no symbols: almost nothing left for the dynamic loader.
        .executableTarget(
            name: "ctx", dependencies: ["CoretexCLI"],
            swiftSettings: [.unsafeFlags(["-static-stdlib"])],
            linkerSettings: [.unsafeFlags(["-static-stdlib", "-Xclang-linker", "-no-pie", "-Xlinker", "--no-export-dynamic"])]
        ),

        // A deterministic Ollama for tests and demos (the only external service Coretex fakes).
        .executableTarget(name: "fake-ollama", dependencies: [.product(name: "Hummingbird", package: "hummingbird")]),

        // `make bench`: an echo load through the gateway against a release `coretex-server dev`.
        .executableTarget(
            name: "coretex-bench",
            dependencies: [
                "CoretexProtocol", "CoretexInfra", "CoretexTUI",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        .testTarget(
            name: "CoretexProtocolTests",
            dependencies: ["CoretexProtocol", .product(name: "SwiftProtobuf", package: "swift-protobuf")]
        ),
        .testTarget(name: "CoretexCoreTests", dependencies: ["CoretexCore", "CoretexProtocol"]),
        .testTarget(name: "CoretexTUITests", dependencies: ["CoretexTUI", "CoretexClient", "CoretexCore", "CoretexProtocol"]),
        .testTarget(
            name: "CoretexCLITests",
            dependencies: [
                "CoretexCLI", "CoretexClient", "CoretexProtocol",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            exclude: ["Golden"]
        ),
        .testTarget(name: "CoretexClientTests", dependencies: ["CoretexClient", "CoretexProtocol"]),
        // Real nats-server/redis-server per test, and polling helpers (no bare sleeps).
        .target(
            name: "CoretexTestSupport",
            dependencies: ["CoretexCore", "CoretexInfra", "CoretexProtocol"],
            path: "Tests/TestSupport"
        ),
        .testTarget(
            name: "CoretexInfraTests",
            dependencies: ["CoretexCore", "CoretexInfra", "CoretexProtocol", "CoretexTestSupport", logging]
        ),
        .testTarget(
            name: "CoretexServerTests",
            dependencies: serverRoles + [
                "CoretexCore", "CoretexInfra", "CoretexProtocol", "CoretexTestSupport", logging, lifecycle,
            ]
        ),
        // The gateway's router driven in process (HummingbirdTesting, no socket), on real
        // nats-server and redis-server.
        .testTarget(
            name: "GatewayTests",
            dependencies: [
                "CoretexGateway", "CoretexRuntime", "CoretexCore", "CoretexInfra", "CoretexProtocol", "CoretexTestSupport",
                hummingbird, logging, .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        // Drives the real `coretex-server` binary against real nats-server and redis-server,
        // over HTTP, WebSocket and the bus only.
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "CoretexProtocol", "CoretexCore", "CoretexInfra", "CoretexTestSupport", logging,
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
            ]
        ),
    ]
)
