// swift-tools-version:6.1
import PackageDescription

// MARK: - Shared settings

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

// MARK: - Package

let package = Package(
    name: "Telefonia",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "TelefoniaCore", targets: ["TelefoniaCore"]),
        .library(name: "TelefoniaStorage", targets: ["TelefoniaStorage"]),
        .library(name: "TelefoniaSIP", targets: ["TelefoniaSIP"]),
        .library(name: "TelefoniaMedia", targets: ["TelefoniaMedia"]),
        .library(name: "TelefoniaTesting", targets: ["TelefoniaTesting"]),
        .library(name: "TelefoniaHTTP", targets: ["TelefoniaHTTP"]),
        .library(name: "TelefoniaWebRTC", targets: ["TelefoniaWebRTC"]),
        .executable(name: "telefonia-server", targets: ["telefonia-server"]),
        .executable(name: "telefonia-sim", targets: ["telefonia-sim"]),
        .executable(name: "telefonia", targets: ["telefonia"]),
        .executable(name: "telefonia-bench", targets: ["telefonia-bench"]),
        .executable(name: "two-line-pbx", targets: ["two-line-pbx"]),
        .executable(name: "telefonia-fuzz", targets: ["telefonia-fuzz"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        // The panel (issue 11). No default traits: swift-configuration is not needed.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.8.1"),
        .package(url: "https://github.com/vapor/multipart-kit", from: "4.7.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // MARK: - C libraries (system)
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        // The PostgreSQL store (issue 13): libpq, synchronous like SQLite (see docs/ARCHITECTURE.md).
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "COSIP", pkgConfig: "libosip2", providers: [.apt(["libosip2-dev"])]),
        .systemLibrary(name: "CORTP", pkgConfig: "ortp", providers: [.apt(["libortp-dev", "libbctoolbox-dev"])]),
        .systemLibrary(name: "CMPG123", pkgConfig: "libmpg123", providers: [.apt(["libmpg123-dev"])]),
        // The web phone's DTLS-SRTP (M2): libsrtp2 and OpenSSL.
        .systemLibrary(name: "CWebRTC", pkgConfig: "libsrtp2", providers: [.apt(["libsrtp2-dev", "libssl-dev"])]),

        // MARK: - Libraries
        .target(
            name: "TelefoniaCore",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "TelefoniaStorage",
            dependencies: [
                "TelefoniaCore", "CSQLite", "CLibPQ",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "TelefoniaSIP",
            dependencies: [
                "TelefoniaCore", "TelefoniaMedia", "COSIP", "CORTP",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "TelefoniaMedia",
            dependencies: [
                "TelefoniaCore", "CMPG123",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The web phone's gateway (M2): WebRTC (ICE-lite, DTLS-SRTP) in the browser, SIP and RTP to the server.
        .target(
            name: "TelefoniaWebRTC",
            dependencies: [
                "TelefoniaCore", "TelefoniaSIP", "CWebRTC",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "TelefoniaHTTP",
            dependencies: [
                "TelefoniaCore", "TelefoniaMedia",
                .product(name: "MultipartKit", package: "multipart-kit"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [.copy("Resources/static"), .copy("Resources/openapi.yaml")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "TelefoniaTesting",
            dependencies: [
                "TelefoniaCore", "TelefoniaSIP",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: - Hosts
        .executableTarget(
            name: "telefonia-server",
            dependencies: [
                "TelefoniaCore", "TelefoniaSIP", "TelefoniaStorage", "TelefoniaHTTP", "TelefoniaMedia", "TelefoniaWebRTC",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Sources/Hosts/Server",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "telefonia-sim",
            dependencies: ["TelefoniaCore", "TelefoniaTesting", "TelefoniaStorage"],
            path: "Sources/Hosts/Simulator",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "telefonia",
            dependencies: [
                "TelefoniaCore", "TelefoniaStorage", "TelefoniaMedia",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
            ],
            path: "Sources/Hosts/CLI",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "telefonia-bench",
            dependencies: [
                "TelefoniaCore", "TelefoniaTesting", "TelefoniaSIP", "TelefoniaStorage",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Sources/Hosts/Bench",
            swiftSettings: swiftSettings
        ),

        // MARK: - Examples
        // The parsers' fuzz target: libFuzzer when built by scripts/fuzz, a replayer otherwise.
        .executableTarget(
            name: "telefonia-fuzz",
            dependencies: ["TelefoniaCore", "TelefoniaSIP"],
            path: "Sources/Hosts/Fuzz",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "two-line-pbx",
            dependencies: ["TelefoniaCore", "TelefoniaSIP", "TelefoniaStorage"],
            path: "Examples/TwoLinePBX",
            swiftSettings: swiftSettings
        ),

        // MARK: - Tests
        .testTarget(
            name: "TelefoniaCoreTests",
            dependencies: [
                "TelefoniaCore", "TelefoniaTesting",
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TelefoniaWebRTCTests",
            dependencies: ["TelefoniaWebRTC", "TelefoniaCore"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TelefoniaHTTPTests",
            dependencies: ["TelefoniaHTTP", "TelefoniaCore", "TelefoniaMedia", "TelefoniaTesting"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TelefoniaStorageTests",
            dependencies: ["TelefoniaStorage", "TelefoniaCore", "TelefoniaTesting"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TelefoniaMediaTests",
            dependencies: ["TelefoniaMedia", "TelefoniaCore", "TelefoniaStorage"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TelefoniaSIPTests",
            dependencies: [
                "TelefoniaSIP", "TelefoniaCore", "TelefoniaStorage", "TelefoniaTesting",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
