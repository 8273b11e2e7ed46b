import Foundation
import Testing
import TestSupport

/// The test-framework helpers as their users run them: pytest 9.2.0 (from PyPI, in
/// .build/python-clients) with the `mockconvex` package installed there from clients/python,
/// on the modules in Tests/Clients/pytest; and `node --test` on Tests/Clients/node-test and the
/// node:test example, in a project folder whose node_modules holds `mockconvex` (clients/js),
/// the official client as `convex` and Debian's `ws`. Each run is
/// checked by its summary (pytest's counts, node's TAP counts) and the names of what passed,
/// and must leave no process behind: every server it started is stopped by the helper.
@Suite(.serialized, .timeLimit(.minutes(4))) struct TestFrameworkHelperTests {
    static var pytestFolder: URL { Fixtures.root.appendingPathComponent("Tests/Clients/pytest") }

    // MARK: pytest

    @Test func thePytestPluginDrivesTheRealClientInjectsAFaultReadsTheJournalAndResetsBetweenTests() async throws {
        try Self.requireInstalledHelperMatchesSources()
        // The binary from the command-line option alone, not from the environment.
        var environment = Self.pythonEnvironment
        environment["MOCKCONVEX_BINARY"] = nil
        let run = try await FrameworkRun.run(Self.pytest(["-rA", "--mockconvex-binary", MockConvexProcess.binary,
                                                Self.pytestFolder.appendingPathComponent("test_story.py").path]),
                                   environment: environment)
        #expect(run.clean, "\(run.output)")
        #expect(run.output.contains("platform linux -- Python 3.11"), "\(run.output)")
        #expect(run.lines.contains { $0.hasSuffix("pytest-9.2.0, pluggy-1.7.0") }, "\(run.output)")
        #expect(run.lines.contains("plugins: mockconvex-0.1.0"), "\(run.output)")
        #expect(run.pytestSummary?.counts == "7 passed", "\(run.output)")
        #expect(run.pytestOutcomes("PASSED") == [
            "test_the_client_reads_the_seed_and_writes_and_the_journal_shows_its_mutation",
            "test_the_reset_before_this_test_put_the_config_back",
            "test_a_dropped_socket_is_retried_and_the_journal_shows_it",
            "test_a_503_reaches_the_http_client_then_the_retry_succeeds",
            "test_a_marker_names_another_config_served_by_its_own_server",
            "test_the_class_serves_port80_and_sends_the_control_token_from_args",
            "test_a_test_user_signs_in_with_one_call",
        ], "\(run.output)")
        #expect(run.status == 0)
    }

    @Test func aFailingTestsReportShowsTheJournalOfWhatItsClientSent() async throws {
        try Self.requireInstalledHelperMatchesSources()
        let run = try await FrameworkRun.run(Self.pytest([Self.pytestFolder.appendingPathComponent("failing_on_purpose.py").path]),
                                   environment: Self.pythonEnvironment)
        #expect(run.clean, "\(run.output)")
        #expect(run.status == 1)
        #expect(run.pytestSummary?.counts == "1 failed", "\(run.output)")
        #expect(run.lines.contains("E       AssertionError: failing on purpose"), "\(run.output)")
        // The section pytest prints under the failure, oldest entry first.
        let section = try #require(run.lines.firstIndex { $0.contains(" mockconvex journal (call) ") }, "\(run.output)")
        let journal = run.lines[(section + 1)...].prefix { !$0.hasPrefix("=") }
        #expect(journal.first == "#1 site GET /hello -> 200", "\(run.output)")
        #expect(journal.dropFirst().first == "#2 admin GET /api/sync -> 101", "\(run.output)")
        #expect(journal.contains { $0.contains(#" in Mutation (121 bytes) {"args":[{"author":"ada","body":"written before the failure"}],"type":"Mutation","#) },
                "\(run.output)")
    }

    @Test func aBadConfigFailsTheFixtureAtOnceWithMockconvexsMessage() async throws {
        try Self.requireInstalledHelperMatchesSources()
        let run = try await FrameworkRun.run(Self.pytest([Self.pytestFolder.appendingPathComponent("startup_failures.py").path]),
                                   environment: Self.pythonEnvironment)
        #expect(run.clean, "\(run.output)")
        #expect(run.pytestSummary?.counts == "1 passed, 2 errors", "\(run.output)")
        // Half the 20 s the helper would wait for `ready`: mockconvex's exit is the answer.
        #expect((run.pytestSummary?.seconds ?? .infinity) < 10, "\(run.output)")
        let config = Self.pytestFolder.appendingPathComponent("bad-config.json").path
        let message = #"Error: config \#(config) is not valid: $.functions["app:echo"].delayMs: expected an integer from 0 to 86400000, got "50""#
        for test in ["test_with_a_bad_config", "test_with_the_same_bad_config"] {
            let header = try #require(run.lines.firstIndex { $0.contains(" ERROR at setup of \(test) ") }, "\(run.output)")
            #expect(Array(run.lines[(header + 1)...].prefix(2)) == ["mockconvex exited with status 2 before it was ready:", message],
                    "\(run.output)")
        }
    }

    @Test func aTakenPortFailsTheFixtureAtOnceWithMockconvexsMessage() async throws {
        try Self.requireInstalledHelperMatchesSources()
        let taken = try Sockets.listen()
        defer { close(taken.fd) }
        let run = try await FrameworkRun.run(Self.pytest(["-o", "mockconvex_args=--port \(taken.port)", "-k", "ini_config",
                                                Self.pytestFolder.appendingPathComponent("startup_failures.py").path]),
                                   environment: Self.pythonEnvironment)
        #expect(run.clean, "\(run.output)")
        #expect(run.pytestSummary?.counts == "2 deselected, 1 error", "\(run.output)")
        #expect((run.pytestSummary?.seconds ?? .infinity) < 10, "\(run.output)")
        let header = try #require(run.lines.firstIndex { $0.contains(" ERROR at setup of test_with_the_ini_config ") }, "\(run.output)")
        #expect(Array(run.lines[(header + 1)...].prefix(2)) == [
            "mockconvex exited with status 1 before it was ready:",
            "Error: cannot listen on 127.0.0.1:\(taken.port) for admin: the address is already in use: another process is listening there. "
                + "Stop it or choose another port with --port (0 picks a free one).",
        ], "\(run.output)")
    }

    // MARK: node --test

    @Test func nodeTestRunsTheStoryWithTheOfficialJSClientTheStartupFailuresAndTheExample() async throws {
        guard FileManager.default.fileExists(atPath: ClientScript.jsClient) else {
            Issue.record("no official JS client at \(ClientScript.jsClient): set MOCKCONVEX_JS_CLIENT to it")
            return
        }
        let project = URL(fileURLWithPath: try Fixtures.temporaryDirectory())
        defer { try? FileManager.default.removeItem(at: project) }
        try Self.installNodePackages(in: project)
        // The suite's files, and the node:test example with its config, as a project holds them.
        let suite = Fixtures.root.appendingPathComponent("Tests/Clients/node-test")
        let example = Fixtures.root.appendingPathComponent("clients/js/examples")
        let files = [suite.appendingPathComponent("startup.test.mjs"), suite.appendingPathComponent("story.test.mjs"),
                     example.appendingPathComponent("node-test/messages.test.mjs"), example.appendingPathComponent("mockconvex.json")]
        for file in files {
            try FileManager.default.copyItem(at: file, to: project.appendingPathComponent(file.lastPathComponent))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: suite.path).sorted() == ["startup.test.mjs", "story.test.mjs"])

        var environment = ProcessInfo.processInfo.environment
        environment["MOCKCONVEX_BINARY"] = MockConvexProcess.binary
        environment["MOCKCONVEX_TEST_CONFIG"] = Fixtures.exampleConfig
        let run = try await FrameworkRun.run(["node", "--test", "--test-reporter=tap", "messages.test.mjs", "startup.test.mjs", "story.test.mjs"],
                                   environment: environment, directory: project)
        #expect(run.clean, "\(run.output)")
        #expect(run.status == 0, "\(run.output)")
        for count in ["tests 12", "suites 0", "pass 12", "fail 0", "cancelled 0", "skipped 0", "todo 0"] {
            #expect(run.lines.contains("# " + count), "\(run.output)")
        }
        let passed = run.lines.compactMap { line in line.firstMatch(of: /^ok \d+ - (.+)$/).map { String($0.1) } }
        #expect(passed.sorted() == [
            "a 503 on /api/mutation reaches the HTTP client, then the retry succeeds",
            "a bad config rejects at once with mockconvex's message",
            "a delayed Transition: the mutation resolves that much later",
            "a message the app sends is stored",
            "a port in use rejects at once naming the flag that moves it",
            "a server the script never stops is gone when the script exits",
            "a test user signs in with one call",
            "no binary at the path given rejects before anything runs",
            "port 80 on request, a control token from args, and asyncDispose stops it",
            "the app sees the deployment fail once, and the journal shows it",
            "the client reads the seed and writes, and the journal shows its mutation",
            "the reset before this test put the config back",
        ], "\(run.output)")
    }

    /// node_modules as `npm install` leaves it, from what is on this machine: `mockconvex` from
    /// clients/js (npm links a local folder), `convex` with the official client's browser bundle
    /// where its package puts `convex/browser`, and Debian's `ws`.
    static func installNodePackages(in project: URL) throws {
        let modules = project.appendingPathComponent("node_modules")
        let files = FileManager.default
        try files.createDirectory(at: modules.appendingPathComponent("convex"), withIntermediateDirectories: true)
        try files.createSymbolicLink(at: modules.appendingPathComponent("mockconvex"),
                                     withDestinationURL: Fixtures.root.appendingPathComponent("clients/js"))
        try files.createSymbolicLink(at: modules.appendingPathComponent("ws"), withDestinationURL: URL(fileURLWithPath: ClientScript.nodeWebSocket))
        try files.createSymbolicLink(at: modules.appendingPathComponent("convex/browser.cjs"), withDestinationURL: URL(fileURLWithPath: ClientScript.jsClient))
        try #"{"name":"convex","version":"1.45.0","exports":{"./browser":"./browser.cjs"}}"#
            .write(to: modules.appendingPathComponent("convex/package.json"), atomically: true, encoding: .utf8)
    }

    // MARK: helpers

    /// `python -m pytest` from the venv `make test` makes, writing nothing into the checkout.
    static func pytest(_ arguments: [String]) -> [String] {
        [ClientScript.python, "-m", "pytest", "-p", "no:cacheprovider", "--color=no"] + arguments
    }

    static var pythonEnvironment: [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["MOCKCONVEX_BINARY"] = MockConvexProcess.binary
        environment["PYTHONDONTWRITEBYTECODE"] = "1"
        environment["PYTEST_ADDOPTS"] = nil
        environment["COLUMNS"] = "200"
        return environment
    }

    /// The package pytest loads is clients/python as it is now: `make test` reinstalls it when
    /// its sources change, a bare `swift test` does not.
    static func requireInstalledHelperMatchesSources() throws {
        let probe = try Command.run([ClientScript.python, "-c", "import mockconvex, os; print(os.path.dirname(mockconvex.__file__))"])
        try #require(probe.status == 0, "no mockconvex package in \(ClientScript.python): run scripts/install-deps.sh all (make test does)\n\(probe.stderr)")
        let installed = URL(fileURLWithPath: probe.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        let sources = Fixtures.root.appendingPathComponent("clients/python/mockconvex")
        for name in try FileManager.default.contentsOfDirectory(atPath: sources.path) where name != "__pycache__" {
            let same = FileManager.default.contentsEqual(atPath: sources.appendingPathComponent(name).path,
                                                         andPath: installed.appendingPathComponent(name).path)
            try #require(same, "\(installed.path)/\(name) differs from clients/python: run scripts/install-deps.sh all (make test does)")
        }
    }
}

