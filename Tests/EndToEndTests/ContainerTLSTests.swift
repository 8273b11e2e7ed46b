import Foundation
@testable import MockConvex
import Testing
import TestSupport

/// The container's outbound TLS without a container engine: the static binary in a root laid
/// out as docker/Dockerfile lays out the image's (its libraries, the CA bundle at
/// /etc/ssl/certs/ca-certificates.crt, OpenSSL's default paths under /usr/lib/ssl linked to
/// it), where the bundle holds a test CA. Given no --upstream-ca, it trusts what OpenSSL's
/// default paths find there.
@Suite(.timeLimit(.minutes(2))) struct ContainerTLSTests {
    @Test(.enabled(if: ContainerTests.staticBinary != nil && geteuid() == 0, "needs `make test`'s static build and root for chroot"))
    func theStaticBinaryTrustsTheStoreWhereTheImageKeepsIt() throws {
        let binary = try #require(ContainerTests.staticBinary)
        let namespace = try NetworkNamespace()
        defer { namespace.remove() }
        let ca = try TestCertificateAuthority(name: "mockconvex test CA")
        defer { ca.remove() }
        let certificate = try ca.issue("loopback", names: ["IP:127.0.0.1"])
        let upstream = try MockConvexProcess(["--no-port80", "--convex-origin", "https://127.0.0.1"], prefix: namespace.exec)
        defer { upstream.stop() }
        let nginx = try Sidecar.nginx(namespace, servers: [
            NginxServer(port: 443, tls: (certificate.certificate, certificate.key), location: NginxServer.proxy(to: 3210)),
        ])
        defer { nginx.stop() }
        let root = try BareRoot(binary: binary)
        defer { root.remove() }
        try root.write(try String(contentsOfFile: ca.certificate, encoding: .utf8), at: "/etc/ssl/certs/ca-certificates.crt")
        try root.link("/usr/lib/ssl/cert.pem", to: "/etc/ssl/certs/ca-certificates.crt")
        try root.link("/usr/lib/ssl/certs", to: "/etc/ssl/certs")

        let probe = try namespace.run(["chroot", root.path, binary, "probe", "--json", "--origin", "https://127.0.0.1", "--site", "http://127.0.0.1:3211"],
                                      timeout: 60)
        #expect(probe.status == 0, "\(probe.stdout)\n\(probe.stderr)")
        let report = try JSONReader.parse(Array(probe.stdout.utf8))
        #expect(report["tests"]?["node_run_query"]?["success"] == .bool(true), "\(probe.stdout)")
    }
}
