import Foundation
@testable import MockConvex
import Testing
import TestSupport

/// A nameserver on 127.0.0.1:53 inside a test's namespace: it counts the queries it gets and
/// either answers each NXDOMAIN or never answers at all.
///
/// The NXDOMAIN answer is hand-written because no DNS library is on the machine, and it is two
/// bytes: a query sent back with its flags changed (response, recursion available, rcode 3) is
/// a complete answer that the name does not exist, its question section included.
final class TestNameserver: @unchecked Sendable {
    private let fd: Int32
    private let answers: Bool
    private let received = Guarded(0)
    private let stopped = Guarded(false)
    private let finished = DispatchSemaphore(value: 0)

    init(in namespace: NetworkNamespace, answersNXDOMAIN: Bool) throws {
        fd = try namespace.udpSocket(host: "127.0.0.1", port: 53)
        answers = answersNXDOMAIN
        Thread { [self] in
            defer { finished.signal() }
            serve()
        }.start()
    }

    deinit { stop() }

    var queriesReceived: Int { received.withLock { $0 } }

    func stop() {
        guard !stopped.withLock({ stopped in defer { stopped = true }; return stopped }) else { return }
        _ = finished.wait(timeout: .now() + 5)
        close(fd)
    }

    /// Polls in short steps so that `stop` is noticed; every wait is bounded.
    private func serve() {
        var packet = [UInt8](repeating: 0, count: 512)
        while !stopped.withLock({ $0 }) {
            var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&entry, 1, 50) == 1 else { continue }
            var peer = sockaddr_storage()
            var peerLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let count = withUnsafeMutablePointer(to: &peer) { address in
                address.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(fd, &packet, packet.count, 0, $0, &peerLength) }
            }
            guard count >= 12 else { continue }
            received.withLock { $0 += 1 }
            guard answers else { continue }
            var reply = Array(packet[0..<count])
            reply[2] |= 0x80
            reply[3] = 0x83
            _ = withUnsafePointer(to: &peer) { address in
                address.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, reply, reply.count, 0, $0, peerLength) }
            }
        }
    }
}

