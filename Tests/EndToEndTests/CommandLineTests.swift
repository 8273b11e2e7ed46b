import Foundation
import Testing
import TestSupport

/// The binary's command line: flags, exit codes and what it prints at start.
@Suite(.timeLimit(.minutes(2))) struct CommandLineTests {
    private func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Command.Result {
        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { $1 }
        return try Command.run([MockConvexProcess.binary] + arguments, timeout: 20, environment: env)
    }

    @Test func helpExitsZeroAndNamesTheFlags() throws {
        let overview = try run(["--help"])
        #expect(overview.status == 0)
        #expect(overview.stdout.contains("serve (default)"))
        let result = try run(["serve", "--help"])
        #expect(result.status == 0)
        for flag in ["--port", "--site-proxy-port", "--no-port80", "--port80-port", "--host", "--convex-origin", "--convex-site",
                     "--instance-name", "--instance-secret", "--admin-key", "--config", "--threads", "--log-level", "--log-format",
                     "--read-timeout", "--idle-timeout"] {
            #expect(result.stdout.contains(flag), "help does not mention \(flag)")
        }
    }

    @Test(arguments: [
        (["--bogus"], "Unknown option '--bogus'"),
        (["--port", "70000"], "--port must be a port from 0 to 65535 (0 picks a free one), got 70000"),
        (["--threads", "0"], "--threads must be from 1 to 256, got 0"),
        (["--log-format", "xml"], "--log-format"),
        (["--convex-origin", "ftp://x"], "--convex-origin must be an http:// or https:// origin such as http://127.0.0.1:3210, got \"ftp://x\""),
        (["--instance-secret", "abc"], "--instance-secret (or INSTANCE_SECRET) must be 64 hex characters"),
        (["--config", "/nonexistent/mockconvex.json"], "cannot read --config /nonexistent/mockconvex.json: No such file or directory"),
        (["--read-timeout", "0"], "--read-timeout must be at least 1 second, got 0"),
        (["--idle-timeout", "0"], "--idle-timeout must be at least 1 second, got 0"),
    ])
    func badUsageExitsTwoWithAMessage(arguments: [String], message: String) throws {
        let port = arguments.contains("--port") ? [] : ["--port", "0"]
        let result = try run(arguments + port + ["--site-proxy-port", "0", "--no-port80"])
        #expect(result.status == 2)
        #expect(result.stderr.contains(message), "stderr was: \(result.stderr)")
    }

    @Test func anInvalidConfigIsRefusedWithTheJSONPathOfTheProblem() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("mockconvex-bad-\(getpid()).json")
        try #"{"functions": {"app:echo": {"type": "action", "echo": true, "delayMs": "50"}}}"#.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try run(["--config", file.path, "--port", "0", "--site-proxy-port", "0", "--no-port80"])
        #expect(result.status == 2)
        #expect(result.stderr.contains(#"$.functions["app:echo"].delayMs: expected an integer from 0 to 86400000, got "50""#), "stderr was: \(result.stderr)")
    }

    @Test func anEnvironmentVariableThatIsWrongIsAUsageError() throws {
        let result = try run(["--port", "0", "--site-proxy-port", "0", "--no-port80"], environment: ["INSTANCE_SECRET": "nothex"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("must be 64 hex characters"))
    }

    @Test func printsEveryListenerWithItsRealPortAndAGeneratedAdminKey() throws {
        let server = try MockConvexProcess(["--port", "0", "--site-proxy-port", "0", "--port80-port", "0"])
        defer { server.stop() }
        let ports = try ["admin", "site", "port80"].map { try server.port($0) }
        #expect(ports.allSatisfy { $0 > 0 })
        #expect(Set(ports).count == 3)
        let key = try #require(server.adminKey)
        #expect(key.hasPrefix("convex-self-hosted|01"))
        #expect(key.count == "convex-self-hosted|".count + 74)
        #expect(server.stdoutLines.contains("mockconvex convex origin: http://127.0.0.1"))
        #expect(server.stdoutLines.last == "mockconvex ready")
    }

    @Test func environmentVariablesOfTheImageAreFallbacks() throws {
        let server = try MockConvexProcess(["--port", "0", "--site-proxy-port", "0", "--no-port80"], environment: [
            "INSTANCE_NAME": "fixture", "CONVEX_CLOUD_ORIGIN": "http://app.convex.cloud.loc", "CONVEX_RELEASE_VERSION_DEV": "1.2.3",
        ])
        defer { server.stop() }
        let admin = try server.port("admin")
        #expect(try RawHTTP.get("/instance_name", port: admin).text == "fixture")
        #expect(try RawHTTP.get("/version", port: admin).text == "1.2.3")
        #expect(try RawHTTP.get("/version", port: try server.port("site")).text == "unknown")
        #expect(server.adminKey?.hasPrefix("fixture|01") == true)
        #expect(server.stdoutLines.contains("mockconvex convex origin: http://app.convex.cloud.loc"))
    }

    /// A generated admin key is made from the instance secret: a data directory (which keeps the
    /// secret) or a given secret keeps it across restarts, so a key saved in an app's `.env`
    /// still works, as a self-hosted backend's keys do; another secret, another key.
    @Test func aGeneratedAdminKeyLastsAsLongAsTheInstanceSecret() throws {
        let dataDir = FileManager.default.temporaryDirectory.appendingPathComponent("mockconvex-key-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dataDir) }
        func start(_ extra: [String]) throws -> (key: String, status: Int) {
            let server = try MockConvexProcess(["--port", "0", "--site-proxy-port", "0", "--no-port80"] + extra)
            defer { server.stop() }
            let key = try #require(server.adminKey)
            // The key is one the server takes: the admin-only route answers it.
            let answer = try RawHTTP.get("/api/check_admin_key", port: try server.port("admin"),
                                         headers: [("Authorization", "Convex \(key)")])
            return (key, answer.status)
        }
        let first = try start(["--data-dir", dataDir])
        let again = try start(["--data-dir", dataDir])
        #expect(first.status == 200)
        #expect(again.key == first.key)
        #expect(again.status == 200)
        let secret = String(repeating: "ab", count: 32)
        let given = try start(["--instance-secret", secret])
        #expect(try start(["--instance-secret", secret]).key == given.key)
        #expect(given.key != first.key)
        #expect(try start([]).key != (try start([])).key)
    }

    /// Compose files pass `INSTANCE_SECRET=${INSTANCE_SECRET:-}`: empty means unset, as in the real image.
    @Test func emptyEnvironmentVariablesCountAsUnset() throws {
        let server = try MockConvexProcess(["--port", "0", "--site-proxy-port", "0", "--no-port80"], environment: [
            "INSTANCE_NAME": "", "INSTANCE_SECRET": "", "CONVEX_CLOUD_ORIGIN": "", "CONVEX_SITE_ORIGIN": "",
        ])
        defer { server.stop() }
        #expect(try RawHTTP.get("/instance_name", port: try server.port("admin")).text == "convex-self-hosted")
        #expect(server.stdoutLines.contains("mockconvex convex origin: http://127.0.0.1"))
    }

    @Test func aPortInUseExitsOneAndNamesTheFlag() throws {
        let first = try MockConvexProcess(["--port", "0", "--site-proxy-port", "0", "--no-port80"])
        defer { first.stop() }
        let taken = try first.port("admin")
        let second = try run(["--port", "\(taken)", "--site-proxy-port", "0", "--no-port80"])
        #expect(second.status == 1)
        #expect(second.stderr.contains("cannot listen on 127.0.0.1:\(taken) for admin: the address is already in use"))
        #expect(second.stderr.contains("--port"))
    }

    @Test func requestsAreLoggedOneLinePerRequestAsJSON() throws {
        let server = try MockConvexProcess(["--port", "0", "--site-proxy-port", "0", "--no-port80", "--log-format", "json"])
        defer { server.stop() }
        _ = try RawHTTP.get("/version", port: try server.port("admin"))
        let line = try #require(server.waitForStderr { $0.contains("\"message\":\"request\"") })
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String])
        #expect(object["listener"] == "admin")
        #expect(object["method"] == "GET")
        #expect(object["path"] == "/version")
        #expect(object["status"] == "200")
        #expect(object["level"] == "info")
        #expect(Double(object["duration_ms"] ?? "") != nil)
    }

    @Test func textLogsNameListenerMethodPathStatusAndDuration() throws {
        let server = try MockConvexProcess(["--port", "0", "--site-proxy-port", "0", "--no-port80"])
        defer { server.stop() }
        _ = try RawHTTP.get("/nope", port: try server.port("site"))
        let line = try #require(server.waitForStderr { $0.contains("request") && $0.contains("listener=site") })
        #expect(line.contains("method=GET"))
        #expect(line.contains("path=/nope"))
        #expect(line.contains("status=404"))
        #expect(line.contains("duration_ms="))
    }
}
