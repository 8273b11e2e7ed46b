import Foundation
import Testing
import TestSupport

/// `mockconvex record` in front of an upstream deployment (a second mockconvex standing in for
/// the real one), used by the real Python client over the sync WebSocket and by HTTP; then
/// `mockconvex --config` on the recording, which must give the client the same answers.
@Suite(.timeLimit(.minutes(3))) struct RecordEndToEndTests {
    static let adminKey = "record-test|0123456789abcdef"

    static let upstreamConfig = """
        {"functions": {
          "orders:quote": {"type": "query", "cases": [
            {"args": {"sku": "A1", "qty": {"$integer": "AgAAAAAAAAA="}}, "returns": {"total": 19.98, "count": {"$integer": "AgAAAAAAAAA="}}},
            {"argsContain": {"sku": "B2"}, "throws": {"message": "out of stock", "data": {"sku": "B2", "left": {"$integer": "AAAAAAAAAAA="}}}}
          ], "returns": {"total": 0}},
          "messages:add": {"type": "mutation", "insert": "messages"},
          "messages:list": {"type": "query", "list": "messages"},
          "boom:it": {"type": "action", "throws": "kaput"},
          "me:who": {"type": "query", "identity": true}
        },
        "httpRoutes": [{"method": "GET", "path": "/hello", "status": 201, "headers": {"Content-Type": "text/plain; charset=utf-8", "X-Thing": "1"}, "body": "Hello world!"}]}
        """

    static let steps = ["quote", "outOfStock", "listBefore", "added", "listAfter", "boom", "who", "http"]

    private static func serve(_ arguments: [String]) throws -> MockConvexProcess {
        try MockConvexProcess(arguments + ["--port", "0", "--site-proxy-port", "0", "--no-port80", "--admin-key", adminKey])
    }

    private static func record(upstream: String, out: String, _ more: [String] = []) throws -> MockConvexProcess {
        try serve(["record", "--upstream", upstream, "--out", out] + more)
    }

    /// An upstream on `upstreamConfig` and a recorder in front of it, writing to a new file
    /// (or one holding `existing`); all stopped and removed when the rig goes.
    final class Rig {
        let upstream: MockConvexProcess
        let recorder: MockConvexProcess
        let out: String

        init(existing: String? = nil, _ more: [String] = []) throws {
            upstream = try RecordEndToEndTests.serve(["--config", try Fixtures.temporaryFile(RecordEndToEndTests.upstreamConfig)])
            out = try existing.map { try Fixtures.temporaryFile($0) }
                ?? FileManager.default.temporaryDirectory.appendingPathComponent("recording-\(UUID().uuidString).json").path
            do {
                recorder = try RecordEndToEndTests.record(upstream: "http://127.0.0.1:\(try upstream.port("admin"))", out: out, more)
            } catch {
                upstream.stop()
                try? FileManager.default.removeItem(atPath: out)
                throw error
            }
        }

        deinit {
            recorder.stop()
            upstream.stop()
            try? FileManager.default.removeItem(atPath: out)
        }
    }

    /// Every step the script printed, by name, as JSON with sorted keys (the step name left
    /// out), so that two runs compare as text.
    private static func run(_ server: MockConvexProcess, token: String) throws -> [String: String] {
        let script = try ClientScript.python("record_steps.py", ["http://127.0.0.1:\(try server.port("admin"))",
                                                                  "http://127.0.0.1:\(try server.port("site"))", token])
        defer { script.stop() }
        var seen: [String: String] = [:]
        for step in steps + ["done"] {
            var fields = try #require(script.step(step, timeout: 60), "no \(step) step:\n\(script.transcript)")
            fields["step"] = nil
            seen[step] = String(decoding: try JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self)
        }
        return seen
    }

    @Test func replayingARecordingGivesThePythonClientWhatTheUpstreamGaveIt() throws {
        let rig = try Rig(["--redact", "apiKey"])
        // The rig's processes live to the end of the test, whatever ARC could otherwise decide.
        defer { withExtendedLifetime(rig) {} }
        let (upstream, recorder, out) = (rig.upstream, rig.recorder, rig.out)
        let issued = try RawHTTP.post("/_mock/auth/token", port: try upstream.port("admin"), json: #"{"subject": "ada", "claims": {"name": "Ada"}}"#)
        let token = try #require((try JSONSerialization.jsonObject(with: Data(issued.body)) as? [String: Any])?["token"] as? String)
        let recorded = try Self.run(recorder, token: token)
        // SIGTERM saves, after the last answer is out.
        #expect(recorder.stop() == 0)

        // What the upstream answered, as the client saw it through the recorder.
        #expect(recorded["quote"] == #"{"value":{"count":{"int64":2},"total":19.98}}"#)
        #expect(recorded["outOfStock"] == #"{"convexError":true,"data":{"left":{"int64":0},"sku":"B2"},"message":"Server Error\nUncaught ConvexError: out of stock\n    at handler (../convex/orders.ts:1:1)\n"}"#)
        #expect(recorded["listBefore"] == #"{"value":[]}"#)
        #expect(recorded["listAfter"] == #"{"value":["hi"]}"#)
        #expect(recorded["boom"]?.contains("Uncaught Error: kaput") == true, "\(recorded["boom"] ?? "")")
        #expect(recorded["who"]?.contains(#""subject":"ada""#) == true, "\(recorded["who"] ?? "")")
        #expect(recorded["who"]?.contains(#""name":"Ada""#) == true, "\(recorded["who"] ?? "")")
        #expect(recorded["http"] == #"{"body":"Hello world!","contentType":"text/plain; charset=utf-8","status":201}"#)

        // The recording holds no key, no token and no redacted value.
        let saved = try String(contentsOfFile: out, encoding: .utf8)
        for secret in [Self.adminKey, token, "sk-live-123", "apiKey"] {
            #expect(!saved.contains(secret), "the recording holds \(secret): \(saved)")
        }
        let config = try #require(try JSONSerialization.jsonObject(with: Data(saved.utf8)) as? [String: Any])
        let functions = try #require(config["functions"] as? [String: [String: Any]], "\(saved)")
        #expect(Set(functions.keys) == ["orders:quote", "messages:list", "messages:add", "boom:it", "me:who"])
        #expect(functions["messages:add"]?["type"] as? String == "mutation")
        // The same arguments answered differently over time: a sequence in their case.
        let listCases = try #require(functions["messages:list"]?["cases"] as? [[String: Any]], "\(saved)")
        #expect(listCases.count == 1)
        #expect((listCases.first?["sequence"] as? [Any])?.count == 2, "\(saved)")
        // The redacted field is left out of the pattern, which then matches whatever it holds.
        let quoteCases = try #require(functions["orders:quote"]?["cases"] as? [[String: Any]], "\(saved)")
        #expect(saved.contains(#"{"argsContain":{"qty":1.5,"sku":"B2"},"throws":{"message":"out of stock","data":{"left":{"$integer":"AAAAAAAAAAA="},"sku":"B2"}}}"#),
                "\(quoteCases)")

        // The replay: no upstream, the same answers. A signed-in client signs in to the replay
        // (with its test issuer's token); the identity it answers with is the recorded one.
        upstream.stop()
        let replay = try Self.serve(["--config", out])
        defer { replay.stop() }
        let replayIssued = try RawHTTP.post("/_mock/auth/token", port: try replay.port("admin"), json: #"{"subject": "someone-else"}"#)
        let replayToken = try #require((try JSONSerialization.jsonObject(with: Data(replayIssued.body)) as? [String: Any])?["token"] as? String)
        let replayed = try Self.run(replay, token: replayToken)
        for step in Self.steps {
            #expect(replayed[step] == recorded[step], "\(step)")
        }
    }

    @Test func aLiveSubscriptionThroughTheRecorderIsAskedAgainAfterEachMutationThatPasses() throws {
        let rig = try Rig()
        // The rig's processes live to the end of the test, whatever ARC could otherwise decide.
        defer { withExtendedLifetime(rig) {} }
        let (recorder, out) = (rig.recorder, rig.out)
        let port = try recorder.port("admin")
        let client = try SyncWireClient(port: port)
        try client.send(SyncWireClient.connect())
        try client.send(SyncWireClient.addQuery(base: 0, queryId: 0, path: "messages:list"))
        let first = try client.expectText(Wire.transition(from: (0, 0, Wire.zero), to: (1, 0, Wire.ts), Wire.updated(0, "[]"), skew: Wire.skew))[0]
        // Another client's mutation over HTTP, through the recorder: the query is asked again.
        let sent = try RawHTTP.post("/api/mutation", port: port, json: #"{"path":"messages:add","args":{"body":"hi"}}"#)
        #expect(sent.status == 200)
        let second = try client.expectText(Wire.transition(from: (1, 0, first), to: (1, 0, Wire.ts),
                                                           Wire.updated(0, #"[{"_creationTime":{time},"_id":"{id}","body":"hi"}]"#), skew: Wire.skew))
        // The session's own mutation: answered with a timestamp, then the Transition at or after it.
        try client.send(SyncWireClient.mutation(0, "messages:add", #"{"body":"yo"}"#))
        let response = try client.expectText(#"{"type":"MutationResponse","requestId":0,"success":true,"result":"{id}","ts":"{ts}","logLines":[]}"#)
        let third = try client.expectText(Wire.transition(from: (1, 0, second[0]), to: (1, 0, Wire.ts),
                                                          Wire.updated(0, #"[{"_creationTime":{time},"_id":"{id}","body":"hi"},{"_creationTime":{time},"_id":"\#(response[0])","body":"yo"}]"#), skew: Wire.skew))
        let (committed, shown) = (try #require(Wire.timestamp(response[1])), try #require(Wire.timestamp(third[0])))
        #expect(shown >= committed)
        try client.close()
        // The subscription's first answer and the two mutations are recorded; later answers are not.
        let saved = try RawHTTP.post("/_mock/record/save", port: port, json: "")
        #expect(saved.text == #"{"path":"\#(out)","functions":2,"cases":3,"routes":0,"notRecorded":0,"keptHandWritten":[]}"#)
    }

    @Test func anUnreachableUpstreamIsA502NamingItAndNothingIsRecorded() throws {
        let closed = try Sockets.unusedPort()
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("recording-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let recorder = try Self.record(upstream: "http://127.0.0.1:\(closed)", out: out)
        defer { recorder.stop() }
        let port = try recorder.port("admin")
        let answer = try RawHTTP.post("/api/query", port: port, json: #"{"path":"a:b","args":{}}"#)
        #expect(answer.status == 502)
        #expect(answer.text == #"{"code":"UpstreamUnavailable","message":"mockconvex record could not get an answer from the upstream for POST http://127.0.0.1:\#(closed)/api/query: connect ECONNREFUSED 127.0.0.1:\#(closed)"}"#)
        let action = try RawHTTP.get("/hello", port: try recorder.port("site"))
        #expect(action.status == 502)
        // The server keeps serving what is its own.
        #expect(try RawHTTP.get("/version", port: port).status == 200)
        let saved = try RawHTTP.post("/_mock/record/save", port: port, json: "")
        #expect(saved.text == #"{"path":"\#(out)","functions":0,"cases":0,"routes":0,"notRecorded":0,"keptHandWritten":[]}"#)
        #expect(try String(contentsOfFile: out, encoding: .utf8) == "{\n  \"functions\": {}\n}\n")
    }

    @Test func upstreamErrorsPassThroughUnchangedAndAreNotRecorded() throws {
        let rig = try Rig()
        // The rig's processes live to the end of the test, whatever ARC could otherwise decide.
        defer { withExtendedLifetime(rig) {} }
        let (upstream, recorder, out) = (rig.upstream, rig.recorder, rig.out)
        // An HTTP error: status, headers and body as the upstream sent them.
        let body = #"{"path":5,"args":{}}"#
        let direct = try RawHTTP.post("/api/query", port: try upstream.port("admin"), json: body)
        let through = try RawHTTP.post("/api/query", port: try recorder.port("admin"), json: body)
        #expect(direct.status == 400)
        #expect(through.status == 400)
        #expect(through.text == direct.text)
        for name in ["Content-Type", "Vary", "Access-Control-Allow-Credentials"] {
            #expect(through.header(name) == direct.header(name), "\(name)")
        }
        // A function error a stub could not give back (the backend's own text, not a throw):
        // passed on, not recorded.
        let missing = try RawHTTP.post("/api/query", port: try recorder.port("admin"), json: #"{"path":"nope:missing","args":{}}"#)
        #expect(missing.status == 200)
        #expect(missing.text.contains(#"Server Error\nCould not find public function for 'nope:missing'."#), "\(missing.text)")
        // An HTTP action's 404 is the app's answer, recorded as a route.
        #expect(try RawHTTP.get("/nowhere", port: try recorder.port("site")).status == 404)
        let saved = try RawHTTP.post("/_mock/record/save", port: try recorder.port("admin"), json: "")
        #expect(saved.text == #"{"path":"\#(out)","functions":0,"cases":0,"routes":1,"notRecorded":1,"keptHandWritten":[]}"#)
    }

    @Test func aRecordingMergesIntoTheConfigAlreadyThereKeepingHandWrittenEntries() throws {
        let rig = try Rig(existing: """
            {"functions": {
              "orders:quote": {"type": "query", "cases": [
                {"args": {"sku": "A1", "qty": {"$integer": "AgAAAAAAAAA="}}, "returns": "stale"},
                {"args": {"sku": "Z9"}, "returns": "hand-written"}
              ], "returns": {"total": -1}},
              "messages:list": {"type": "query", "sequence": [{"returns": ["hand"]}]},
              "other:fn": {"type": "query", "returns": 7}
            },
            "httpRoutes": [{"method": "GET", "path": "/hello", "status": 200, "body": "old"}, {"method": "POST", "pathPrefix": "/hooks/", "status": 204}],
            "documents": {"notes": [{"text": "seeded"}]}}
            """)
        // The rig's processes live to the end of the test, whatever ARC could otherwise decide.
        defer { withExtendedLifetime(rig) {} }
        let (recorder, out) = (rig.recorder, rig.out)
        let port = try recorder.port("admin")
        // In the encoded format, as the JS client asks: an int64 stays one in the recording.
        _ = try RawHTTP.post("/api/query", port: port, json: #"{"path":"orders:quote","args":{"qty":{"$integer":"AgAAAAAAAAA="},"sku":"A1"},"format":"convex_encoded_json"}"#)
        _ = try RawHTTP.post("/api/query", port: port, json: #"{"path":"orders:quote","args":{"sku":"C3"}}"#)
        _ = try RawHTTP.post("/api/query", port: port, json: #"{"path":"messages:list","args":{}}"#)
        _ = try RawHTTP.get("/hello", port: try recorder.port("site"))
        let saved = try RawHTTP.post("/_mock/record/save", port: port, json: "")
        #expect(saved.text == #"{"path":"\#(out)","functions":2,"cases":3,"routes":1,"notRecorded":0,"keptHandWritten":["messages:list"]}"#)
        #expect(try String(contentsOfFile: out, encoding: .utf8) == """
            {
              "functions": {
                "orders:quote": {
                  "type": "query",
                  "cases": [
                    {"args":{"qty":{"$integer":"AgAAAAAAAAA="},"sku":"A1"},"returns":{"count":{"$integer":"AgAAAAAAAAA="},"total":19.98}},
                    {"args":{"sku":"Z9"},"returns":"hand-written"},
                    {"args":{"sku":"C3"},"returns":{"total":0}}
                  ],
                  "returns": {"total":-1}
                },
                "messages:list": {
                  "type": "query",
                  "sequence": [
                    {"returns":["hand"]}
                  ]
                },
                "other:fn": {
                  "type": "query",
                  "returns": 7
                }
              },
              "httpRoutes": [
                {
                  "method": "GET",
                  "path": "/hello",
                  "status": 201,
                  "headers": {"content-type":"text/plain; charset=utf-8","x-thing":"1"},
                  "body": "Hello world!"
                },
                {
                  "method": "POST",
                  "pathPrefix": "/hooks/",
                  "status": 204
                }
              ],
              "documents": {
                "notes": [
                  {"text":"seeded"}
                ]
              }
            }

            """)
        // The merged file is a config mockconvex serves.
        let replay = try Self.serve(["--config", out])
        defer { replay.stop() }
        let quote = try RawHTTP.post("/api/query", port: try replay.port("admin"), json: #"{"path":"orders:quote","args":{"sku":"C3"}}"#)
        #expect(quote.text == #"{"status":"success","value":{"total":0.0}}"#)
    }

    @Test func withoutAnAdminKeyTheGeneratedOneIsKeptOutAndEverythingElseIsKept() throws {
        let upstream = try Self.serve(["--config", try Fixtures.temporaryFile(Self.upstreamConfig)])
        defer { upstream.stop() }
        let out = try Fixtures.temporaryFile(#"{"functions": {"hand:written": {"type": "query", "returns": "kept"}}}"#)
        defer { try? FileManager.default.removeItem(atPath: out) }
        let recorder = try MockConvexProcess(["record", "--upstream", "http://127.0.0.1:\(try upstream.port("admin"))", "--out", out,
                                              "--port", "0", "--site-proxy-port", "0", "--no-port80"])
        defer { recorder.stop() }
        let generated = try #require(recorder.adminKey)
        let port = try recorder.port("admin")
        _ = try RawHTTP.post("/api/query", port: port, json: #"{"path":"orders:quote","args":{"sku":"Z9","note":"\#(generated)"}}"#)
        #expect(try RawHTTP.post("/_mock/record/save", port: port, json: "").status == 200)
        #expect(try String(contentsOfFile: out, encoding: .utf8) == """
            {
              "functions": {
                "hand:written": {
                  "type": "query",
                  "returns": "kept"
                },
                "orders:quote": {
                  "type": "query",
                  "cases": [
                    {"args":{"note":"[redacted]","sku":"Z9"},"returns":{"total":0}}
                  ]
                }
              }
            }

            """)
    }

    @Test func aRecorderPointedAtItselfAnswers508AtOnce() throws {
        let port = try Sockets.unusedPort()
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("recording-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let recorder = try MockConvexProcess(["record", "--upstream", "http://127.0.0.1:\(port)", "--out", out, "--port", String(port),
                                              "--site-proxy-port", "0", "--no-port80"])
        defer { recorder.stop() }
        let answer = try RawHTTP.post("/api/query", port: port, json: #"{"path":"a:b","args":{}}"#)
        #expect(answer.status == 508)
        #expect(answer.text == #"{"code":"RecordingLoop","message":"This request was forwarded by a mockconvex recorder to itself: give --upstream the deployment's URL, not the recorder's"}"#)
    }

    @Test func credentialsStayOutOfTheJournalAndAnUpstreamRefusalIsTheSessionsAuthError() throws {
        let rig = try Rig()
        defer { withExtendedLifetime(rig) {} }
        let port = try rig.recorder.port("admin")
        _ = try RawHTTP.send("POST", "/api/query", port: port, headers: [("Content-Type", "application/json"), ("Authorization", "Bearer abc.def.ghi")],
                             body: Array(#"{"path":"me:who","args":{}}"#.utf8))
        let journal = try RawHTTP.get("/_mock/requests?pathPrefix=/api/query", port: port)
        #expect(journal.text.contains(#"["Authorization","[redacted]"]"#) || journal.text.contains(#""Authorization":"[redacted]""#), "\(journal.text)")
        #expect(!journal.text.contains("abc.def.ghi"), "\(journal.text)")

        let client = try SyncWireClient(port: port)
        try client.send(SyncWireClient.connect())
        try client.send(#"{"type":"Authenticate","baseVersion":0,"tokenType":"User","value":"not.a.jwt"}"#)
        try client.send(SyncWireClient.addQuery(base: 0, queryId: 0, path: "me:who"))
        try client.expectText(#"{"type":"AuthError","error":"Could not parse JWT payload. Check that the token is a valid JWT format with three base64-encoded parts separated by dots.","baseVersion":0,"authUpdateAttempted":true}"#)
        try client.expectClose(code: nil)
        let sessions = try RawHTTP.get("/_mock/requests?kind=sync", port: port)
        #expect(!sessions.text.contains("not.a.jwt"), "\(sessions.text)")
    }

    @Test func aConfigThatCannotBeReadAtOutStopsTheStart() throws {
        let out = try Fixtures.temporaryFile(#"{"functions": {"a:b": {"type": "nope"}}}"#)
        defer { try? FileManager.default.removeItem(atPath: out) }
        let recorder = try MockConvexProcess(["record", "--upstream", "http://127.0.0.1:9", "--out", out, "--port", "0", "--site-proxy-port", "0", "--no-port80"],
                                             waitUntilReady: false)
        #expect(recorder.waitForExit(timeout: 20) == 2)
        #expect(recorder.stderrLines.contains { $0.contains("--out \(out) holds a config that cannot be read") && $0.contains("$.functions[\"a:b\"].type") },
                "\(recorder.stderrLines)")
        let bad = try MockConvexProcess(["record", "--upstream", "ftp://x", "--out", out, "--port", "0"], waitUntilReady: false)
        #expect(bad.waitForExit(timeout: 20) == 2)
        #expect(bad.stderrLines.contains { $0.contains("--upstream must be an http:// or https:// URL") }, "\(bad.stderrLines)")
        // A file the save could not write is found at the start, not after the recording.
        let nowhere = try MockConvexProcess(["record", "--upstream", "http://127.0.0.1:9", "--out", "/nonexistent-mockconvex-dir/r.json", "--port", "0"],
                                            waitUntilReady: false)
        #expect(nowhere.waitForExit(timeout: 20) == 2)
        #expect(nowhere.stderrLines.contains { $0.contains("--out /nonexistent-mockconvex-dir/r.json cannot be written: /nonexistent-mockconvex-dir No such file or directory") },
                "\(nowhere.stderrLines)")
    }
}