/// The outbound client's names, end to end: `mockconvex probe` and `/debug/node-network-test`
/// inside a network namespace with its own hosts file and nameserver. Every failure is the
/// one Node reports, and every run is bounded.
@Suite(.serialized, .timeLimit(.minutes(5))) struct OutboundNameTests {
    /// Run in a namespace whose /etc/hosts and /etc/resolv.conf are these, with a nameserver of
    /// the test's own on 127.0.0.1:53.
    private func namespace(hosts: String = "127.0.0.1 localhost\n", options: String? = nil,
                           answersNXDOMAIN: Bool = false) throws -> (NetworkNamespace, TestNameserver) {
        let namespace = try NetworkNamespace()
        try namespace.setEtcFiles(hosts: hosts, resolvConf: "nameserver 127.0.0.1\n" + (options.map { "options \($0)\n" } ?? ""))
        return (namespace, try TestNameserver(in: namespace, answersNXDOMAIN: answersNXDOMAIN))
    }

    /// `mockconvex probe --json` in `namespace`: exit status, steps, and how long it took.
    private func probe(in namespace: NetworkNamespace, _ arguments: [String]) throws -> (status: Int32, tests: [String: JSON], seconds: Double) {
        let started = Date()
        let result = try namespace.run([MockConvexProcess.binary, "probe", "--json"] + arguments, timeout: 90)
        let seconds = Date().timeIntervalSince(started)
        let report = try JSONReader.parse(Array(result.stdout.utf8))
        let tests = Dictionary(uniqueKeysWithValues: (report["tests"]?.objectMembers ?? []).map { ($0.key, $0.value) })
        return (result.status, tests, seconds)
    }

    @Test func aNameFromTheHostsFileResolvesWithoutANameserver() throws {
        let (namespace, nameserver) = try namespace(hosts: "127.0.0.1 localhost\n127.0.0.1 backend.test\n")
        defer { nameserver.stop(); namespace.remove() }
        let server = try MockConvexProcess(["--no-port80", "--convex-origin", "http://backend.test:3210"], prefix: namespace.exec)
        defer { server.stop() }
        let (status, tests, _) = try probe(in: namespace, ["--origin", "http://backend.test:3210", "--site", "http://backend.test:3211"])
        #expect(status == 0)
        for step in Port80ScenarioTests.directSteps + [NodeEmulationReport.workaroundStep] {
            #expect(tests[step]?["success"] == .bool(true), "\(step): \(tests[step].map { String(decoding: $0.serialized, as: UTF8.self) } ?? "missing")")
        }
        #expect(nameserver.queriesReceived == 0)
    }

    /// The reproduction: before, the probe never returned.
    @Test func anInvalidNameEndsTheProbeWithinItsTimeoutAndAsksNoNameserver() throws {
        let (namespace, nameserver) = try namespace()
        defer { nameserver.stop(); namespace.remove() }
        let started = Date()
        let result = try namespace.run([MockConvexProcess.binary, "probe", "--origin", "http://nonexistent-host.invalid", "--timeout", "3"], timeout: 60)
        #expect(Date().timeIntervalSince(started) < 3)
        #expect(result.status == 1)
        #expect(result.stdout.contains("node_run_query"))
        #expect(result.stdout.contains("FAIL  fetch failed: getaddrinfo ENOTFOUND nonexistent-host.invalid (http://nonexistent-host.invalid/api/actions/query)"), "\(result.stdout)")
        #expect(nameserver.queriesReceived == 0)
    }

    @Test func aNameTheNameserverDoesNotKnowIsENOTFOUND() throws {
        let (namespace, nameserver) = try namespace(answersNXDOMAIN: true)
        defer { nameserver.stop(); namespace.remove() }
        let (status, tests, seconds) = try probe(in: namespace, ["--origin", "http://missing.test:3210", "--timeout", "5"])
        #expect(status == 1)
        #expect(seconds < 20)
        for step in Port80ScenarioTests.directSteps {
            #expect(tests[step]?["cause"] == .string("getaddrinfo ENOTFOUND missing.test"), "\(step)")
        }
        #expect(tests["node_run_query"]?["thrown"] == .string("Transient network error running query (ENOTFOUND, 1 attempt)"))
        #expect(nameserver.queriesReceived > 0)
    }

    @Test func aNameserverThatNeverAnswersIsEAI_AGAINAfterResolvConfsTimeout() throws {
        let (namespace, nameserver) = try namespace(options: "timeout:1 attempts:1")
        defer { nameserver.stop(); namespace.remove() }
        let (status, tests, seconds) = try probe(in: namespace, ["--origin", "http://silent.test:3210", "--timeout", "5"])
        #expect(status == 1)
        // Eight steps, each waiting out one second for the A and AAAA queries.
        #expect(seconds < 30)
        for step in Port80ScenarioTests.directSteps {
            #expect(tests[step]?["cause"] == .string("getaddrinfo EAI_AGAIN silent.test"), "\(step)")
        }
        #expect(nameserver.queriesReceived >= 2)
    }

    @Test func theCallsOwnDeadlineBoundsANameserverSlowerThanIt() throws {
        // glibc's defaults: 5 s and 2 attempts, far beyond the call's 1 s.
        let (namespace, nameserver) = try namespace()
        defer { nameserver.stop(); namespace.remove() }
        let (status, tests, seconds) = try probe(in: namespace, ["--origin", "http://silent.test:3210", "--timeout", "1"])
        #expect(status == 1)
        #expect(seconds < 30)
        for step in Port80ScenarioTests.directSteps {
            #expect(tests[step]?["cause"] == .string("timed out waiting for silent.test:3210"), "\(step)")
        }
    }

    @Test func theDebugRouteWithAnInvalidOriginAnswersENOTFOUNDAtOnce() throws {
        let server = try MockConvexProcess(["--port", "0", "--site-proxy-port", "0", "--no-port80", "--convex-origin", "http://nonexistent-host.invalid"])
        defer { server.stop() }
        let started = Date()
        let answer = try RawHTTP.send("GET", "/debug/node-network-test", port: try server.port("site"), timeout: 20)
        #expect(Date().timeIntervalSince(started) < 10)
        #expect(answer.status == 200)
        let report = try JSONReader.parse(answer.body)
        for step in Port80ScenarioTests.directSteps {
            #expect(report["tests"]?[step]?["cause"] == .string("getaddrinfo ENOTFOUND nonexistent-host.invalid"), "\(step)")
        }
    }

    /// A client that gives up on `/debug/node-network-test`, or the handler timeout, while its
    /// first lookup waits on a silent nameserver: the lookup is cancelled, the resolver and its
    /// socket let go at once (not when the lookup would have timed out, 10 s later), and the
    /// server goes on.
    @Test(arguments: [false, true])
    func aDebugRunNobodyWaitsForAnyMoreLetsGoOfItsLookup(handlerTimeout: Bool) throws {
        let (namespace, nameserver) = try namespace()
        defer { nameserver.stop(); namespace.remove() }
        let server = try MockConvexProcess(["--no-port80", "--convex-origin", "http://silent.test:3210"]
                                           + (handlerTimeout ? ["--request-timeout", "1"] : []), prefix: namespace.exec)
        defer { server.stop() }
        let baseline = try #require(server.openDescriptors)
        let url = "http://127.0.0.1:3211/debug/node-network-test"
        let gaveUp = try namespace.run(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", handlerTimeout ? "5" : "1", url])
        if handlerTimeout {
            #expect(gaveUp.stdout == "408")
        } else {
            #expect(gaveUp.status == 28, "curl exit 28 is its own timeout; got \(gaveUp.status): \(gaveUp.stderr)")
        }
        #expect(nameserver.queriesReceived > 0)
        let after = server.waitForDescriptors(atMost: baseline, timeout: 4)
        #expect(after.map { $0 <= baseline } == true, "descriptors: \(after.map(String.init) ?? "gone") after, \(baseline) before")
        #expect(try namespace.run(["curl", "-sS", "--max-time", "10", "http://127.0.0.1:3210/version"]).stdout == "unknown")
    }
}
