// swift-tools-version:6.1
import PackageDescription

/// What tests that run their own HTTP servers (the transport's, the fault proxies') need.
let localServers: [Target.Dependency] = [
    .product(name: "NIOCore", package: "swift-nio"),
    .product(name: "NIOPosix", package: "swift-nio"),
    .product(name: "NIOHTTP1", package: "swift-nio"),
    .product(name: "NIOSSL", package: "swift-nio-ssl"),
    .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
]

let package = Package(
    name: "edal",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "EDALAWS", targets: ["EDALAWS"]),
        .library(name: "EDALState", targets: ["EDALState"]),
        .library(name: "EDALDetection", targets: ["EDALDetection"]),
        .library(name: "EDALWorker", targets: ["EDALWorker"]),
        .library(name: "EDALTools", targets: ["EDALTools"]),
        .executable(name: "edal", targets: ["edal"]),
    ],
    dependencies: [
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
        // OTLP over HTTP only: the gRPC exporter's packages are not built.
        .package(url: "https://github.com/swift-otel/swift-otel.git", from: "1.6.0", traits: ["OTLPHTTP"]),
    ],
    targets: [
        .systemLibrary(
            name: "CMongoc",
            pkgConfig: "libmongoc-1.0",
            providers: [.apt(["libmongoc-dev"])]
        ),
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        // AWS, with no EDAL concept in it: SigV4 signing, credentials and endpoints as the SDKs resolve
        // them, one HTTP client with retries and proxies, and the S3, SQS and Kinesis calls EDAL makes.
        // Imports only the server ecosystem (NIO, AsyncHTTPClient, Crypto, Logging).
        .target(
            name: "EDALAWS",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The state store: the `StateStore` protocol and its claim rules, MongoDB (libmongoc, own
        // BSON codec) and SQLite. Knows objects only as bucket, key and content; imports no other
        // EDAL module.
        .target(
            name: "EDALState",
            dependencies: [
                "CMongoc",
                "CSQLite",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        // Detection from metadata alone: sources, baselines, checks, the IsolationForest.
        // Foundation only: no S3, store or worker types.
        .target(name: "EDALDetection"),
        // The worker: notifications, the claim → HEAD → judge → signal → complete pipeline, the SQS
        // consumer, signals and their sinks, the sweep, replay, configuration, metrics and the runtime
        // that wires them. Reaches AWS, the store and detection through their public API only.
        .target(
            name: "EDALWorker",
            dependencies: [
                "EDALAWS",
                "EDALState",
                "EDALDetection",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ]
        ),
        // Not on the production path: synthetic producers (the generator), detection evaluation and
        // `edal setup`'s infrastructure creation.
        .target(
            name: "EDALTools",
            dependencies: ["EDALWorker", "EDALAWS", "EDALState", "EDALDetection", "CZlib"]
        ),
        .executableTarget(
            name: "edal",
            dependencies: [
                "EDALWorker",
                "EDALAWS",
                "EDALState",
                "EDALDetection",
                "EDALTools",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "OTel", package: "swift-otel"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        // What every test target shares: the repository's root, whether the test services are
        // required, a runner for short programs.
        .target(
            name: "EDALTestSupport",
            path: "Tests/EDALTestSupport"
        ),
        .testTarget(
            name: "EDALUnitTests",
            dependencies: ["EDALWorker", "EDALAWS", "EDALState", "EDALDetection", "EDALTestSupport"] + localServers
        ),
        // Tests beside the module they test; EDALUnitTests holds the worker's, EDALIntegrationTests
        // what needs the test services.
        .testTarget(
            name: "EDALAWSTests",
            dependencies: ["EDALAWS", "EDALTestSupport", .product(name: "NIOConcurrencyHelpers", package: "swift-nio")]
                + localServers
        ),
        .testTarget(
            name: "EDALStateTests",
            dependencies: ["EDALState", .product(name: "NIOConcurrencyHelpers", package: "swift-nio")]
        ),
        .testTarget(
            name: "EDALDetectionTests",
            dependencies: ["EDALDetection", "EDALTools", "EDALTestSupport"]
        ),
        .testTarget(
            name: "EDALSimulationTests",
            dependencies: [
                "EDALWorker", "EDALAWS", "EDALState", "EDALDetection",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "EDALIntegrationTests",
            dependencies: ["EDALWorker", "EDALAWS", "EDALState", "EDALTools", "EDALDetection", "EDALTestSupport"]
                + localServers
        ),
        // Micro-benchmarks (`make bench`).
        .executableTarget(
            name: "edal-bench",
            dependencies: [
                "EDALWorker", "EDALAWS", "EDALState", "EDALDetection", "EDALTools",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        // Helper processes the integration tests start (e.g. several OS processes racing over one store).
        .executableTarget(
            name: "edal-test-helper",
            dependencies: ["EDALWorker", "EDALAWS", "EDALState"],
            path: "Tests/EDALTestHelper"
        ),
    ]
)
