import Foundation
import Testing
import TestSupport

/// What can be checked of the container without a Docker engine: the compose files are valid,
/// the binary built as the Dockerfile builds it needs nothing but libevent, OpenSSL and wslay,
/// and the Dockerfile, the Makefile and the README say the same.
@Suite(.timeLimit(.minutes(3))) struct ContainerTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    /// The command the Dockerfile builds with; the Makefile's `static` target and docs/ci.md use it too.
    static let staticBuild = "MOCKCONVEX_STATIC_SQLITE=1 swift build -c release --static-swift-stdlib --product mockconvex"

    static func read(_ path: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
    }

    @Test(arguments: ["docker/docker-compose.yml", "docker/docker-compose.nginx.yml"])
    func theComposeFilesAreValid(file: String) throws {
        let result = try Command.run(["docker-compose", "-f", Self.root.appendingPathComponent(file).path, "config"])
        #expect(result.status == 0, "\(result.stderr)")
        // The proxy shares the backend's network namespace, where 127.0.0.1:80 is dialled.
        #expect(result.stdout.contains("network_mode: service:backend"))
        #expect(result.stdout.contains("condition: service_healthy"))
    }

    @Test func docker_composeRefusesABrokenFile() throws {
        let broken = FileManager.default.temporaryDirectory.appendingPathComponent("mockconvex-compose-\(UUID().uuidString).yml")
        defer { try? FileManager.default.removeItem(at: broken) }
        try Self.read("docker/docker-compose.yml").replacingOccurrences(of: "stop_signal: SIGTERM", with: "stop_signal: [1]")
            .write(to: broken, atomically: true, encoding: .utf8)
        let result = try Command.run(["docker-compose", "-f", broken.path, "config"])
        #expect(result.status != 0)
    }

    /// `make test` builds it (`MOCKCONVEX_STATIC_BINARY`); elsewhere (macOS) there is none.
    static var staticBinary: String? {
        guard let path = ProcessInfo.processInfo.environment["MOCKCONVEX_STATIC_BINARY"],
              FileManager.default.isExecutableFile(atPath: path) else { return nil }
        return path
    }

    @Test(.enabled(if: staticBinary != nil, "MOCKCONVEX_STATIC_BINARY is set by `make test` on Linux"))
    func theStaticBinaryNeedsOnlyLibeventOpenSSLAndWslayBesidesTheCLibrary() throws {
        let binary = try #require(Self.staticBinary)
        let ldd = try Command.run(["ldd", binary])
        #expect(ldd.status == 0)
        let libraries = ldd.stdout.split(separator: "\n").compactMap { $0.split(separator: " ").first.map(String.init) }.map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        // The C runtime (in every Debian image, slim included), libevent's four libraries,
        // OpenSSL's two, and wslay's one (Debian ships no static archive of it).
        let baseSystem = ["linux-vdso.so.1", "libc.so.6", "libm.so.6", "libstdc++.so.6", "libgcc_s.so.1", "/lib64/ld-linux-x86-64.so.2",
                          "/lib/ld-linux-aarch64.so.1", "linux-vdso.so.1"]
        let extra = libraries.filter { !baseSystem.contains($0) }
        #expect(Set(extra) == ["libevent-2.1.so.7", "libevent_pthreads-2.1.so.7", "libevent_core-2.1.so.7", "libevent_openssl-2.1.so.7",
                               "libssl.so.3", "libcrypto.so.3", "libwslay.so.1"], "\(ldd.stdout)")

        // And it serves, and its healthcheck passes, with nothing else on the library path.
        let server = try MockConvexProcess(["--port", "0", "--site-proxy-port", "0", "--no-port80"],
                                           environment: ["LD_LIBRARY_PATH": ""], binary: binary)
        defer { server.stop() }
        let health = try Command.run([binary, "healthcheck", "--url", "http://127.0.0.1:\(try server.port("admin"))/version"])
        #expect(health.status == 0)
    }

    /// The runtime image in miniature: a root holding only the binary, the libraries `ldd`
    /// names, and /proc (as every container has), entered with chroot.
    @Test(.enabled(if: staticBinary != nil && geteuid() == 0, "needs `make test`'s static build and root for chroot"))
    func theStaticBinaryServesFromARootWithNothingButItsLibraries() throws {
        let binary = try #require(Self.staticBinary)
        let bare = try BareRoot(binary: binary)
        defer { bare.remove() }
        let root = bare.path
        #expect(bare.libraries.contains { $0.hasSuffix("/libevent-2.1.so.7") })
        #expect(bare.libraries.contains { $0.hasSuffix("/libwslay.so.1") })

        let server = try MockConvexProcess(["--port", "0", "--site-proxy-port", "0", "--no-port80"], prefix: ["chroot", root], binary: binary)
        defer { server.stop() }
        let admin = try server.port("admin")
        #expect(try RawHTTP.get("/version", port: admin).text == "unknown")
        let health = try Command.run(["chroot", root, binary, "healthcheck", "--url", "http://127.0.0.1:\(admin)/version"])
        #expect(health.status == 0, "\(health.stderr)")
    }

    @Test func theDockerfileMakefileAndDocsAgree() throws {
        let dockerfile = try Self.read("docker/Dockerfile")
        let makefile = try Self.read("Makefile")
        // The page that describes the image to users.
        let docs = try Self.read("docs/ci.md")
        let instructions = dockerfile.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }

        #expect(dockerfile.contains(Self.staticBuild))
        #expect(makefile.contains(Self.staticBuild.replacingOccurrences(of: "swift build", with: "$(SWIFT) build")))
        #expect(docs.contains(Self.staticBuild))

        #expect(instructions.contains("EXPOSE 3210 3211 80"))
        #expect(docs.contains("`EXPOSE 3210 3211 80`"))
        #expect(instructions.contains { $0.hasPrefix("HEALTHCHECK ") && $0.hasSuffix(#"CMD ["mockconvex", "healthcheck"]"#) })
        #expect(docs.contains("mockconvex healthcheck"))
        #expect(instructions.contains("STOPSIGNAL SIGTERM"))
        #expect(instructions.contains(#"ENTRYPOINT ["mockconvex"]"#))
        #expect(instructions.contains(#"CMD ["--host", "0.0.0.0", "--data-dir", "/convex/data"]"#))
        #expect(docs.contains(#"`CMD ["--host", "0.0.0.0", "--data-dir", "/convex/data"]`"#))
        #expect(instructions.contains("VOLUME /convex/data"))
        #expect(docs.contains("`VOLUME /convex/data`"))
        // Not root at run time, yet allowed port 80.
        let user = try #require(instructions.last { $0.hasPrefix("USER ") })
        #expect(user == "USER 10001:10001")
        #expect(instructions.contains("&& setcap cap_net_bind_service=+ep /rootfs/usr/local/bin/mockconvex"))
        // The runtime stage is the assembled root and nothing else; the libraries come from these packages.
        let runtime = try #require(instructions.last { $0.hasPrefix("FROM ") })
        #expect(runtime == "FROM scratch")
        #expect(instructions.contains("COPY --from=rootfs /rootfs/ /"))
        #expect(dockerfile.contains("apt-get install -y --no-install-recommends libevent-2.1-7 libevent-pthreads-2.1-7 libevent-openssl-2.1-7 libssl3 libwslay1 \\"))
        #expect(docs.contains("`libwslay1`"))
        #expect(docs.contains("`libssl3`"))
        // OpenSSL's default store, where the image's certificates are.
        #expect(instructions.contains("&& ln -s /etc/ssl/certs/ca-certificates.crt /rootfs/usr/lib/ssl/cert.pem \\"))
        for variable in ["CONVEX_CLOUD_ORIGIN", "CONVEX_SITE_ORIGIN", "INSTANCE_NAME", "INSTANCE_SECRET",
                         "HTTP_SERVER_TIMEOUT_SECONDS", "DISABLE_METRICS_ENDPOINT", "CONVEX_RELEASE_VERSION_DEV"] {
            #expect(dockerfile.contains(variable), "\(variable)")
            #expect(docs.contains("`\(variable)`"), "\(variable)")
        }
    }
}

