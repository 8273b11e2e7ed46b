import Foundation
@testable import MockConvex
import Testing
import TestSupport

/// The self-hosted port-80 failure and its fixes, end to end. Each scenario's network namespace
/// stands in for the backend container (`network_mode: service:backend`): the real binary and
/// real proxies run inside it, and the probe runs where a Node action would.
@Suite(.serialized, .timeLimit(.minutes(2))) struct Port80ScenarioTests {
    static let directSteps = ["node_storage_store", "node_storage_get_url", "node_storage_get_direct", "node_storage_get_metadata",
                              "node_run_query", "node_run_mutation", "node_run_action", "node_storage_delete"]

    /// `mockconvex probe --json` inside `namespace`: its exit status and report.
    private func probe(in namespace: NetworkNamespace, _ arguments: [String] = []) throws -> (status: Int32, tests: [String: JSON]) {
        let result = try namespace.run([MockConvexProcess.binary, "probe", "--json"] + arguments, timeout: 60)
        let report = try JSONReader.parse(Array(result.stdout.utf8))
        let tests = Dictionary(uniqueKeysWithValues: (report["tests"]?.objectMembers ?? []).map { ($0.key, $0.value) })
        return (result.status, tests)
    }

    private func succeeded(_ tests: [String: JSON], _ step: String) -> Bool {
        tests[step]?["success"] == .bool(true)
    }

    @Test func withoutPort80EveryCallbackIsRefusedWhileTheFallbackWorks() throws {
        let namespace = try NetworkNamespace()
        defer { namespace.remove() }
        let server = try MockConvexProcess(["--no-port80"], prefix: namespace.exec)
        defer { server.stop() }

        let (status, tests) = try probe(in: namespace)
        #expect(status == 1)
        for step in Self.directSteps {
            #expect(tests[step]?["success"] == .bool(false), "\(step)")
            #expect(tests[step]?["error"] == .string("fetch failed"), "\(step)")
            #expect(tests[step]?["cause"] == .string("connect ECONNREFUSED 127.0.0.1:80"), "\(step)")
        }
        #expect(tests["node_run_query"]?["thrown"] == .string("Transient network error running query (ECONNREFUSED, 1 attempt)"))
        #expect(tests[NodeEmulationReport.workaroundStep]?["success"] == .bool(true))
        #expect(tests[NodeEmulationReport.workaroundStep]?["size"] == .number(34))

        // The app's own debug route, run inside the deployment, says the same.
        let debug = try namespace.run(["curl", "-sS", "--max-time", "30", "http://127.0.0.1:3211/debug/node-network-test"])
        let report = try JSONReader.parse(Array(debug.stdout.utf8))
        #expect(report["tests"]?["node_storage_get_direct"]?["cause"] == .string("connect ECONNREFUSED 127.0.0.1:80"))
        #expect(report["tests"]?[NodeEmulationReport.workaroundStep]?["success"] == .bool(true))
    }

    @Test func aSocatSidecarOnPort80FixesEveryStep() throws {
        let namespace = try NetworkNamespace()
        defer { namespace.remove() }
        let server = try MockConvexProcess(["--no-port80"], prefix: namespace.exec)
        defer { server.stop() }
        let socat = try Sidecar(namespace, ["socat", "TCP-LISTEN:80,fork,reuseaddr", "TCP:127.0.0.1:3210"], port: 80)
        defer { socat.stop() }

        let (status, tests) = try probe(in: namespace)
        #expect(status == 0)
        for step in Self.directSteps { #expect(succeeded(tests, step), "\(step): \(tests[step].map { String(decoding: $0.serialized, as: UTF8.self) } ?? "missing")") }
        let version = try namespace.run(["curl", "-sS", "--max-time", "10", "http://127.0.0.1:80/version"])
        #expect(version.stdout == "unknown")
    }

    @Test func anNginxFrontOnPort80FixesEveryStepAndEachBrokenSetupFailsItsOwnWay() throws {
        let namespace = try NetworkNamespace()
        defer { namespace.remove() }
        var server = try MockConvexProcess(["--no-port80"], prefix: namespace.exec)
        let nginx = try Sidecar.nginx(namespace, listen: 80, upstream: 3210)
        defer { nginx.stop() }

        let (status, tests) = try probe(in: namespace)
        #expect(status == 0)
        for step in Self.directSteps { #expect(succeeded(tests, step), "\(step)") }

        // The backend's port closed behind each proxy: nginx answers 502 itself...
        #expect(server.stop() == 0)
        let (nginxStatus, nginxTests) = try probe(in: namespace)
        #expect(nginxStatus == 1)
        #expect(nginxTests["node_run_query"]?["status"] == .number(502))
        #expect(nginxTests["node_run_query"]?["thrown"]?.stringValue?.hasPrefix("Transient error while running query: <html>") == true)

        // ...socat accepts, cannot reach 3210, and closes the connection without an answer...
        nginx.stop()
        let socat = try Sidecar(namespace, ["socat", "TCP-LISTEN:80,fork,reuseaddr", "TCP:127.0.0.1:3210"], port: 80)
        defer { socat.stop() }
        let (socatStatus, socatTests) = try probe(in: namespace)
        #expect(socatStatus == 1)
        #expect(socatTests["node_run_query"]?["error"] == .string("fetch failed"))
        let cause = socatTests["node_run_query"]?["cause"]?.stringValue
        #expect(cause == "socket hang up" || cause == "read ECONNRESET", "cause: \(cause ?? "none")")

        // ...and with no proxy at all the connection is refused.
        socat.stop()
        server = try MockConvexProcess(["--no-port80"], prefix: namespace.exec)
        defer { server.stop() }
        let (_, bareTests) = try probe(in: namespace)
        #expect(bareTests["node_run_query"]?["cause"] == .string("connect ECONNREFUSED 127.0.0.1:80"))
    }

    @Test func port80ServedByMockconvexItselfNeedsNoProxy() throws {
        let namespace = try NetworkNamespace()
        defer { namespace.remove() }
        let server = try MockConvexProcess([], prefix: namespace.exec)
        defer { server.stop() }
        let (status, tests) = try probe(in: namespace)
        #expect(status == 0)
        for step in Self.directSteps { #expect(succeeded(tests, step), "\(step)") }
        #expect(succeeded(tests, NodeEmulationReport.workaroundStep))
    }

    @Test func bindingLoopbackOnlyIsUnreachableFromAnotherHostWhileZeroAddressIsReachable() throws {
        let backend = try NetworkNamespace()
        defer { backend.remove() }
        let client = try NetworkNamespace()
        defer { client.remove() }
        let link = try VethLink(backend, client)
        defer { link.remove() }
        let origin = ["--origin", "http://\(link.firstAddress):3210", "--site", "http://\(link.firstAddress):3211"]

        var server = try MockConvexProcess(["--no-port80", "--convex-origin", "http://\(link.firstAddress):3210"], prefix: backend.exec)
        #expect(server.stdoutLines.contains("mockconvex listening: admin http://127.0.0.1:3210"))
        let (unreachable, unreachableTests) = try probe(in: client, origin)
        #expect(unreachable == 1)
        #expect(unreachableTests["node_run_query"]?["cause"] == .string("connect ECONNREFUSED \(link.firstAddress):3210"))
        #expect(server.stop() == 0)

        server = try MockConvexProcess(["--no-port80", "--host", "0.0.0.0", "--convex-origin", "http://\(link.firstAddress):3210"], prefix: backend.exec)
        defer { server.stop() }
        let (reachable, reachableTests) = try probe(in: client, origin)
        #expect(reachable == 0)
        for step in Self.directSteps { #expect(succeeded(reachableTests, step), "\(step)") }
    }

    @Test func anOriginWithTheAdminPortIsTheConfigurationFix() throws {
        let namespace = try NetworkNamespace()
        defer { namespace.remove() }
        let server = try MockConvexProcess(["--no-port80", "--convex-origin", "http://127.0.0.1:3210"], prefix: namespace.exec)
        defer { server.stop() }
        let (status, tests) = try probe(in: namespace, ["--origin", "http://127.0.0.1:3210"])
        #expect(status == 0)
        for step in Self.directSteps { #expect(succeeded(tests, step), "\(step)") }
        // Nothing listens on port 80, and nothing needs to.
        let refused = try namespace.run(["curl", "-sS", "--max-time", "10", "http://127.0.0.1/version"])
        #expect(refused.status == 7)
    }
}
