import Foundation
import Testing
import TestSupport

/// The clients apps use, unchanged, against the real binary over the sync WebSocket: the
/// Python `convex` 0.8.1 (a Rust core) and the official JS client 1.45.0 under Node. Each runs
/// a script of steps (Tests/Clients) and prints what it got; the test checks every step, and
/// that both reconnect and resubscribe once a closed admin listener reopens.
@Suite(.timeLimit(.minutes(3))) struct SyncClientTests {
    static let adminKey = "convex-self-hosted|01" + String(repeating: "ab", count: 36)

    private func start() throws -> MockConvexProcess {
        try MockConvexProcess(["--config", Fixtures.exampleConfig, "--port", "0", "--site-proxy-port", "0", "--port80-port", "0",
                               "--admin-key", Self.adminKey])
    }

    private func required(_ script: ClientScript, _ step: String, timeout: Double = 30) throws -> [String: Any] {
        try #require(script.step(step, timeout: timeout), "no \(step) step:\n\(script.transcript)")
    }

    @Test func thePythonClientQueriesMutatesActsSubscribesAndAuthenticates() throws {
        let server = try start()
        defer { server.stop() }
        let url = "http://127.0.0.1:\(try server.port("admin"))"
        let script = try ClientScript.python("sync_steps.py", [url, Self.adminKey, "calls"])
        defer { script.stop() }

        let seeded = try #require(try required(script, "query")["value"] as? [[String: Any]])
        #expect(seeded.map { $0["body"] as? String } == ["seeded"])
        #expect(seeded.first?["_id"] as? String != nil)
        let id = try #require(try required(script, "mutation")["value"] as? String)
        #expect(id.hasPrefix("j57"))
        let echoed = try #require(try required(script, "action")["value"] as? [String: Any])
        #expect(echoed["n"] as? Double == 1)
        #expect(echoed["text"] as? String == "hi")
        let convexError = try required(script, "convexError")
        #expect(convexError["raised"] as? Bool == true)
        #expect((convexError["data"] as? [String: Any])?["code"] as? Double == 42)
        let missing = try required(script, "missing")
        #expect(missing["raised"] as? Bool == true)
        #expect((missing["message"] as? String)?.hasSuffix("Server Error\nCould not find public function for 'nothing:here'.\n") == true)
        #expect(try required(script, "subscribed")["value"] as? [Any] != nil)
        let update = try required(script, "update")
        #expect(update["bodies"] as? [String] == ["from another client"])
        let watched = try #require(try required(script, "watchAll")["values"] as? [String])
        #expect(watched.count == 2)
        #expect(watched.first == #"{"type": "value", "value": "1.2.3"}"#)
        #expect(watched.last?.contains(#""body": "watched""#) == true)
        #expect(try required(script, "admin")["value"] as? String == "s3cret")
        #expect(script.step("done") != nil, "\(script.transcript)")
    }

    @Test func theJSClientSubscribesQueriesMutatesAndRejectsAMissingFunction() throws {
        let server = try start()
        defer { server.stop() }
        let url = "http://127.0.0.1:\(try server.port("admin"))"
        let script = try ClientScript.node("sync_steps.cjs", [url, "calls"])
        defer { script.stop() }

        #expect(try required(script, "initial")["value"] as? [Any] != nil)
        #expect((try required(script, "mutation")["value"] as? String)?.hasPrefix("j57") == true)
        #expect(try required(script, "update")["bodies"] as? [String] == ["from js"])
        #expect(try required(script, "query")["value"] as? String == "1.2.3")
        #expect((try required(script, "action")["value"] as? [String: Any])?["n"] as? Double == 1)
        let convexError = try required(script, "convexError")
        #expect(convexError["isConvexError"] as? Bool == true)
        #expect((convexError["data"] as? [String: Any])?["code"] as? Double == 42)
        let missing = try required(script, "missing")
        #expect((missing["message"] as? String)?.hasPrefix("[CONVEX Q(nothing:here)] [Request ID: ") == true)
        #expect((missing["message"] as? String)?.contains("Could not find public function for 'nothing:here'.") == true)
        #expect(script.step("done") != nil, "\(script.transcript)")
    }

    @Test(arguments: ["python", "js"])
    func aClientReconnectsAndResubscribesOnceTheAdminListenerReopens(client: String) throws {
        let server = try start()
        defer { server.stop() }
        let admin = try server.port("admin")
        let port80 = try server.port("port80")
        let url = "http://127.0.0.1:\(admin)"
        let script = client == "python"
            ? try ClientScript.python("sync_steps.py", [url, Self.adminKey, "recovery"])
            : try ClientScript.node("sync_steps.cjs", [url, "recovery"])
        defer { script.stop() }
        #expect(try required(script, "subscribed")["value"] as? [Any] != nil)

        // Closed for real through port 80 (which serves the control API too): every socket on
        // admin is dropped; reopened on the same port.
        let off = try RawHTTP.send("PUT", "/_mock/listeners/admin", port: port80, body: Array(#"{"enabled":false}"#.utf8))
        #expect(off.status == 200)
        #expect(throws: RawHTTP.Failure.connectFailed(ECONNREFUSED)) { try RawHTTP.get("/version", port: admin) }
        let on = try RawHTTP.send("PUT", "/_mock/listeners/admin", port: port80, body: Array(#"{"enabled":true}"#.utf8))
        #expect(on.status == 200)
        let inserted = try RawHTTP.post("/api/mutation", port: admin, json: #"{"path":"messages:send","args":{"body":"after reopen","author":"reconnect"}}"#)
        #expect(inserted.status == 200)
        // The clients back off before reconnecting (up to 15 s for Rust, 16 s for JS).
        #expect(try required(script, "update", timeout: 90)["bodies"] as? [String] == ["after reopen"])
    }
}
