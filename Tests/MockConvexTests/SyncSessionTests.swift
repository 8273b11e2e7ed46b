import EventHTTP
import Foundation
@testable import MockConvex
import Testing

/// A socket that records what a session sends, for tests without one.
final class RecordingConnection: SyncConnection {
    var frames: [String] = []
    var pings = 0
    var closed: (code: UInt16?, reason: String)?
    var refuses = false

    func send(text: [UInt8]) -> Bool {
        guard !refuses else { return false }
        frames.append(String(decoding: text, as: UTF8.self))
        return true
    }

    func sendPing() -> Bool {
        pings += 1
        return true
    }

    func close(code: UInt16?, reason: String) { closed = (code, reason) }

    /// What a slow reader would leave queued; tests set it.
    var bufferedOutputBytes = 0
    var drainNoticesAsked = 0
    func notifyWhenOutputDrains() { drainNoticesAsked += 1 }
}

/// Sessions of the sync protocol against an in-memory deployment on a real loop, no socket:
/// exact frames for every message type and error path (sync-protocol.md §3, §5).
@Suite(.timeLimit(.minutes(1))) struct SyncSessionTests {
    static let config = """
        {"functions": {
          "messages:send": {"type": "mutation", "insert": "messages"},
          "messages:list": {"type": "query", "list": "messages"},
          "messages:get": {"type": "query", "get": "messages"},
          "notes:add": {"type": "mutation", "insert": "notes"},
          "app:secret": {"type": "query", "visibility": "internal", "returns": "s3cret"},
          "app:echo": {"type": "action", "echo": true},
          "app:fail": {"type": "mutation", "throws": {"message": "nope", "data": {"code": 7}}},
          "app:boom": {"type": "query", "throws": "boom"},
          "app:refuse": {"type": "query", "throws": {"message": "no", "data": {"code": 9}}, "logs": ["refusing"]}
        }}
        """

    final class Harness {
        let mock: InProcess
        let hub: SyncHub
        private var nextId = 0

        init(config: String = SyncSessionTests.config) throws {
            mock = try InProcess(config: config)
            hub = SyncHub(deployment: mock.deployment, loop: mock.loop)
        }

        func session() -> (SyncSession, RecordingConnection) {
            nextId += 1
            let connection = RecordingConnection()
            let session = SyncSession(id: nextId, connection: connection, deployment: mock.deployment, loop: mock.loop, clientVersion: .unknown)
            hub.add(session)
            return (session, connection)
        }

        func send(_ session: SyncSession, _ json: String) {
            session.received(text: Array(json.utf8))
        }

        /// Runs the loop until `connection` has `count` frames (at most `within` seconds).
        func frames(_ connection: RecordingConnection, count: Int, within: Double = 5) -> [String] {
            let deadline = Date().addingTimeInterval(within)
            while connection.frames.count < count && Date() < deadline {
                let loop = mock.loop
                loop.schedule(after: .milliseconds(2)) { loop.stop() }
                loop.run()
            }
            return connection.frames
        }

        var timestamp: String { Timestamp.encode(mock.deployment.latestTimestamp) }
    }

    private static func json(_ frame: String) throws -> JSON { try JSONReader.parse(Array(frame.utf8)) }

    @Test func addingAQueryAnswersWithAChainedTransition() throws {
        let harness = try Harness()
        let (session, connection) = harness.session()
        harness.send(session, #"{"type":"Connect","sessionId":"95ad1d25-a91f-4cf5-9050-cf604e936a69","connectionCount":0,"lastCloseReason":"InitialConnect","clientTs":0}"#)
        harness.send(session, #"{"type":"ModifyQuerySet","baseVersion":0,"newVersion":1,"modifications":[{"type":"Add","queryId":0,"udfPath":"messages:list","args":[{}]}]}"#)
        let frames = harness.frames(connection, count: 1)
        #expect(frames.count == 1)
        let transition = try Self.json(frames[0])
        #expect(transition["type"] == .string("Transition"))
        #expect(transition["startVersion"] == .object([("querySet", .number(0)), ("identity", .number(0)), ("ts", .string("AAAAAAAAAAA="))]))
        #expect(transition["endVersion"] == .object([("querySet", .number(1)), ("identity", .number(0)), ("ts", .string(harness.timestamp))]))
        #expect(transition["modifications"] == .array([.object([("type", .string("QueryUpdated")), ("queryId", .number(0)), ("value", .array([])),
                                                                ("logLines", .array([])), ("journal", .null)])]))
        // Rust reads versions and ids as integers: they are written as such.
        #expect(frames[0].contains(#""startVersion":{"querySet":0,"identity":0,"ts":"AAAAAAAAAAA="}"#))
        #expect(frames[0].contains(#""clientClockSkew":"#))
        // Removing it: QueryRemoved, from the version just sent.
        harness.send(session, #"{"type":"ModifyQuerySet","baseVersion":1,"newVersion":2,"modifications":[{"type":"Remove","queryId":0}]}"#)
        let removed = try Self.json(harness.frames(connection, count: 2)[1])
        #expect(removed["startVersion"] == transition["endVersion"])
        #expect(removed["modifications"] == .array([.object([("type", .string("QueryRemoved")), ("queryId", .number(0))])]))
    }

    @Test func aMutationIsAnsweredThenItsTransitionWithTheChangedQuery() throws {
        let harness = try Harness()
        let (session, connection) = harness.session()
        harness.send(session, #"{"type":"ModifyQuerySet","baseVersion":0,"newVersion":1,"modifications":[{"type":"Add","queryId":3,"udfPath":"messages.js:list","args":[{}]}]}"#)
        _ = harness.frames(connection, count: 1)
        harness.send(session, #"{"type":"Mutation","requestId":0,"udfPath":"messages:send","args":[{"body":"hi"}]}"#)
        let frames = harness.frames(connection, count: 3)
        #expect(frames.count == 3)
        let response = try Self.json(frames[1])
        #expect(response["type"] == .string("MutationResponse"))
        #expect(response["requestId"] == .number(0))
        #expect(response["success"] == .bool(true))
        let id = try #require(response["result"]?.stringValue)
        #expect(response["ts"] == .string(harness.timestamp))
        #expect(response["logLines"] == .array([]))
        let transition = try Self.json(frames[2])
        #expect(transition["endVersion"]?["ts"] == response["ts"])
        guard case .array(let modifications)? = transition["modifications"], let value = modifications.first?["value"] else {
            Issue.record("no QueryUpdated: \(frames[2])")
            return
        }
        #expect(value[0]?["_id"] == .string(id))
        #expect(value[0]?["body"] == .string("hi"))
    }

    @Test func aCommitElsewhereWakesOnlyTheSessionsThatReadIt() throws {
        let harness = try Harness()
        let (watcher, watched) = harness.session()
        let (bystander, quiet) = harness.session()
        harness.send(watcher, #"{"type":"ModifyQuerySet","baseVersion":0,"newVersion":1,"modifications":[{"type":"Add","queryId":0,"udfPath":"messages:list","args":[{}]}]}"#)
        harness.send(bystander, #"{"type":"ModifyQuerySet","baseVersion":0,"newVersion":1,"modifications":[{"type":"Add","queryId":0,"udfPath":"messages:list","args":[{"author":"x"}]},{"type":"Add","queryId":1,"udfPath":"app:secret","args":[{}]}]}"#)
        _ = harness.frames(watched, count: 1)
        _ = harness.frames(quiet, count: 1)
        // Another table: nobody wakes.
        #expect(try harness.mock.post("/api/mutation", #"{"path":"notes:add","args":{"n":1}}"#).status == 200)
        #expect(harness.frames(watched, count: 2, within: 0.3).count == 1)
        #expect(harness.frames(quiet, count: 2, within: 0.3).count == 1)
        // The table both read: both run again; only the result that changed is sent.
        #expect(try harness.mock.post("/api/mutation", #"{"path":"messages:send","args":{"body":"over HTTP"}}"#).status == 200)
        let changed = try Self.json(harness.frames(watched, count: 2)[1])
        #expect(changed["endVersion"]?["ts"] == .string(harness.timestamp))
        guard case .array(let modifications)? = changed["modifications"] else { Issue.record("no modifications"); return }
        #expect(modifications.count == 1)
        #expect(modifications.first?["value"]?[0]?["body"] == .string("over HTTP"))
        // The bystander's filtered list read that table too, so it runs again; its result is the
        // same, so its Transition (sent all the same, as the backend sends one per update)
        // carries nothing, and its other query did not run at all.
        let unchanged = try Self.json(harness.frames(quiet, count: 2)[1])
        #expect(unchanged["modifications"] == .array([]))
        #expect(unchanged["endVersion"]?["ts"] == .string(harness.timestamp))
    }

    @Test func aGetWakesOnlyForItsOwnDocument() throws {
        let harness = try Harness()
        let first = try harness.mock.post("/api/mutation", #"{"path":"messages:send","args":{"body":"a"}}"#).json["value"]?.stringValue ?? ""
        let (session, connection) = harness.session()
        harness.send(session, #"{"type":"ModifyQuerySet","baseVersion":0,"newVersion":1,"modifications":[{"type":"Add","queryId":0,"udfPath":"messages:get","args":[{"id":"\#(first)"}]}]}"#)
        _ = harness.frames(connection, count: 1)
        #expect(session.subscriptions[0]?.reads.ids.map(\.encoded) == [first])
        #expect(try harness.mock.post("/api/mutation", #"{"path":"messages:send","args":{"body":"b"}}"#).status == 200)
        #expect(harness.frames(connection, count: 2, within: 0.3).count == 1, "a write to another document woke the get")
    }

    @Test func mutationAndActionFailuresCarryTheirMessagesAndConvexErrorData() throws {
        let harness = try Harness()
        let (session, connection) = harness.session()
        harness.send(session, #"{"type":"Mutation","requestId":1,"udfPath":"app:fail","args":[{}]}"#)
        harness.send(session, #"{"type":"Action","requestId":2,"udfPath":"app:echo","args":[{"n":{"$integer":"AQAAAAAAAAA="}}]}"#)
        harness.send(session, #"{"type":"Mutation","requestId":3,"udfPath":"missing:fn","args":[{}]}"#)
        // Three answers, and Transitions after them (coalesced when they come in one turn).
        let frames = harness.frames(connection, count: 4).map { try? Self.json($0) }
        let byType = Dictionary(grouping: frames.compactMap { $0 }, by: { $0["type"]?.stringValue ?? "" })
        let responses = byType["MutationResponse"] ?? []
        #expect(responses.count == 2)
        let failed = try #require(responses.first { $0["requestId"] == .number(1) })
        #expect(failed["success"] == .bool(false))
        #expect(failed["ts"] == .null)
        #expect(failed["errorData"] == .object([("code", .number(7))]))
        #expect(failed["result"]?.stringValue?.contains("Server Error\nUncaught ConvexError: nope") == true)
        let missing = try #require(responses.first { $0["requestId"] == .number(3) })
        #expect(missing["result"]?.stringValue?.contains("Could not find public function for 'missing:fn'.") == true)
        #expect(missing["errorData"] == nil)
        let action = try #require(byType["ActionResponse"]?.first)
        #expect(action["result"] == .object([("n", .object([("$integer", .string("AQAAAAAAAAA="))]))]))
        #expect(action["ts"] == nil)
    }

    @Test func anAdminKeyReachesInternalQueriesAndTheIdentityVersionAdvances() throws {
        let harness = try Harness()
        let (session, connection) = harness.session()
        harness.send(session, #"{"type":"ModifyQuerySet","baseVersion":0,"newVersion":1,"modifications":[{"type":"Add","queryId":0,"udfPath":"app:secret","args":[{}]}]}"#)
        let before = try Self.json(harness.frames(connection, count: 1)[0])
        #expect(before["modifications"]?[0]?["type"] == .string("QueryFailed"))
        #expect(before["modifications"]?[0]?["errorMessage"]?.stringValue?.contains("Could not find public function for 'app:secret'.") == true)
        #expect(before["modifications"]?[0]?["errorData"] == nil)
        harness.send(session, #"{"type":"Authenticate","baseVersion":0,"tokenType":"Admin","value":"\#(InProcess.adminKey)"}"#)
        let after = try Self.json(try #require(harness.frames(connection, count: 2).last))
        #expect(after["endVersion"]?["identity"] == .number(1))
        #expect(after["modifications"]?[0]?["value"] == .string("s3cret"))
        harness.send(session, #"{"type":"Authenticate","baseVersion":1,"tokenType":"None"}"#)
        let cleared = try Self.json(harness.frames(connection, count: 3)[2])
        #expect(cleared["endVersion"]?["identity"] == .number(2))
        #expect(cleared["modifications"]?[0]?["type"] == .string("QueryFailed"))
    }

    @Test(arguments: [
        (#"{"type":"Authenticate","baseVersion":0,"tokenType":"Admin","value":"wrong|key"}"#,
         #"{"type":"AuthError","error":"The provided admin key was invalid for this instance","baseVersion":0,"authUpdateAttempted":true}"#),
        (#"{"type":"Authenticate","baseVersion":0,"tokenType":"User","value":"not.a.jwt"}"#,
         #"{"type":"AuthError","error":"Could not parse JWT payload. Check that the token is a valid JWT format with three base64-encoded parts separated by dots.","baseVersion":0,"authUpdateAttempted":true}"#),
    ])
    func aRejectedTokenIsAnAuthErrorThenACloseWithoutPayload(message: String, expected: String) throws {
        let harness = try Harness()
        let (session, connection) = harness.session()
        harness.send(session, message)
        #expect(connection.frames == [expected])
        #expect(connection.closed?.code == nil)
        #expect(session.isClosed)
    }

    @Test(arguments: [
        ("{", #"{"type":"FatalError","error":"Received Invalid JSON on websocket: EOF while parsing an object at line 1 column 1"}"#),
        (#"{"type":"Bogus"}"#, #"{"type":"FatalError","error":"Received Invalid JSON on websocket: unknown variant `Bogus`, expected one of `Connect`, `ModifyQuerySet`, `Mutation`, `Action`, `Authenticate`, `Event`"}"#),
        (#"{"type":"Mutation","udfPath":"a:b","args":[{}]}"#, #"{"type":"FatalError","error":"Received Invalid JSON on websocket: missing field `requestId`"}"#),
        (#"{"type":"ModifyQuerySet","baseVersion":3,"newVersion":4,"modifications":[]}"#, #"{"type":"FatalError","error":"Base version 3 passed up doesn't match the current version 0"}"#),
    ])
    func badRequestsAreAFatalErrorThenACloseWithoutPayload(message: String, expected: String) throws {
        let harness = try Harness()
        let (session, connection) = harness.session()
        harness.send(session, message)
        #expect(connection.frames == [expected])
        #expect(connection.closed?.code == nil)
        #expect(session.isClosed)
    }

    @Test(arguments: [
        #"{"type":"ModifyQuerySet","baseVersion":0,"newVersion":0,"modifications":[]}"#,
        #"{"type":"ModifyQuerySet","baseVersion":0,"newVersion":1,"modifications":[{"type":"Remove","queryId":9}]}"#,
        #"{"type":"ModifyQuerySet","baseVersion":0,"newVersion":1,"modifications":[{"type":"Add","queryId":1,"udfPath":"a:b","args":[{}]},{"type":"Add","queryId":1,"udfPath":"a:b","args":[{}]}]}"#,
        #"{"type":"Authenticate","baseVersion":5,"tokenType":"None"}"#,
    ])
    func inconsistentRequestsCloseWith1011(message: String) throws {
        let harness = try Harness()
        let (session, connection) = harness.session()
        harness.send(session, message)
        #expect(connection.frames.isEmpty)
        #expect(connection.closed?.code == 1011)
        #expect(connection.closed?.reason == "InternalServerError")
        #expect(session.isClosed)
    }

    @Test func aBinaryFrameClosesWith1011() throws {
        let harness = try Harness()
        let (session, connection) = harness.session()
        session.receivedBinary()
        #expect(connection.closed?.code == 1011)
    }

    @Test func keepAlivesPingEveryTickAndSendAJSONPingAfterQuiet() throws {
        let harness = try Harness()
        let (session, connection) = harness.session()
        session.keepAlive(now: session.lastSentAt + 1_000_000_000)
        #expect(connection.pings == 1)
        #expect(connection.frames.isEmpty)
        session.keepAlive(now: session.lastSentAt + 15_000_000_000)
        #expect(connection.pings == 2)
        #expect(connection.frames == [#"{"type":"Ping"}"#])
    }

    /// The session id is a UUID, as the backend parses it: any spelling of the same one is the
    /// same session.
    @Test(arguments: ["6ba7b810-9dad-11d1-80b4-00c04fd430c8", "6BA7B810-9DAD-11D1-80B4-00C04FD430C8",
                      "6ba7b8109dad11d180b400c04fd430c8", "{6ba7b810-9dad-11d1-80b4-00c04fd430c8}"])
    func aResentMutationOfTheSameSessionRunsOnce(resentAs spelling: String) throws {
        let harness = try Harness()
        let connect = #"{"type":"Connect","sessionId":"6ba7b810-9dad-11d1-80b4-00c04fd430c8","connectionCount":0,"clientTs":0}"#
        let mutation = #"{"type":"Mutation","requestId":0,"udfPath":"messages:send","args":[{"body":"once"}]}"#
        let (first, firstConnection) = harness.session()
        harness.send(first, connect)
        harness.send(first, mutation)
        let answered = try Self.json(harness.frames(firstConnection, count: 2)[0])
        // The JS client reconnects with the same session id and re-sends what it did not see resolved.
        let (second, secondConnection) = harness.session()
        harness.send(second, #"{"type":"Connect","sessionId":"\#(spelling)","connectionCount":1,"clientTs":0}"#)
        harness.send(second, mutation)
        let again = try Self.json(harness.frames(secondConnection, count: 2)[0])
        #expect(again["result"] == answered["result"])
        #expect(harness.mock.deployment.withStore { $0.count("messages") } == 1)
    }

    /// A client that has not read what it was sent gets no more Transitions until it has;
    /// then one Transition carries everything since, chained from the last one sent.
    @Test func aSlowReaderGetsOneTransitionWithEverythingOnceItHasRead() throws {
        let harness = try Harness()
        let (session, connection) = harness.session()
        harness.send(session, #"{"type":"ModifyQuerySet","baseVersion":0,"newVersion":1,"modifications":[{"type":"Add","queryId":0,"udfPath":"messages:list","args":[{}]}]}"#)
        let first = try Self.json(try #require(harness.frames(connection, count: 1).first))
        connection.bufferedOutputBytes = SyncSession.heldOutputBytes + 1
        for body in ["one", "two", "three"] {
            #expect(try harness.mock.post("/api/mutation", #"{"path":"messages:send","args":{"body":"\#(body)"}}"#).status == 200)
        }
        #expect(harness.frames(connection, count: 2, within: 0.3).count == 1, "a Transition went to a client that had not read")
        #expect(connection.drainNoticesAsked == 1)
        connection.bufferedOutputBytes = 0
        session.outputDrained()
        let frames = harness.frames(connection, count: 2)
        #expect(frames.count == 2)
        let merged = try Self.json(try #require(frames.last))
        #expect(merged["startVersion"] == first["endVersion"])
        #expect(merged["endVersion"]?["ts"] == .string(harness.timestamp))
        guard case .array(let rows)? = merged["modifications"]?[0]?["value"] else { Issue.record("no value: \(frames)"); return }
        #expect(rows.map { $0["body"] } == [.string("one"), .string("two"), .string("three")])
        #expect(harness.frames(connection, count: 3, within: 0.3).count == 2)
    }

    /// One that reads nothing at all is closed once its held Transition has waited its bound.
    @Test func aClientThatNeverReadsIsClosedWith1008() throws {
        let harness = try Harness()
        let (session, connection) = harness.session()
        session.heldOutputTimeout = .milliseconds(100)
        harness.send(session, #"{"type":"ModifyQuerySet","baseVersion":0,"newVersion":1,"modifications":[{"type":"Add","queryId":0,"udfPath":"messages:list","args":[{}]}]}"#)
        _ = harness.frames(connection, count: 1)
        connection.bufferedOutputBytes = SyncSession.heldOutputBytes + 1
        #expect(try harness.mock.post("/api/mutation", #"{"path":"messages:send","args":{"body":"unread"}}"#).status == 200)
        let deadline = Date().addingTimeInterval(5)
        while connection.closed == nil && Date() < deadline { _ = harness.frames(connection, count: 2, within: 0.05) }
        #expect(connection.closed?.code == 1008)
        #expect(connection.closed?.reason == "the client does not read what it is sent")
        #expect(session.isClosed)
        #expect(connection.frames.count == 1)
    }

    @Test func sessionsAskingTheSameQuestionShareOneRunAndTheirFramesAgree() throws {
        let harness = try Harness()
        let add = #"{"type":"ModifyQuerySet","baseVersion":0,"newVersion":1,"modifications":[{"type":"Add","queryId":0,"udfPath":"messages:list","args":[{}]},{"type":"Add","queryId":1,"udfPath":"app:secret","args":[{}]}]}"#
        let (first, firstConnection) = harness.session()
        let (second, secondConnection) = harness.session()
        let (admin, adminConnection) = harness.session()
        harness.send(admin, #"{"type":"Authenticate","baseVersion":0,"tokenType":"Admin","value":"\#(InProcess.adminKey)"}"#)
        for session in [first, second, admin] { harness.send(session, add) }
        for connection in [firstConnection, secondConnection, adminConnection] { _ = harness.frames(connection, count: 1) }
        #expect(try harness.mock.post("/api/mutation", #"{"path":"messages:send","args":{"body":"shared"}}"#).status == 200)
        let frames = [firstConnection, secondConnection, adminConnection].map { harness.frames($0, count: 2).last ?? "" }
        // One run of the list for the three sessions (their snapshot and arguments agree)...
        let answer = try #require(first.subscriptions[0]?.lastAnswer)
        #expect(second.subscriptions[0]?.lastAnswer === answer)
        // (An identity asks its own questions, even of a query that does not look at it.)
        #expect(admin.subscriptions[0]?.lastAnswer !== answer)
        #expect(admin.subscriptions[0]?.lastAnswer?.outcome == answer.outcome)
        #expect(frames.allSatisfy { $0.contains(#","modifications":[{"type":"QueryUpdated","queryId":0,"value":[{"#) })
        // ...but not of the internal query across identities: the anonymous sessions were
        // refused, the admin's answered, at the same snapshot.
        #expect(first.subscriptions[1]?.lastAnswer === second.subscriptions[1]?.lastAnswer)
        #expect(first.subscriptions[1]?.lastAnswer !== admin.subscriptions[1]?.lastAnswer)
        #expect(admin.subscriptions[1]?.lastAnswer?.outcome.result == .success(.string("s3cret")))
    }

    @Test func aQueryFailedFrameIsWrittenExactly() throws {
        let harness = try Harness()
        let (session, connection) = harness.session()
        harness.send(session, #"{"type":"ModifyQuerySet","baseVersion":0,"newVersion":1,"modifications":[{"type":"Add","queryId":4,"udfPath":"app:refuse","args":[{}],"journal":"j1"}]}"#)
        let frame = try #require(harness.frames(connection, count: 1).first)
        let modifications = try #require(frame.firstRange(of: #","modifications":"#).map { frame[$0.upperBound...] })
        #expect(modifications.replacing(/\[Request ID: [0-9a-f]{16}\]/, with: "[Request ID: X]").hasPrefix(
            #"[{"type":"QueryFailed","queryId":4,"errorMessage":"[Request ID: X] Server Error\nUncaught ConvexError: no\n    at handler (../convex/app.ts:1:1)\n","errorData":{"code":9.0},"logLines":["[LOG] 'refusing'"],"journal":"j1"}],"clientClockSkew":null,"serverTs":"#))
    }

    @Test func aRedeclaredFunctionAnswersAnewEvenWithoutACommit() throws {
        let harness = try Harness()
        let control = ControlAPI(deployment: harness.mock.deployment, options: ControlAPI.Options())
        let handler = ObservedHandler(harness.mock.admin, control: control, routes: ControlRoutes(control: control, loop: harness.mock.loop),
                                      listener: "admin")
        func declare(_ body: String) throws {
            let request = HTTPRequest(method: .PUT, uri: "/_mock/functions/app:version", headers: [:], body: Array(body.utf8), listener: "admin")
            let declared = try harness.mock.send(request, to: handler)
            #expect(declared.status == 200, "\(declared.bodyText)")
        }
        try declare(#"{"type": "query", "returns": 1}"#)
        let (session, connection) = harness.session()
        harness.send(session, #"{"type":"ModifyQuerySet","baseVersion":0,"newVersion":1,"modifications":[{"type":"Add","queryId":0,"udfPath":"app:version","args":[{}]}]}"#)
        let first = try #require(harness.frames(connection, count: 1).first)
        #expect(try Self.json(first)["modifications"]?[0]?["value"] == .number(1), "\(first)")
        let before = harness.mock.deployment.latestTimestamp
        try declare(#"{"type": "query", "returns": 2}"#)
        let after = try Self.json(try #require(harness.frames(connection, count: 2).last))
        #expect(after["modifications"]?[0]?["value"] == .number(2))
        // Had the redeclaration committed, the new timestamp alone would have told the answers apart.
        #expect(harness.mock.deployment.latestTimestamp == before)
    }
}

extension JSON {
    /// An array's element, for reading frames in tests.
    subscript(_ index: Int) -> JSON? {
        guard case .array(let items) = self, items.indices.contains(index) else { return nil }
        return items[index]
    }
}
