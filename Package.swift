// swift-tools-version: 6.0
// MemQ: how much accelerator memory one training step of a network takes, and the largest batch that fits.
import PackageDescription

let package = Package(
    name: "MemQ",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "memq", targets: ["memq"]),
        .executable(name: "memqd", targets: ["memqd"]),
        .library(name: "MemQCore", targets: ["MemQCore"]),
        .library(name: "MemQZoo", targets: ["MemQZoo"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-system", from: "1.4.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // Graph IR, ops, shape inference, counting, the memory model. Depends on nothing of ours.
        .target(name: "MemQCore"),
        // Built-in architectures as graph builders.
        .target(name: "MemQZoo", dependencies: ["MemQCore"]),
        // Rendering: tables, JSON, CSV.
        .target(name: "MemQReport", dependencies: ["MemQCore", "MemQZoo"]),
        // OpenBLAS (pkg-config `openblas`, Debian `libopenblas-dev`).
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        // Native CPU training engine.
        .target(name: "MemQEngine", dependencies: ["CBLAS", "MemQCore"]),
        // Child-process measurement of resident memory.
        .target(name: "MemQProbe", dependencies: ["MemQCore", "MemQEngine", "CProcessControl",
                                                  .product(name: "SystemPackage", package: "swift-system")]),
        // Versioned wire protocol.
        .target(name: "MemQWire", dependencies: ["MemQCore"]),
        // libzmq (pkg-config `libzmq`, Debian `libzmq3-dev`).
        // libzmq's .pc adds -isystem flags SwiftPM rejects with a warning; zmq.h is on the default include path, so the
        // module map links `zmq` directly and `providers` still names the Debian package.
        .systemLibrary(name: "CZeroMQ", providers: [.apt(["libzmq3-dev"])]),
        // prctl(2) for the latency probe (header only: glibc's variadic prctl is not imported by Swift).
        .systemLibrary(name: "CProcessControl"),
        // Thin libzmq wrapper; knows nothing of estimates.
        .target(name: "MemQTransport", dependencies: ["CZeroMQ"]),
        // memqd's client (Lazy Pirate) and CURVE key files; used by `memq --server` and the daemon.
        .target(name: "MemQClient", dependencies: ["MemQWire", "MemQTransport", "MemQCore"]),
        // Measured peaks and OOMs reported by schedulers, in SQLite (GRDB; Debian `libsqlite3-dev`).
        .target(name: "MemQStore", dependencies: ["MemQCore", .product(name: "GRDB", package: "GRDB.swift")]),
        // The commands themselves (request body in, result out): shared by the CLI and memqd's workers.
        .target(name: "MemQService", dependencies: ["MemQCore", "MemQZoo", "MemQReport", "MemQWire", "MemQProbe", "MemQStore"]),
        // The daemon.
        .target(name: "MemQServer", dependencies: ["MemQWire", "MemQTransport", "MemQCore", "MemQClient",
                                                   .product(name: "Logging", package: "swift-log"),
                                                   .product(name: "Prometheus", package: "swift-prometheus")]),
        .executableTarget(name: "memq", dependencies: [
            "MemQCore", "MemQZoo", "MemQReport", "MemQProbe", "MemQWire", "MemQTransport", "MemQClient", "MemQService", "MemQStore",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // The fuzz targets (one per reader of outside bytes) and their harness (libFuzzer, or a replayer).
        .target(name: "MemQFuzz", dependencies: ["MemQCore", "MemQService", "MemQWire"]),
        .executableTarget(name: "memq-fuzz", dependencies: ["MemQFuzz"]),
        .executableTarget(name: "memqd", dependencies: [
            "MemQServer", "MemQClient", "MemQCore", "MemQWire", "MemQService", "MemQProbe", "MemQStore",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Times estimates in-process for scripts/bench-estimate.sh.
        .executableTarget(name: "memq-bench", dependencies: ["MemQCore", "MemQZoo", "MemQService", "MemQReport", "MemQWire", "MemQEngine"]),
        .testTarget(name: "MemQCoreTests", dependencies: ["MemQCore"]),
        .testTarget(name: "MemQZooTests", dependencies: ["MemQCore", "MemQZoo"], exclude: ["Fixtures"]),
        .testTarget(name: "MemQReportTests", dependencies: ["MemQReport", "MemQCore", "MemQZoo"]),
        .testTarget(name: "MemQEngineTests", dependencies: ["MemQEngine"]),
        .testTarget(name: "MemQProbeTests", dependencies: ["MemQProbe", "MemQEngine", "MemQCore", "MemQZoo"]),
        .testTarget(name: "MemQTransportTests", dependencies: ["MemQTransport"]),
        .testTarget(name: "MemQFuzzTests", dependencies: ["MemQFuzz", "MemQCore"], exclude: []),
        .testTarget(name: "MemQServiceTests", dependencies: ["MemQService", "MemQCore", "MemQReport", "MemQWire", "MemQStore"]),
        .testTarget(name: "MemQWireTests", dependencies: ["MemQWire", "MemQCore"]),
        .testTarget(name: "MemQCLITests", dependencies: ["memq", "MemQService", "MemQProbe", "MemQWire", "MemQCore",
                                                       .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .testTarget(name: "MemQServerTests", dependencies: ["MemQServer", "MemQWire", "MemQTransport", "MemQCore", "MemQClient",
                                                          .product(name: "Logging", package: "swift-log")]),
    ],
    swiftLanguageModes: [.v6]
)
