import Foundation
import Testing
import TestSupport

/// `mockconvex record` in front of an upstream behind TLS: real nginx terminating TLS with a
/// test CA's certificate, in a network namespace with the upstream and the recorder; the real
/// Python client records through it with `--upstream-ca`, and a recorder trusting another CA
/// answers 502 with the certificate's problem.
@Suite(.timeLimit(.minutes(3))) struct RecordTLSTests {
    @Test func thePythonClientRecordsAnHTTPSUpstreamTrustedWithUpstreamCAAndAnotherCAIsRefused() throws {
        let bed = try TLSTestBed()
        defer { bed.remove() }
        let (namespace, ca, otherCA, certificate) = (bed.namespace, bed.ca, bed.otherCA, bed.localhost)
        let config = try Fixtures.temporaryFile(RecordEndToEndTests.upstreamConfig)
        defer { try? FileManager.default.removeItem(atPath: config) }
        let upstream = try MockConvexProcess(["--config", config, "--no-port80", "--admin-key", RecordEndToEndTests.adminKey], prefix: namespace.exec)
        defer { upstream.stop() }
        let nginx = try Sidecar.nginx(namespace, servers: [
            NginxServer(port: 443, tls: (certificate.certificate, certificate.key), location: NginxServer.proxy(to: 3210)),
            NginxServer(port: 8443, tls: (certificate.certificate, certificate.key), location: NginxServer.proxy(to: 3211)),
        ])
        defer { nginx.stop() }
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("recording-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        func recorder(trusting authority: String, port: Int) throws -> MockConvexProcess {
            try MockConvexProcess(["record", "--upstream", "https://localhost", "--upstream-site", "https://localhost:8443", "--out", out,
                                   "--upstream-ca", authority, "--admin-key", RecordEndToEndTests.adminKey,
                                   "--port", String(port), "--site-proxy-port", String(port + 1), "--no-port80"], prefix: namespace.exec)
        }

        let token = try namespace.run(["curl", "-sS", "--max-time", "20", "-X", "POST", "http://127.0.0.1:3210/_mock/auth/token", "-d", #"{"subject": "ada"}"#])
        let tokenText = try #require((try JSONSerialization.jsonObject(with: Data(token.stdout.utf8)) as? [String: Any])?["token"] as? String, "\(token.stdout)")
        let trusted = try recorder(trusting: ca.certificate, port: 5210)
        let script = ClientScript.root.appendingPathComponent("Tests/Clients/python/record_steps.py").path
        let run = try namespace.run([ClientScript.python, script, "http://127.0.0.1:5210", "http://127.0.0.1:5211", tokenText], timeout: 120)
        let steps = Dictionary(uniqueKeysWithValues: run.stdout.split(separator: "\n").compactMap { line -> (String, String)? in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], let step = object["step"] as? String else { return nil }
            return (step, String(line))
        })
        #expect(steps["quote"] == #"{"step": "quote", "value": {"count": {"int64": 2}, "total": 19.98}}"#, "\(run.stdout)\n\(run.stderr)")
        #expect(steps["listAfter"] == #"{"step": "listAfter", "value": ["hi"]}"#)
        #expect(steps["http"] == #"{"body": "Hello world!", "contentType": "text/plain; charset=utf-8", "status": 201, "step": "http"}"#)
        #expect(steps["who"]?.contains(#""subject": "ada""#) == true, "\(run.stdout)")
        #expect(steps["done"] != nil, "\(run.stdout)\n\(run.stderr)")
        #expect(trusted.stop() == 0)
        let saved = try String(contentsOfFile: out, encoding: .utf8)
        #expect(saved.contains(#"{"args":{"qty":{"$integer":"AgAAAAAAAAA="},"sku":"A1"},"returns":{"count":{"$integer":"AgAAAAAAAAA="},"total":19.98}}"#), "\(saved)")
        #expect(!saved.contains(tokenText) && !saved.contains(RecordEndToEndTests.adminKey))

        // Another CA: the certificate does not verify, and the client hears why.
        let refusing = try recorder(trusting: otherCA.certificate, port: 6210)
        defer { refusing.stop() }
        let refused = try namespace.run(["curl", "-sS", "--max-time", "20", "-w", "\n%{http_code}", "http://127.0.0.1:6210/api/query",
                                         "-H", "Content-Type: application/json", "-d", #"{"path":"orders:quote","args":{}}"#])
        #expect(refused.stdout == #"{"code":"UpstreamUnavailable","message":"mockconvex record could not get an answer from the upstream for POST https://localhost/api/query: certificate for localhost:443 did not verify: unable to get local issuer certificate (UNABLE_TO_GET_ISSUER_CERT_LOCALLY)"}"# + "\n502")
    }
}
