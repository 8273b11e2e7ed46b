import Foundation
@testable import MockConvex
import Testing
import TestSupport

/// The outbound calls the binary makes over TLS, end to end: real nginx terminating TLS with a
/// test CA's certificate in a network namespace, in front of mockconvex or of a provider's
/// files, with `--upstream-ca` naming that CA (or another one, or none).
@Suite(.serialized, .timeLimit(.minutes(3))) struct OutboundTLSTests {
    private static let directSteps = ["node_storage_store", "node_storage_get_url", "node_storage_get_direct", "node_storage_get_metadata",
                                      "node_run_query", "node_run_mutation", "node_run_action", "node_storage_delete"]
    private static let untrusted = "certificate for localhost:443 did not verify: unable to get local issuer certificate (UNABLE_TO_GET_ISSUER_CERT_LOCALLY)"

    /// `mockconvex probe --json` inside `namespace`: its exit status, report and stderr.
    private func probe(in namespace: NetworkNamespace, _ arguments: [String]) throws -> (status: Int32, tests: [String: JSON], stderr: String) {
        let result = try namespace.run([MockConvexProcess.binary, "probe", "--json"] + arguments, timeout: 60)
        let report = try? JSONReader.parse(Array(result.stdout.utf8))
        let tests = Dictionary(uniqueKeysWithValues: (report?["tests"]?.objectMembers ?? []).map { ($0.key, $0.value) })
        return (result.status, tests, result.stderr)
    }

    /// A request from inside `namespace` with curl: the status and the body.
    private func call(in namespace: NetworkNamespace, _ url: String, json: String? = nil, token: String? = nil) throws -> (status: Int, body: String) {
        var arguments = ["curl", "-sS", "--max-time", "30", "-w", "\n%{http_code}", url]
        if let json { arguments += ["-H", "Content-Type: application/json", "-d", json] }
        if let token { arguments += ["-H", "Authorization: Bearer \(token)"] }
        let result = try namespace.run(arguments, timeout: 40)
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        return (Int(lines.last ?? "") ?? 0, lines.dropLast().joined(separator: "\n"))
    }

    @Test func theProbeAndTheDebugRouteCallAnHTTPSOriginWithUpstreamCA() throws {
        let bed = try TLSTestBed()
        defer { bed.remove() }
        let (namespace, ca, otherCA, certificate) = (bed.namespace, bed.ca, bed.otherCA, bed.localhost)
        let server = try MockConvexProcess(["--no-port80", "--convex-origin", "https://localhost", "--upstream-ca", ca.certificate], prefix: namespace.exec)
        defer { server.stop() }
        let nginx = try Sidecar.nginx(namespace, servers: [
            NginxServer(port: 443, tls: (certificate.certificate, certificate.key), location: NginxServer.proxy(to: 3210)),
        ])
        defer { nginx.stop() }
        let origin = ["--origin", "https://localhost", "--site", "http://127.0.0.1:3211"]

        let trusted = try probe(in: namespace, origin + ["--upstream-ca", ca.certificate])
        #expect(trusted.status == 0, "\(trusted.stderr)")
        for step in Self.directSteps { #expect(trusted.tests[step]?["success"] == .bool(true), "\(step): \(trusted.tests[step].map { String(decoding: $0.serialized, as: UTF8.self) } ?? "missing")") }

        // The deployment's own route calls its https:// origin with the serve command's --upstream-ca.
        let debug = try call(in: namespace, "http://127.0.0.1:3211/debug/node-network-test")
        #expect(debug.status == 200)
        let report = try JSONReader.parse(Array(debug.body.utf8))
        for step in Self.directSteps { #expect(report["tests"]?[step]?["success"] == .bool(true), "\(step): \(debug.body)") }

        for trust in [["--upstream-ca", otherCA.certificate], []] {
            let refused = try probe(in: namespace, origin + trust)
            #expect(refused.status == 1)
            #expect(refused.tests["node_run_query"]?["error"] == .string("fetch failed"))
            #expect(refused.tests["node_run_query"]?["cause"] == .string(Self.untrusted))
        }

        let unusable = try probe(in: namespace, origin + ["--upstream-ca", "/nonexistent/ca.pem"])
        #expect(unusable.status == 2)
        #expect(unusable.stderr.contains("--upstream-ca: cannot read the CA file /nonexistent/ca.pem: No such file or directory"), "\(unusable.stderr)")
    }

    @Test func authProvidersKeysAreFetchedOverHTTPSWithUpstreamCA() throws {
        let namespace = try NetworkNamespace()
        defer { namespace.remove() }
        let ca = try TestCertificateAuthority(name: "mockconvex test CA")
        defer { ca.remove() }
        let certificate = try ca.issue("localhost", names: ["DNS:localhost", "IP:127.0.0.1"])
        let issuer = "https://localhost:8443"
        let oidcKey = try TestSigningKey(.RS256, keyID: "oidc")
        let customKey = try TestSigningKey(.ES256, keyID: "custom")
        let files = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: files) }
        try FileManager.default.createDirectory(atPath: files + "/.well-known", withIntermediateDirectories: true)
        try #"{"issuer":"\#(issuer)","jwks_uri":"\#(issuer)/oidc-jwks.json"}"#.write(toFile: files + "/.well-known/openid-configuration", atomically: true, encoding: .utf8)
        try TestSigningKey.jwks([oidcKey]).write(toFile: files + "/oidc-jwks.json", atomically: true, encoding: .utf8)
        try TestSigningKey.jwks([customKey]).write(toFile: files + "/custom-jwks.json", atomically: true, encoding: .utf8)
        let nginx = try Sidecar.nginx(namespace, servers: [
            NginxServer(port: 8443, tls: (certificate.certificate, certificate.key), location: "root \(files);"),
        ])
        defer { nginx.stop() }
        let config = try Fixtures.temporaryFile("""
            {"auth": {"providers": [
               {"domain": "\(issuer)", "applicationID": "convex"},
               {"type": "customJwt", "issuer": "https://custom.test", "jwks": "\(issuer)/custom-jwks.json", "algorithm": "ES256"}]},
             "functions": {"me:who": {"type": "query", "identity": true}}}
            """)
        defer { try? FileManager.default.removeItem(atPath: config) }
        let now = Int64(Date().timeIntervalSince1970)
        let oidcToken = try oidcKey.sign(#"{"iss":"\#(issuer)","sub":"u1","aud":"convex","iat":\#(now),"exp":\#(now + 600)}"#)
        let customToken = try customKey.sign(#"{"iss":"https://custom.test","sub":"c1","iat":\#(now),"exp":\#(now + 600)}"#)
        let who = #"{"path":"me:who","args":{}}"#

        let trusting = try MockConvexProcess(["--config", config, "--no-port80", "--upstream-ca", ca.certificate], prefix: namespace.exec)
        defer { trusting.stop() }
        let oidc = try call(in: namespace, "http://127.0.0.1:3210/api/query", json: who, token: oidcToken)
        #expect(oidc.status == 200)
        #expect(oidc.body == #"{"status":"success","value":{"issuer":"\#(issuer)","subject":"u1","tokenIdentifier":"\#(issuer)|u1"}}"#)
        let custom = try call(in: namespace, "http://127.0.0.1:3210/api/query", json: who, token: customToken)
        #expect(custom.status == 200)
        #expect(custom.body == #"{"status":"success","value":{"issuer":"https://custom.test","subject":"c1","tokenIdentifier":"https://custom.test|c1"}}"#)

        // Trusting the system's store only, the test CA's certificate does not verify.
        let systemOnly = try MockConvexProcess(["--config", config, "--no-port80", "--port", "3220", "--site-proxy-port", "3221"], prefix: namespace.exec)
        defer { systemOnly.stop() }
        let undiscovered = try call(in: namespace, "http://127.0.0.1:3220/api/query", json: who, token: oidcToken)
        #expect(undiscovered.status == 400)
        #expect(undiscovered.body == #"{"code":"AuthProviderDiscoveryFailed","message":"Auth provider discovery of \#(issuer) failed"}"#)
        let unfetched = try call(in: namespace, "http://127.0.0.1:3220/api/query", json: who, token: customToken)
        #expect(unfetched.status == 401)
        #expect(unfetched.body == #"{"code":"InvalidAuthHeader","message":"Could not fetch JWKS from URL '\#(issuer)/custom-jwks.json': certificate for localhost:8443 did not verify: unable to get local issuer certificate (UNABLE_TO_GET_ISSUER_CERT_LOCALLY). Check that the URL is correct and accessible."}"#)
    }

    @Test func aCAFileThatCannotBeUsedStopsServeWithUsage() throws {
        let file = try Fixtures.temporaryFile("-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n", suffix: ".pem")
        defer { try? FileManager.default.removeItem(atPath: file) }
        let result = try Command.run([MockConvexProcess.binary, "--port", "0", "--site-proxy-port", "0", "--no-port80", "--upstream-ca", file])
        #expect(result.status == 2)
        #expect(result.stderr == "Error: --upstream-ca: the CA file \(file) holds no PEM certificate OpenSSL can read (bad base64 decode); give a file of one or more -----BEGIN CERTIFICATE----- blocks")
    }
}