/// One run of a test framework, to its end or its time limit. Foundation starts every child as
/// the leader of a process group of its own, and the servers a run starts stay in it: killing
/// the group ends them all, and a group still populated after the run has exited means a
/// server outlived the tests that started it.
struct FrameworkRun: Sendable {
    let status: Int32
    let output: String
    /// Finished within its time limit, leaving no process of its group behind.
    let clean: Bool
    var lines: [String] { output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) }

    /// Runs it on a thread of its own: waiting for a run that takes seconds must not hold one
    /// of the few threads the rest of the suite's tests share.
    static func run(_ arguments: [String], environment: [String: String], directory: URL? = nil,
                    timeout: Double = 90) async throws -> FrameworkRun {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(with: Result { try FrameworkRun(arguments, environment: environment, directory: directory, timeout: timeout) })
            }.start()
        }
    }

    private init(_ arguments: [String], environment: [String: String], directory: URL?, timeout: Double) throws {
        // stdout and stderr in one file, interleaved as on a terminal, read once the run is over.
        let log = try Fixtures.temporaryFile("", suffix: ".log")
        defer { try? FileManager.default.removeItem(atPath: log) }
        let writer = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        let process = Process()
        // A bare name is looked up on PATH, as a shell would.
        process.executableURL = URL(fileURLWithPath: arguments[0].hasPrefix("/") ? arguments[0] : "/usr/bin/env")
        process.arguments = arguments[0].hasPrefix("/") ? Array(arguments.dropFirst()) : arguments
        process.environment = environment
        process.currentDirectoryURL = directory ?? FileManager.default.temporaryDirectory
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = writer
        process.standardError = writer
        let done = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in done.signal() }
        try process.run()
        try? writer.close()
        let group = process.processIdentifier
        let finished = done.wait(timeout: .now() + timeout) == .success
        if !finished {
            kill(-group, SIGKILL)
            _ = done.wait(timeout: .now() + 10)
        }
        process.waitUntilExit()
        let leftovers = Self.groupOutlived(group, timeout: 10)
        status = process.terminationStatus
        clean = finished && !leftovers
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        output = (finished ? "" : "TIMED OUT after \(timeout) s\n") + (leftovers ? "PROCESSES LEFT BEHIND in group \(group)\n" : "") + text
    }

    /// Waits (at most `timeout` s) for the group to empty; if it does not, kills what is left
    /// and says so.
    private static func groupOutlived(_ group: pid_t, timeout: Double) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while kill(-group, 0) == 0 {
            if Date() >= deadline {
                kill(-group, SIGKILL)
                return true
            }
            usleep(10_000)
        }
        return false
    }

    /// pytest's last line: `1 passed, 2 errors in 0.08s`, as counts and seconds.
    var pytestSummary: (counts: String, seconds: Double)? {
        guard let last = lines.last(where: { !$0.isEmpty }),
              let match = last.firstMatch(of: /^=+ (.+) in ([0-9.]+)s(?: \(.*\))? =+$/) else { return nil }
        return (String(match.1), Double(match.2) ?? .infinity)
    }

    /// The names of the tests pytest's `-rA` summary lists with `outcome`, in order.
    func pytestOutcomes(_ outcome: String) -> [String] {
        lines.compactMap { line in
            guard line.hasPrefix(outcome + " "), let name = line.split(separator: "::").last else { return nil }
            return String(name.split(separator: " ").first ?? name)
        }
    }
}
