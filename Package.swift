// swift-tools-version: 6.1
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "hubspot-install",
    products: [
        .executable(name: "hubspot-install", targets: ["hubspot-install"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // SQLite for the built-in exchange's token store (README: why GRDB).
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    ],
    targets: [
        // libfcgi (Debian libfcgi-dev); the only C the package sees.
        .systemLibrary(
            name: "CFastCGI",
            pkgConfig: "fcgi",
            providers: [.apt(["libfcgi-dev"])]
        ),
        .target(name: "InstallCrypto", swiftSettings: strict),
        .target(name: "InstallFlow", dependencies: ["InstallCrypto"], swiftSettings: strict),
        .target(
            name: "TokenHooks",
            dependencies: ["InstallFlow", "InstallCrypto", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strict
        ),
        .target(name: "FastCGI", dependencies: ["InstallFlow", "CFastCGI"], swiftSettings: strict),
        .executableTarget(
            name: "hubspot-install",
            dependencies: [
                "InstallCrypto", "InstallFlow", "TokenHooks", "FastCGI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        // Fuzz harnesses for every parser of outside input; `Tests/fuzz.sh` builds `install-fuzz` with
        // libFuzzer (README: fuzzing), a normal build replays inputs with it.
        .target(
            name: "FuzzHarnesses", dependencies: ["InstallCrypto", "InstallFlow", "TokenHooks", "FastCGI"],
            swiftSettings: strict),
        .executableTarget(name: "install-fuzz", dependencies: ["FuzzHarnesses"], swiftSettings: strict),
        // Benchmarks are not tests: `swift run -c release install-bench` (see README).
        .executableTarget(
            name: "install-bench",
            dependencies: ["InstallCrypto", "InstallFlow"],
            path: "Benchmarks/InstallBench",
            swiftSettings: strict
        ),
        .testTarget(name: "InstallCryptoTests", dependencies: ["InstallCrypto"], swiftSettings: strict),
        .testTarget(name: "InstallFlowTests", dependencies: ["InstallFlow", "InstallCrypto"], swiftSettings: strict),
        .testTarget(name: "TokenHooksTests", dependencies: ["TokenHooks", "InstallFlow"], swiftSettings: strict),
        .testTarget(name: "FuzzHarnessesTests", dependencies: ["FuzzHarnesses"], swiftSettings: strict),
    ]
)
