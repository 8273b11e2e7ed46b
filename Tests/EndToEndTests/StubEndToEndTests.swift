import Foundation
import Testing
import TestSupport

/// Stubbed functions (`cases`, `sequence`) served by the real binary: called by the Python
/// `convex` 0.8.1 client and the official JS client over the sync WebSocket, and over HTTP by many callers at once on two
/// threads; rewound by `POST /_mock/reset`.
@Suite(.timeLimit(.minutes(2))) struct StubEndToEndTests {
    static let config = """
        {"functions": {
          "orders:quote": {"type": "query", "cases": [
            {"args": {"sku": "A1", "qty": {"$integer": "AgAAAAAAAAA="}}, "returns": {"total": 19.98}},
            {"args": {"sku": "A1", "qty": 2}, "returns": {"total": 1.5}},
            {"argsContain": {"sku": "B2"}, "throws": {"message": "out of stock", "data": {"sku": "B2", "left": {"$integer": "AAAAAAAAAAA="}}}}
          ], "returns": {"total": 0}},
          "orders:place": {"type": "mutation", "cases": [
            {"argsContain": {"sku": "A1", "note": {"gift": true}}, "returns": "wrapped"}
          ]},
          "jobs:status": {"type": "query", "sequence": [{"returns": "queued"}, {"returns": "running"}, {"returns": "done"}]},
          "notes:add": {"type": "mutation", "insert": "notes"},
          "jobs:poll": {"type": "action", "sequence": [{"returns": "queued"}, {"returns": "running"}, {"returns": "done"}]},
          "jobs:once": {"type": "mutation", "sequence": [{"returns": 1}, {"throws": {"data": {"retry": true}}}], "afterLast": "fail"},
          "jobs:ticket": {"type": "query", "sequence": [\((0..<200).map { #"{"returns": \#($0)}"# }.joined(separator: ","))], "afterLast": "fail"}
        }}
        """

    private func start() throws -> MockConvexProcess {
        try MockConvexProcess(["--config", try Fixtures.temporaryFile(Self.config), "--port", "0", "--site-proxy-port", "0",
                               "--port80-port", "0", "--threads", "2"])
    }

    private func required(_ script: ClientScript, _ step: String) throws -> [String: Any] {
        try #require(script.step(step, timeout: 30), "no \(step) step:\n\(script.transcript)")
    }

    @Test func thePythonClientGetsCasesAndSequencesWithConvexErrorData() throws {
        let server = try start()
        defer { server.stop() }
        let script = try ClientScript.python("stub_steps.py", ["http://127.0.0.1:\(try server.port("admin"))"])
        defer { script.stop() }

        #expect(try required(script, "int64")["value"] as? [String: Double] == ["total": 19.98])
        #expect(try required(script, "float")["value"] as? [String: Double] == ["total": 1.5])
        let outOfStock = try required(script, "outOfStock")
        #expect(outOfStock["convexError"] as? Bool == true)
        let data = try #require(outOfStock["data"] as? [String: Any], "\(outOfStock)")
        #expect(data["sku"] as? String == "B2")
        // An int64 in the data reaches Python as a ConvexInt64.
        #expect(data["left"] as? [String: Int] == ["int64": 0])
        #expect((outOfStock["message"] as? String)?.contains("out of stock") == true)
        #expect(try required(script, "fallback")["value"] as? [String: Double] == ["total": 0])
        let unmatched = try required(script, "unmatched")
        #expect(unmatched["convexError"] as? Bool == false)
        #expect((unmatched["message"] as? String)?.contains(
            #"Uncaught Error: No case of orders:place matches the arguments {qty: 2.0, sku: "B2"}; the nearest is cases[0] (argsContain {note: {gift: true}, sku: "A1"}): different or missing note, sku. Add"#) == true,
            "\(unmatched)")
        #expect(try required(script, "placed")["value"] as? String == "wrapped")
        let polls = try #require(try required(script, "poll")["values"] as? [[String: Any]])
        #expect(polls.map { $0["value"] as? String } == ["queued", "running", "done", "done"])
        // One-shot queries over the WebSocket: each subscribes, runs the query, and leaves.
        let statuses = try #require(try required(script, "status")["values"] as? [[String: Any]])
        #expect(statuses.map { $0["value"] as? String } == ["queued", "running", "done", "done"], "\(statuses)")
        let once = try #require(try required(script, "once")["values"] as? [[String: Any]])
        #expect(once.count == 3)
        #expect(once.first?["value"] as? Double == 1)
        #expect(once.dropFirst().first?["data"] as? [String: Bool] == ["retry": true])
        #expect((once.last?["message"] as? String)?.contains(#"jobs:once's sequence of 2 entries is used up ("afterLast": "fail")"#) == true, "\(once)")
        #expect(script.step("done") != nil, "\(script.transcript)")

        // A reset rewinds the sequences.
        let port = try server.port("admin")
        #expect(try RawHTTP.post("/_mock/reset", port: port, json: "").status == 200)
        let poll = try RawHTTP.post("/api/action", port: port, json: #"{"path":"jobs:poll","args":{}}"#)
        #expect(poll.text == #"{"status":"success","value":"queued"}"#)
    }

    @Test func theJSClientGetsCasesAndASubscribedSequenceThatACommitDoesNotMove() throws {
        let server = try start()
        defer { server.stop() }
        let script = try ClientScript.node("stub_steps.cjs", ["http://127.0.0.1:\(try server.port("admin"))"])
        defer { script.stop() }

        #expect(try required(script, "int64")["value"] as? [String: Double] == ["total": 19.98])
        #expect(try required(script, "float")["value"] as? [String: Double] == ["total": 1.5])
        let outOfStock = try required(script, "outOfStock")
        #expect(outOfStock["isConvexError"] as? Bool == true)
        #expect(outOfStock["data"] as? [String: String] == ["sku": "B2", "left": "0n"])
        #expect(try required(script, "subscribed")["value"] as? String == "queued")
        // After a commit, the client's one-shot query of what it is subscribed to is the
        // subscription's answer: the sequence did not run again.
        #expect(try required(script, "oneShot")["value"] as? String == "queued")
        #expect(try required(script, "seen")["values"] as? [String] == ["queued"])
        #expect(script.step("done") != nil, "\(script.transcript)")
        // The next run (here over HTTP) takes the second entry.
        let next = try RawHTTP.post("/api/query", port: try server.port("admin"), json: #"{"path":"jobs:status","args":{}}"#)
        #expect(next.text == #"{"status":"success","value":"running"}"#)
    }

    @Test func concurrentCallersOnTwoThreadsEachTakeTheirOwnEntry() throws {
        let server = try start()
        defer { server.stop() }
        let port = try server.port("admin")
        let answers = Guarded<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            for _ in 0..<25 {
                let text = (try? RawHTTP.post("/api/query", port: port, json: #"{"path":"jobs:ticket","args":{}}"#).text) ?? "no answer"
                answers.withLock { $0.append(text) }
            }
        }
        let expected = (0..<200).map { #"{"status":"success","value":\#($0).0}"# }
        #expect(answers.withLock { $0 }.sorted() == expected.sorted())
        let after = try RawHTTP.post("/api/query", port: port, json: #"{"path":"jobs:ticket","args":{}}"#).text
        #expect(after.contains("jobs:ticket's sequence of 200 entries is used up"), "\(after)")
    }
}
