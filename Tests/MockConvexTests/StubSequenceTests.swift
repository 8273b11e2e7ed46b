import EventHTTP
import Foundation
@testable import MockConvex
import Testing

/// `sequence`: consecutive calls take consecutive entries, across every caller; `afterLast`;
/// rewinding by reset and by redeclaration.
@Suite(.timeLimit(.minutes(1))) struct StubSequenceTests {
    static let config = """
        {"functions": {
          "jobs:poll": {"type": "query", "sequence": [{"returns": "queued"}, {"returns": "running"}, {"returns": "done"}]},
          "jobs:once": {"type": "mutation", "sequence": [{"returns": {"$integer": "AQAAAAAAAAA="}}, {"throws": {"message": "busy", "data": {"retry": true}}}],
                        "afterLast": "fail"},
          "jobs:echo": {"type": "action", "sequence": [{"echo": true}, {"returns": null}]},
          "jobs:state": {"type": "query", "cases": [
            {"args": {"id": "a"}, "sequence": [{"returns": "queued"}, {"returns": "done"}]},
            {"args": {"id": "b"}, "sequence": [{"returns": "queued"}, {"throws": "lost"}], "afterLast": "fail"},
            {"argsContain": {}, "returns": "unknown"}
          ]}
        }}
        """

    private func value(_ response: HTTPResponse) throws -> JSON? { try response.json["value"] }

    @Test func consecutiveCallsTakeTheNextEntryThenRepeatTheLast() throws {
        let mock = try ControlInProcess(config: Self.config)
        let answers = try (0..<5).map { _ in try value(mock.query("jobs:poll")) }
        #expect(answers == ["queued", "running", "done", "done", "done"].map(JSON.string))
        // Entries are any answer: the caller's arguments back, then null.
        #expect(try mock.admin(.POST, "/api/action", headers: ["Content-Type": "application/json"],
                               body: #"{"path":"jobs:echo","args":{"a":1}}"#).response?.bodyText == #"{"status":"success","value":{"a":1.0}}"#)
    }

    @Test func eachQueryOfABatchIsACall() throws {
        let mock = try ControlInProcess(config: Self.config)
        let query = #"{"path":"jobs:poll","args":{}}"#
        let batch = try mock.admin(.POST, "/api/query_batch", headers: ["Content-Type": "application/json"],
                                   body: #"{"queries":[\#(query),\#(query),\#(query)]}"#).response
        #expect(batch?.bodyText == #"{"results":[{"status":"success","value":"queued"},{"status":"success","value":"running"},{"status":"success","value":"done"}]}"#)
    }

    @Test func afterLastFailNamesTheFunctionAndTheLength() throws {
        let mock = try ControlInProcess(config: Self.config)
        #expect(try mock.mutation("jobs:once").bodyText == #"{"status":"success","value":{"$integer":"AQAAAAAAAAA="}}"#)
        let busy = try mock.mutation("jobs:once").json
        #expect(busy["errorData"] == .object([("retry", .bool(true))]))
        #expect(busy["errorMessage"]?.stringValue?.contains("Uncaught ConvexError: busy\n") == true)
        for _ in 0..<2 {
            let used = try mock.mutation("jobs:once").json
            #expect(used["errorData"] == nil)
            #expect(used["errorMessage"]?.stringValue?.hasSuffix("""
                Server Error
                Uncaught Error: jobs:once's sequence of 2 entries is used up ("afterLast": "fail"); POST /_mock/reset or declaring the function again rewinds it
                    at handler (../convex/jobs.ts:1:1)

                """) == true, "\(used)")
        }
    }

    @Test func aCaseWithASequenceAnswersItsOwnCallsInTurn() throws {
        let mock = try ControlInProcess(config: Self.config)
        func state(_ id: String) throws -> String { try mock.query("jobs:state", #"{"id":"\#(id)"}"#).bodyText }
        // Each case keeps its own place; other arguments do not move it.
        #expect(try state("a") == #"{"status":"success","value":"queued"}"#)
        #expect(try state("b") == #"{"status":"success","value":"queued"}"#)
        #expect(try state("c") == #"{"status":"success","value":"unknown"}"#)
        #expect(try state("a") == #"{"status":"success","value":"done"}"#)
        #expect(try state("a") == #"{"status":"success","value":"done"}"#)
        #expect(try state("b").contains(#"Uncaught Error: lost\n"#))
        let used = try mock.query("jobs:state", #"{"id":"b"}"#).json
        #expect(used["errorMessage"]?.stringValue?.contains(
            #"Uncaught Error: jobs:state's cases[1]'s sequence of 2 entries is used up ("afterLast": "fail"); POST /_mock/reset or declaring the function again rewinds it"#) == true,
            "\(used)")
        // A reset rewinds a case's sequence too.
        #expect(try mock.call(.POST, "/_mock/reset").status == 200)
        #expect(try state("b") == #"{"status":"success","value":"queued"}"#)
        #expect(try state("a") == #"{"status":"success","value":"queued"}"#)
    }

    @Test func aResetRewindsEverySequence() throws {
        let mock = try ControlInProcess(config: Self.config)
        _ = try mock.query("jobs:poll")
        _ = try mock.query("jobs:poll")
        _ = try mock.mutation("jobs:once")
        _ = try mock.mutation("jobs:once")
        #expect(try mock.call(.POST, "/_mock/reset").status == 200)
        #expect(try value(mock.query("jobs:poll")) == .string("queued"))
        #expect(try mock.mutation("jobs:once").bodyText == #"{"status":"success","value":{"$integer":"AQAAAAAAAAA="}}"#)
        // Twice in a row: each reset starts from the config's sequences afresh.
        #expect(try mock.call(.POST, "/_mock/reset").status == 200)
        #expect(try value(mock.query("jobs:poll")) == .string("queued"))
    }

    @Test func aRedeclarationRewindsThatFunctionOnly() throws {
        let mock = try ControlInProcess(config: Self.config)
        _ = try mock.query("jobs:poll")
        _ = try mock.mutation("jobs:once")
        let body = #"{"type": "query", "sequence": [{"returns": "queued"}, {"returns": "done"}]}"#
        #expect(try mock.call(.PUT, "/_mock/functions/jobs:poll", body).status == 200)
        #expect(try value(mock.query("jobs:poll")) == .string("queued"))
        #expect(try mock.call(.PUT, "/_mock/functions/other:fn", #"{"type": "query", "returns": 1}"#).status == 200)
        #expect(try value(mock.query("jobs:poll")) == .string("done"))
        #expect(try mock.mutation("jobs:once").json["errorData"] == .object([("retry", .bool(true))]))
        #expect(try mock.call(.GET, "/_mock/functions/jobs:poll").bodyText
            == #"{"path":"jobs:poll","function":{"type":"query","sequence":[{"returns":"queued"},{"returns":"done"}]}}"#)
    }

    @Test func aCallInItsDelayDuringAResetTakesFromTheSequenceItArrivedUnder() throws {
        let mock = try ControlInProcess(config: #"{"functions": {"jobs:slow": {"type": "query", "delayMs": 1000, "sequence": [{"returns": "queued"}, {"returns": "running"}, {"returns": "done"}]}}}"#)
        #expect(try value(mock.query("jobs:slow")) == .string("queued"))
        // A second call, still in its delay while the reset happens.
        var delayed: HTTPResponse?
        let loop = mock.mock.loop
        let responder = Responder(on: loop, { response in
            delayed = response
            loop.stop()
        }, aborted: { _ in loop.stop() })
        try mock.admin.handle(HTTPRequest(method: .POST, uri: "/api/query", headers: ["Content-Type": "application/json"],
                                          body: Array(#"{"path":"jobs:slow","args":{}}"#.utf8), listener: "admin"), responder)
        #expect(try mock.call(.POST, "/_mock/reset").status == 200)
        #expect(delayed == nil)
        var expired = false
        let deadline = loop.schedule(after: .seconds(10)) {
            expired = true
            loop.stop()
        }
        while delayed == nil && !expired { loop.run() }
        deadline.cancel()
        // It took the old sequence's next entry; the rewound one is untouched by it.
        #expect(delayed?.bodyText == #"{"status":"success","value":"running"}"#)
        #expect(try value(mock.query("jobs:slow")) == .string("queued"))
    }

    @Test func concurrentCallersEachTakeTheirOwnEntry() async throws {
        let entries = (0..<2_000).map { FunctionSpec.Behaviour.returns(.int64(Int64($0))) }
        let sequence = StubSequence(entries: entries, afterLast: .fail)
        let taken = Locked<[Int64]>([])
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    for _ in 0..<600 {
                        guard case .returns(.int64(let n))? = sequence.next() else { continue }
                        taken.withLock { $0.append(n) }
                    }
                }
            }
        }
        #expect(taken.withLock { $0.sorted() } == (0..<2_000).map(Int64.init))
        #expect(sequence.next() == nil)
    }

    @Test func aRewoundSequenceIsNewSoAnOldCallCannotMoveItOn() throws {
        let config = try DeploymentConfig.parse(Array(Self.config.utf8))
        guard case .stubs(let stubs)? = config.functions[try FunctionPath(parsing: "jobs:poll")]?.behaviour,
              case .sequence(let old) = stubs.rule else {
            Issue.record("jobs:poll has no sequence")
            return
        }
        _ = old.next()
        let rewound = config.withRewoundSequences()
        guard case .stubs(let fresh)? = rewound.functions[try FunctionPath(parsing: "jobs:poll")]?.behaviour,
              case .sequence(let new) = fresh.rule else {
            Issue.record("the rewound jobs:poll has no sequence")
            return
        }
        // A call still holding the old declaration (in its delay when the reset came) takes
        // from the old sequence.
        #expect(old.next() == .returns(.string("running")))
        #expect(new.next() == .returns(.string("queued")))
        #expect(new == old)
        #expect(rewound.functionPaths == config.functionPaths)
    }
}
