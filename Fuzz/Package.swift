// swift-tools-version:6.0
// EDAL's fuzz targets: one libFuzzer binary whose EDAL_FUZZ_TARGET environment variable chooses the
// parser it feeds. Built apart from the main package (its own .build), only with the fuzzer and
// address sanitizers; `infra/fuzz.sh` (`make fuzz`) builds and runs it. See Fuzz/README.md.
import PackageDescription

let package = Package(
    name: "edal-fuzz",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "edal", path: "..")
    ],
    targets: [
        .executableTarget(
            name: "edal-fuzz",
            dependencies: [
                .product(name: "EDALAWS", package: "edal"),
                .product(name: "EDALState", package: "edal"),
                .product(name: "EDALWorker", package: "edal"),
            ]
        )
    ]
)
