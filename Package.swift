// swift-tools-version:6.0
import PackageDescription

// SQLite is linked here rather than by its module map so that the container build
// (MOCKCONVEX_STATIC_SQLITE=1, with --static-swift-stdlib) can take the static archive and
// leave a binary whose only extra runtime libraries are libevent and wslay.
let sqliteLinking: [LinkerSetting] = Context.environment["MOCKCONVEX_STATIC_SQLITE"] == "1"
    ? [.unsafeFlags(["-Xlinker", "-l:libsqlite3.a"])]
    : [.linkedLibrary("sqlite3")]

// libFuzzer targets (Fuzz/), declared only for `make fuzz`, which builds them with
// -sanitize=fuzzer,address; a normal build or `make test` never sees them.
let fuzzTargets: [Target] = Context.environment["MOCKCONVEX_FUZZ"] == "1"
    ? [.target(name: "FuzzDriver", path: "Fuzz/FuzzDriver")]
        + ["FuzzJSON", "FuzzDocumentId", "FuzzRange", "FuzzConfig", "FuzzRouter"].map { name in
            .executableTarget(name: name, dependencies: ["FuzzDriver", "MockConvex", "EventHTTP"], path: "Fuzz/\(name)",
                              swiftSettings: [.unsafeFlags(["-parse-as-library"])])
        }
    : []

// Linux only: mockconvex is built and tested on Debian/Ubuntu, and nothing builds it on macOS,
// so no Apple platform is declared.
let package = Package(
    name: "mockconvex",
    products: [
        .executable(name: "mockconvex", targets: ["mockconvex"]),
    ],
    // Exact versions, so that every build (and CI's clean clone) gets the code that was tested;
    // Package.resolved stays out of git.
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", exact: "4.5.2"),
        .package(url: "https://github.com/apple/swift-atomics", exact: "1.3.0"),
        // JWT signatures, JWKS parsing and the test issuer's signing key. 5.8.0 takes
        // swift-crypto 4.1 ..< 6, so it shares the exact 4.5.2 above.
        .package(url: "https://github.com/vapor/jwt-kit", exact: "5.8.0"),
    ],
    targets: [
        // libevent 2.1, found through pkg-config; the module map links libevent_pthreads too.
        .systemLibrary(
            name: "CLibevent",
            pkgConfig: "libevent",
            providers: [.apt(["libevent-dev"])]
        ),
        // SQLite, the embedded store behind --data-dir. No pkg-config: its `-lsqlite3` would
        // undo the static link (sqlite3.h is on the default include path everywhere).
        .systemLibrary(
            name: "CSQLite",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        // wslay, RFC 6455 framing with no I/O of its own, under EventHTTP's WebSocket connections.
        // No pkg-config: Debian's libwslay-dev (1.1.1) ships no libwslay.pc, and no static
        // archive either, so the container's runtime stage installs libwslay1.
        .systemLibrary(
            name: "CWslay",
            providers: [.apt(["libwslay-dev"])]
        ),
        // libevent's OpenSSL bufferevents and OpenSSL itself, for the outbound client's TLS.
        // libevent_openssl.pc names libevent_openssl only; the module map links ssl and crypto.
        .systemLibrary(
            name: "CEventOpenSSL",
            pkgConfig: "libevent_openssl",
            providers: [.apt(["libevent-dev", "libssl-dev"])]
        ),
        // The only module that touches libevent (and wslay, and OpenSSL) pointers.
        .target(name: "EventHTTP", dependencies: ["CLibevent", "CEventOpenSSL", "CWslay"]),
        // The emulated Convex deployment: pure Swift over EventHTTP's request/response types.
        .target(
            name: "MockConvex",
            dependencies: [
                "EventHTTP", "CSQLite", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Atomics", package: "swift-atomics"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            linkerSettings: sqliteLinking
        ),
        .executableTarget(
            name: "mockconvex",
            dependencies: [
                "MockConvex",
                "EventHTTP",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Shared by the test targets: a raw HTTP/1.1 client, a WebSocket client (swift-crypto for
        // its handshake's SHA-1), a harness that runs the real binary, and key pairs that sign
        // user tokens (swift-crypto's RSA, not the jwt-kit that verifies them).
        .target(
            name: "TestSupport",
            dependencies: [.product(name: "Crypto", package: "swift-crypto"), .product(name: "_CryptoExtras", package: "swift-crypto")],
            path: "Tests/TestSupport"
        ),
        .testTarget(name: "EventHTTPTests", dependencies: ["EventHTTP", "TestSupport"]),
        .testTarget(name: "MockConvexTests", dependencies: ["MockConvex", "EventHTTP", "TestSupport"]),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["TestSupport", "MockConvex", "mockconvex", .product(name: "Crypto", package: "swift-crypto")]
        ),
    ] + fuzzTargets
)
