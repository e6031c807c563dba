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
        .executable(name: "hubspot-install", targets: ["hubspot-install"]),
        .executable(name: "hubspot-install-tokens", targets: ["hubspot-install-tokens"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // SQLite for the built-in exchange's token store (README: why GRDB).
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    ],
    targets: [
        // libfcgi (Debian libfcgi-dev), for the responder.
        .systemLibrary(
            name: "CFastCGI",
            pkgConfig: "fcgi",
            providers: [.apt(["libfcgi-dev"])]
        ),
        // libpq (Debian libpq-dev), for the PostgreSQL token store; only TokenService imports it.
        .systemLibrary(
            name: "CPostgres",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        .target(name: "InstallCrypto", swiftSettings: strict),
        .target(name: "InstallFlow", dependencies: ["InstallCrypto"], swiftSettings: strict),
        // Running a hook program; part of the responder, so no Foundation.
        .target(name: "HookRunner", dependencies: ["InstallFlow"], swiftSettings: strict),
        // The token work: the built-in exchange, the webhook post, the token store.
        .target(
            name: "TokenService",
            dependencies: [
                "InstallFlow", "InstallCrypto", "CPostgres", .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: strict
        ),
        .target(name: "FastCGI", dependencies: ["InstallFlow", "CFastCGI"], swiftSettings: strict),
        // The responder's command line, read by hand: swift-argument-parser and the Foundation it
        // links in were 40% of the code every worker maps (Benchmarks/README.md).
        .target(name: "ResponderCommandLine", swiftSettings: strict),
        // The responder. The Swift runtime is linked in statically: loading its shared libraries
        // costs a CGI request more CPU than answering it, and each process 2.6 MiB more RSS (the
        // CGI benchmark of Benchmarks/README.md). The toolchain's lld packs the 27,000 relative relocations of the
        // position-independent executable into 5 KB (DT_RELR, glibc 2.36) instead of 610 KB that
        // every process reads at start: 0.5 MiB less RSS per process. `Linker/static` comes first on the
        // library path: its `libstdc++.so` is a linker script naming the static libstdc++ and its
        // unwinder, so the C++ runtime the Swift runtime needs is linked in too instead of loaded by
        // ld.so at every start: 0.5 ms less CPU per CGI request, 0.6 MiB less RSS per process.
        .executableTarget(
            name: "hubspot-install",
            dependencies: ["InstallCrypto", "InstallFlow", "HookRunner", "FastCGI", "ResponderCommandLine"],
            swiftSettings: strict,
            linkerSettings: [
                .unsafeFlags([
                    "-static-stdlib", "-use-ld=lld", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs",
                    "-L", Context.packageDirectory + "/Linker/static",
                ])
            ]
        ),
        // The token work: the built-in hooks the responder runs, the token store's commands.
        .executableTarget(
            name: "hubspot-install-tokens",
            dependencies: [
                "InstallFlow", "TokenService", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        // Fuzz harnesses for every parser of outside input; `Tests/fuzz.sh` builds `install-fuzz` with
        // libFuzzer (docs/testing.md: fuzzing), a normal build replays inputs with it.
        .target(
            name: "FuzzHarnesses",
            dependencies: ["InstallCrypto", "InstallFlow", "HookRunner", "TokenService", "FastCGI"],
            swiftSettings: strict),
        .executableTarget(name: "install-fuzz", dependencies: ["FuzzHarnesses"], swiftSettings: strict),
        // Benchmarks are not tests: `swift run -c release install-bench` (see Benchmarks/README.md).
        .executableTarget(
            name: "install-bench",
            dependencies: ["InstallCrypto", "InstallFlow"],
            path: "Benchmarks/InstallBench",
            swiftSettings: strict
        ),
        .testTarget(name: "InstallCryptoTests", dependencies: ["InstallCrypto"], swiftSettings: strict),
        .testTarget(name: "InstallFlowTests", dependencies: ["InstallFlow", "InstallCrypto"], swiftSettings: strict),
        .testTarget(
            name: "HookRunnerTests", dependencies: ["HookRunner", "InstallFlow", "InstallCrypto"],
            swiftSettings: strict),
        .testTarget(
            name: "TokenServiceTests", dependencies: ["TokenService", "InstallFlow", "InstallCrypto"],
            swiftSettings: strict),
        .testTarget(name: "FastCGITests", dependencies: ["FastCGI", "InstallFlow"], swiftSettings: strict),
        .testTarget(name: "ResponderCommandLineTests", dependencies: ["ResponderCommandLine"], swiftSettings: strict),
        .testTarget(name: "FuzzHarnessesTests", dependencies: ["FuzzHarnesses"], swiftSettings: strict),
    ]
)
