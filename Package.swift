// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "edal",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "EDALDetection", targets: ["EDALDetection"]),
        .library(name: "EDALCore", targets: ["EDALCore"]),
        .library(name: "EDALTools", targets: ["EDALTools"]),
        .executable(name: "edal", targets: ["edal"]),
    ],
    dependencies: [
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
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
        // Detection from metadata alone: sources, baselines, checks, the IsolationForest.
        // Foundation only: no S3, store or worker types.
        .target(name: "EDALDetection"),
        .target(
            name: "EDALCore",
            dependencies: [
                "EDALDetection",
                "CMongoc",
                "CSQLite",
                "CZlib",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        // Synthetic producers and detection evaluation: not on the production path.
        .target(
            name: "EDALTools",
            dependencies: ["EDALCore", "EDALDetection"]
        ),
        .executableTarget(
            name: "edal",
            dependencies: [
                "EDALCore",
                "EDALDetection",
                "EDALTools",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .testTarget(
            name: "EDALCoreTests",
            dependencies: ["EDALCore", "EDALDetection"]
        ),
        .testTarget(
            name: "EDALDetectionTests",
            dependencies: ["EDALDetection", "EDALTools"]
        ),
        .testTarget(
            name: "EDALSimulationTests",
            dependencies: [
                "EDALCore", "EDALDetection",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "EDALIntegrationTests",
            dependencies: ["EDALCore"]
        ),
        // Micro-benchmarks (`make bench`).
        .executableTarget(
            name: "edal-bench",
            dependencies: ["EDALCore", "EDALDetection", "EDALTools"]
        ),
        // Helper processes the integration tests start (e.g. several OS processes racing over one store).
        .executableTarget(
            name: "edal-test-helper",
            dependencies: ["EDALCore"],
            path: "Tests/EDALTestHelper"
        ),
    ]
)