/// `mockconvex healthcheck`: 0 when the URL answers 200 in time, 1 otherwise.
@Suite(.timeLimit(.minutes(2))) struct HealthcheckTests {
    @Test func aRunningServerIsHealthy() throws {
        let server = try MockConvexProcess(["--port", "0", "--site-proxy-port", "0", "--no-port80"])
        defer { server.stop() }
        let result = try Command.run([MockConvexProcess.binary, "healthcheck", "--url", "http://127.0.0.1:\(try server.port("admin"))/version"])
        #expect(result.status == 0)
        #expect(result.stdout == "")
        #expect(result.stderr == "")
        let missing = try Command.run([MockConvexProcess.binary, "healthcheck", "--url", "http://127.0.0.1:\(try server.port("admin"))/nothing"])
        #expect(missing.status == 1)
        #expect(missing.stderr == "mockconvex healthcheck: http://127.0.0.1:\(try server.port("admin"))/nothing answered 404")
    }

    @Test func aClosedPortIsUnhealthy() throws {
        let port = try Sockets.unusedPort()
        let result = try Command.run([MockConvexProcess.binary, "healthcheck", "--url", "http://127.0.0.1:\(port)/version", "--timeout", "5"])
        #expect(result.status == 1)
        #expect(result.stderr == "mockconvex healthcheck: http://127.0.0.1:\(port)/version: connect ECONNREFUSED 127.0.0.1:\(port)")
    }

    @Test func aServerThatNeverAnswersIsUnhealthyWithinTheTimeout() throws {
        // Accepted by the kernel's backlog, never read nor answered.
        let silent = try Sockets.listen()
        defer { close(silent.fd) }
        let result = try Command.run([MockConvexProcess.binary, "healthcheck", "--url", "http://127.0.0.1:\(silent.port)/version", "--timeout", "1"], timeout: 20)
        #expect(result.status == 1)
        #expect(!result.timedOut)
        #expect(result.stderr == "mockconvex healthcheck: http://127.0.0.1:\(silent.port)/version: timed out waiting for 127.0.0.1:\(silent.port)")
    }

    @Test func aURLThatIsNotHTTPIsAUsageError() throws {
        let result = try Command.run([MockConvexProcess.binary, "healthcheck", "--url", "ftp://127.0.0.1/"])
        #expect(result.status == 2)
        #expect(result.stderr.hasPrefix(#"Error: --url must be an http:// URL such as http://127.0.0.1:3210/version, got "ftp://127.0.0.1/""#))
    }
}
