// swift-tools-version:6.0
import PackageDescription

// Generic types such as `[Service]` or `[String: String]` are looked up with
// direct metadata accessor calls, not by mangled name: the runtime would
// demangle each name at its first use and scan every protocol conformance in
// the binary to check its requirements, 1.0 M of the 3.0 M instructions of a
// `roost start` (BENCHMARKS.md). Set on our targets only; the dependencies
// build unchanged.
let startUpSettings: [SwiftSetting] = [
    .unsafeFlags(["-Xfrontend", "-disable-concrete-type-metadata-mangled-name-accessors"]),
]

// Targets follow ../shared/DESIGN.md: Handlebars and TOML are standalone,
// Habitat joins them, Supervision knows nothing of Habitat, Runtime joins
// Habitat + Supervision + Certificates, and the `roost` executable stays thin.
let package = Package(
    name: "roost",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "roost", targets: ["roost"]),
    ],
    // Exact versions: the ones this machine kind carries, so the tests, CI and
    // the image build the same code (Package.resolved stays out of git).
    dependencies: [
        .package(url: "https://github.com/apple/swift-certificates.git", exact: "1.21.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", exact: "4.5.2"),
        .package(url: "https://github.com/apple/swift-asn1.git", exact: "1.7.4"),
    ],
    targets: [
        // Tiny C shim for what Glibc's Swift module lacks (signalfd, prctl, vfork spawn, renameat2).
        .target(name: "CSupport"),
        // Generic Handlebars engine: standard library only.
        .target(name: "Handlebars", swiftSettings: startUpSettings),
        // TOML 1.1 decoder (1.0 on request) that keeps source key order: standard library only.
        .target(name: "TOML", swiftSettings: startUpSettings),
        // Safe reads (no blocking, no following, capped) and atomic writes of
        // files in directories others can write to: standard library and the C shim.
        .target(name: "SafeFiles", dependencies: ["CSupport"], swiftSettings: startUpSettings),
        // Package model, config layering, render context, Habitat's helpers.
        .target(name: "Habitat", dependencies: ["Handlebars", "TOML", "SafeFiles"], swiftSettings: startUpSettings),
        // Key + self-signed certificate, file lock.
        .target(name: "Certificates", dependencies: [
            "SafeFiles",
            .product(name: "X509", package: "swift-certificates"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "_CryptoExtras", package: "swift-crypto"),
            .product(name: "SwiftASN1", package: "swift-asn1"),
        ], swiftSettings: startUpSettings),
        // Spawn, signals, the one reaper, hooks, restart policy, health loop.
        .target(name: "Supervision", dependencies: ["CSupport"], swiftSettings: startUpSettings),
        // Command-line parsing from declared commands (no reflection), help and usage errors: standard library only.
        .target(name: "Arguments", swiftSettings: startUpSettings),
        // One service's lifecycle, shared by `start` and `dev`.
        .target(name: "Runtime", dependencies: ["Habitat", "Supervision", "Certificates", "SafeFiles"], swiftSettings: startUpSettings),
        .executableTarget(name: "roost", dependencies: [
            "Runtime", "Habitat", "Handlebars", "TOML", "Certificates", "Supervision", "SafeFiles", "Arguments",
        ], swiftSettings: startUpSettings),

        // Prints toml-test's tagged JSON for ../shared/toml-test/run.py.
        .executableTarget(name: "toml-test-decoder", dependencies: ["TOML"]),
        // Render throughput; fuzzing of the template engine, TOML decoder and JSON reader (BENCHMARKS.md).
        .executableTarget(name: "roost-bench", dependencies: ["Habitat", "Handlebars", "TOML", "SeededRandom"], path: "Benchmarks/roost-bench"),
        // One seedable generator for the tests and roost-bench's fuzzing (not linked into roost).
        .target(name: "SeededRandom"),

        // The engine alone; Habitat's dialect and helpers are tested in HabitatTests.
        .testTarget(name: "HandlebarsTests", dependencies: ["Handlebars", "SeededRandom"]),
        .testTarget(name: "TOMLTests", dependencies: ["TOML"]),
        .testTarget(name: "ArgumentsTests", dependencies: ["Arguments"]),
        // Fixtures/: data read through #filePath (handlebars-rust's recorded answers).
        .testTarget(name: "HabitatTests", dependencies: ["Habitat", "Handlebars", "TOML", "SeededRandom"], exclude: ["Fixtures"]),
        .testTarget(name: "SafeFilesTests", dependencies: ["SafeFiles"]),
        .testTarget(name: "CertificatesTests", dependencies: ["Certificates", "SafeFiles", .product(name: "Crypto", package: "swift-crypto")]),
        .testTarget(name: "SupervisionTests", dependencies: ["Supervision"]),
        .testTarget(name: "RuntimeTests", dependencies: ["Runtime", "Habitat", "SeededRandom"]),
        // `Lifecycle` driven by events alone: no processes, no clock, no sleeping.
        .testTarget(name: "LifecycleTests", dependencies: ["Runtime", "Habitat"]),
        // Runs the built `roost` binary as a user would.
        .testTarget(name: "IntegrationTests", dependencies: ["roost", "Habitat", "Handlebars"]),
    ]
)
