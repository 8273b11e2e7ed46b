import Foundation
import Testing
import TestSupport

/// Every client message type against the real binary over a raw WebSocket, and the exact frames
/// the server answers (sync-protocol.md §3, §5): Transitions chained from zero, QueryUpdated,
/// QueryFailed (errorData only for a ConvexError), QueryRemoved, MutationResponse then its
/// Transition, ActionResponse, AuthError and FatalError each followed by a Close without
/// payload, 1011 closes, and keep-alives. Only ids, timestamps and request ids are matched
/// loosely (`Wire`); everything else is compared as text.
@Suite(.timeLimit(.minutes(2))) struct SyncMessageWireTests {
    static let seeded = #"[{"_creationTime":{time},"_id":"{id}","author":"ada","body":"seeded"}]"#
    static let version = Wire.updated(1, #""1.2.3""#, logLines: #""[LOG] 'serving version'""#)
    static let serverError = #"[Request ID: {requestId}] Server Error\n"#

    @Test func queriesAddedAndRemovedAreAnsweredWithChainedTransitions() throws {
        let server = try SyncWireServer()
        let client = try server.client()
        try client.send(SyncWireClient.connect())
        try client.send(#"{"type":"ModifyQuerySet","baseVersion":0,"newVersion":1,"modifications":[{"type":"Add","queryId":0,"udfPath":"messages:list","args":[{}]},{"type":"Add","queryId":1,"udfPath":"app:version","args":[{}]},{"type":"Add","queryId":2,"udfPath":"app:boom","args":[{}]},{"type":"Add","queryId":3,"udfPath":"app:refuse","args":[{}]}]}"#)
        // Every Add answers; the plain failure has no errorData, the ConvexError has its data.
        let first = try client.expectText(Wire.transition(from: (0, 0, Wire.zero), to: (1, 0, Wire.ts), [
            Wire.updated(0, Self.seeded), Self.version,
            #"{"type":"QueryFailed","queryId":2,"errorMessage":"\#(Self.serverError)Uncaught Error: boom\n    at handler (../convex/app.ts:1:1)\n","logLines":[],"journal":null}"#,
            #"{"type":"QueryFailed","queryId":3,"errorMessage":"\#(Self.serverError)Uncaught ConvexError: refused\n    at handler (../convex/app.ts:1:1)\n","errorData":{"why":"test"},"logLines":[],"journal":null}"#,
        ].joined(separator: ",")))
        let ts = first[0]
        #expect(ts != Wire.zero)
        // clientTs 0: the skew is minus the server's clock in milliseconds.
        let skew = try #require(Int64(first[first.count - 2]))
        #expect(abs(skew + Int64(Date().timeIntervalSince1970 * 1000)) < 60_000)
        let skewText = String(skew)

        // A Remove: QueryRemoved, from the version just sent; nothing was written, so the
        // timestamp stays.
        try client.send(#"{"type":"ModifyQuerySet","baseVersion":1,"newVersion":2,"modifications":[{"type":"Remove","queryId":2}]}"#)
        try client.expectText(Wire.transition(from: (1, 0, ts), to: (2, 0, ts), #"{"type":"QueryRemoved","queryId":2}"#, skew: skewText))

        // Two ModifyQuerySets in one write are one update: the version jumps by two.
        try client.socket.connection.write(
            WebSocketClient.encode(.init(.text, Array(#"{"type":"ModifyQuerySet","baseVersion":2,"newVersion":3,"modifications":[{"type":"Remove","queryId":3}]}"#.utf8)))
                + WebSocketClient.encode(.init(.text, Array(#"{"type":"ModifyQuerySet","baseVersion":3,"newVersion":4,"modifications":[{"type":"Add","queryId":4,"udfPath":"app:version","args":[{}]}]}"#.utf8))))
        try client.expectText(Wire.transition(from: (2, 0, ts), to: (4, 0, ts),
                                              #"{"type":"QueryRemoved","queryId":3},"# + Wire.updated(4, #""1.2.3""#, logLines: #""[LOG] 'serving version'""#),
                                              skew: skewText))
        // An empty ModifyQuerySet (the JS client's first) is answered with an empty Transition.
        try client.send(#"{"type":"ModifyQuerySet","baseVersion":4,"newVersion":5,"modifications":[]}"#)
        try client.expectText(Wire.transition(from: (4, 0, ts), to: (5, 0, ts), skew: skewText))
        try client.close()
    }

    @Test func aMutationIsAnsweredThenItsTransitionAtItsCommit() throws {
        let server = try SyncWireServer()
        let client = try server.client()
        try client.send(SyncWireClient.addQuery(base: 0, queryId: 0, path: "messages:list"))
        let ts = try client.expectText(Wire.transition(from: (0, 0, Wire.zero), to: (1, 0, Wire.ts), Wire.updated(0, Self.seeded), skew: "null"))[0]

        try client.send(SyncWireClient.mutation(0, "messages:send", #"{"body":"hi"}"#))
        let response = try client.expectText(#"{"type":"MutationResponse","requestId":0,"success":true,"result":"{id}","ts":"{ts}","logLines":[]}"#)
        let (id, commit) = (response[0], response[1])
        #expect(commit != ts)
        // The Transition the clients wait for ends at the commit and carries the changed query.
        let inserted = #"[{"_creationTime":{time},"_id":"{id}","author":"ada","body":"seeded"},{"_creationTime":{time},"_id":"\#(id)","body":"hi"}]"#
        try client.expectText(Wire.transition(from: (1, 0, ts), to: (1, 0, commit), Wire.updated(0, inserted), skew: "null"))

        // A ConvexError: no ts, its data; the Transition after it carries nothing.
        try client.send(SyncWireClient.mutation(1, "app:fail"))
        try client.expectText(#"{"type":"MutationResponse","requestId":1,"success":false,"result":"\#(Self.serverError)Uncaught ConvexError: boom\n    at handler (../convex/app.ts:1:1)\n","errorData":{"code":42.0},"ts":null,"logLines":[]}"#)
        try client.expectText(Wire.transition(from: (1, 0, commit), to: (1, 0, commit), skew: "null"))
        // A missing function: a plain error, no errorData.
        try client.send(SyncWireClient.mutation(2, "nothing:here"))
        try client.expectText(#"{"type":"MutationResponse","requestId":2,"success":false,"result":"\#(Self.serverError)Could not find public function for 'nothing:here'.\n","ts":null,"logLines":[]}"#)
        try client.expectText(Wire.transition(from: (1, 0, commit), to: (1, 0, commit), skew: "null"))
        try client.close()
    }

    @Test func mutationsOfOneSessionAreAppliedInTheOrderSent() throws {
        let server = try SyncWireServer()
        let client = try server.client()
        // Ten in one write: each answered in turn; the Transitions between them may coalesce.
        try client.socket.connection.write(Array((0..<10).map {
            WebSocketClient.encode(.init(.text, Array(SyncWireClient.mutation($0, "messages:send", #"{"body":"m\#($0)"}"#).utf8)))
        }.joined()))
        var answered: [Int] = []
        var last: UInt64 = 0
        while answered.count < 10 {
            let text = try client.nextText()
            if let response = Wire.match(text, #"{"type":"MutationResponse","requestId":{int},"success":true,"result":"{id}","ts":"{ts}","logLines":[]}"#) {
                answered.append(Int(response[0]) ?? -1)
                let commit = try #require(Wire.timestamp(response[2]))
                #expect(commit > last, "commit timestamps do not increase")
                last = commit
            } else {
                #expect(Wire.match(text, Wire.transition(from: (0, 0, Wire.ts), to: (0, 0, Wire.ts), skew: "null")) != nil, "\(text)")
            }
        }
        #expect(answered == Array(0..<10))
        let listed = try server.call("POST", "/api/query", json: #"{"path":"messages:list","args":{}}"#)
        #expect(listed.text.components(separatedBy: #""body":"m"#).count == 11)
        #expect((0..<9).allSatisfy { listed.text.range(of: #""m\#($0)""#)!.lowerBound < listed.text.range(of: #""m\#($0 + 1)""#)!.lowerBound })
    }

    @Test func actionsAreAnsweredThenATransition() throws {
        let server = try SyncWireServer()
        let client = try server.client()
        try client.send(#"{"type":"Action","requestId":0,"udfPath":"app:echo","args":[{"n":{"$integer":"AQAAAAAAAAA="},"x":1}]}"#)
        try client.expectText(#"{"type":"ActionResponse","requestId":0,"success":true,"result":{"n":{"$integer":"AQAAAAAAAAA="},"x":1.0},"logLines":[]}"#)
        let ts = try client.expectText(Wire.transition(from: (0, 0, Wire.zero), to: (0, 0, Wire.ts), skew: "null"))[0]
        try client.send(#"{"type":"Action","requestId":1,"udfPath":"app:failAction","args":[{}]}"#)
        try client.expectText(#"{"type":"ActionResponse","requestId":1,"success":false,"result":"\#(Self.serverError)Uncaught Error: action boom\n    at handler (../convex/app.ts:1:1)\n","logLines":[]}"#)
        try client.expectText(Wire.transition(from: (0, 0, ts), to: (0, 0, ts), skew: "null"))
        try client.close()
    }

    @Test func authenticateAdvancesTheIdentityAndRerunsEveryQuery() throws {
        let server = try SyncWireServer()
        let client = try server.client()
        try client.send(SyncWireClient.addQuery(base: 0, queryId: 0, path: "app:secret"))
        let missing = #"{"type":"QueryFailed","queryId":0,"errorMessage":"\#(Self.serverError)Could not find public function for 'app:secret'.\n","logLines":[],"journal":null}"#
        let ts = try client.expectText(Wire.transition(from: (0, 0, Wire.zero), to: (1, 0, Wire.ts), missing, skew: "null"))[0]
        try client.send(#"{"type":"Authenticate","baseVersion":0,"tokenType":"Admin","value":"\#(SyncWireServer.adminKey)"}"#)
        try client.expectText(Wire.transition(from: (1, 0, ts), to: (1, 1, ts), Wire.updated(0, #""s3cret""#), skew: "null"))
        try client.send(#"{"type":"Authenticate","baseVersion":1,"tokenType":"None"}"#)
        try client.expectText(Wire.transition(from: (1, 1, ts), to: (1, 2, ts), missing, skew: "null"))
        // No auth provider is configured: a user token is refused, then a Close without payload.
        try client.send(#"{"type":"Authenticate","baseVersion":2,"tokenType":"User","value":"not.a.jwt"}"#)
        try client.expectText(#"{"type":"AuthError","error":"Could not parse JWT payload. Check that the token is a valid JWT format with three base64-encoded parts separated by dots.","baseVersion":2,"authUpdateAttempted":true}"#)
        try client.expectClose(code: nil)
    }

    @Test func aWrongAdminKeyIsAnAuthErrorThenACloseWithoutPayload() throws {
        let server = try SyncWireServer()
        let client = try server.client()
        try client.send(#"{"type":"Authenticate","baseVersion":0,"tokenType":"Admin","value":"convex-self-hosted|01\#(String(repeating: "cd", count: 36))"}"#)
        try client.expectText(#"{"type":"AuthError","error":"The provided admin key was invalid for this instance","baseVersion":0,"authUpdateAttempted":true}"#)
        try client.expectClose(code: nil)
    }

    static let fatalErrors: [(String, String)] = [
        ("{", "EOF while parsing an object at line 1 column 1"),
        ("[1]", "invalid type: sequence, expected struct ClientMessageJson"),
        (#"{"type":"Bogus"}"#, "unknown variant `Bogus`, expected one of `Connect`, `ModifyQuerySet`, `Mutation`, `Action`, `Authenticate`, `Event`"),
        (#"{"type":"Mutation","udfPath":"a:b","args":[{}]}"#, "missing field `requestId`"),
        (#"{"type":"Mutation","requestId":1.5,"udfPath":"a:b","args":[{}]}"#, "invalid type: floating point `1.5`, expected u32"),
        (#"{"type":"Mutation","requestId":-1,"udfPath":"a:b","args":[{}]}"#, "invalid type: integer `-1`, expected u32"),
        (#"{"type":"Connect","sessionId":"nope","connectionCount":0}"#, "invalid length: expected length 32 for simple format, found 4"),
        (#"{"type":"Authenticate","baseVersion":0,"tokenType":"Magic"}"#, "unknown variant `Magic`, expected one of `Admin`, `User`, `None`"),
    ]

    @Test(arguments: fatalErrors)
    func aMalformedMessageIsAFatalErrorThenACloseWithoutPayload(message: String, reason: String) throws {
        let server = try SyncWireServer()
        let client = try server.client()
        try client.send(message)
        let escaped = reason.replacingOccurrences(of: "\"", with: "\\\"")
        try client.expectText(#"{"type":"FatalError","error":"Received Invalid JSON on websocket: \#(escaped)"}"#)
        try client.expectClose(code: nil)
    }

    @Test func aQuerySetVersionMismatchIsAFatalError() throws {
        let server = try SyncWireServer()
        let client = try server.client()
        try client.send(SyncWireClient.addQuery(base: 0, queryId: 0, path: "app:version"))
        try client.expectText(Wire.transition(from: (0, 0, Wire.zero), to: (1, 0, Wire.ts), Wire.updated(0, #""1.2.3""#, logLines: #""[LOG] 'serving version'""#), skew: "null"))
        try client.send(#"{"type":"ModifyQuerySet","baseVersion":3,"newVersion":4,"modifications":[]}"#)
        try client.expectText(#"{"type":"FatalError","error":"Base version 3 passed up doesn't match the current version 1"}"#)
        try client.expectClose(code: nil)
    }

    static let internalErrors = [
        #"{"type":"ModifyQuerySet","baseVersion":0,"newVersion":0,"modifications":[]}"#,
        #"{"type":"ModifyQuerySet","baseVersion":0,"newVersion":1,"modifications":[{"type":"Remove","queryId":9}]}"#,
        #"{"type":"ModifyQuerySet","baseVersion":0,"newVersion":1,"modifications":[{"type":"Add","queryId":1,"udfPath":"a:b","args":[{}]},{"type":"Add","queryId":1,"udfPath":"a:b","args":[{}]}]}"#,
        #"{"type":"Authenticate","baseVersion":5,"tokenType":"None"}"#,
    ]

    @Test(arguments: internalErrors)
    func anInconsistentMessageClosesWith1011(message: String) throws {
        let server = try SyncWireServer()
        let client = try server.client()
        try client.send(message)
        try client.expectClose(code: 1011, reason: "InternalServerError")
    }

    @Test func aBinaryFrameClosesWith1011() throws {
        let server = try SyncWireServer()
        let client = try server.client()
        try client.socket.send(.init(.binary, Array(SyncWireClient.connect().utf8)))
        try client.expectClose(code: 1011, reason: "InternalServerError")
    }

    @Test func anEventIsNotAnswered() throws {
        let server = try SyncWireServer()
        let client = try server.client()
        try client.send(#"{"type":"Event","eventType":"ClientConnect","event":{"anything":[1,2]}}"#)
        // The next frame is the answer to the next message: the Event had none.
        try client.send(SyncWireClient.addQuery(base: 0, queryId: 0, path: "app:version"))
        try client.expectText(Wire.transition(from: (0, 0, Wire.zero), to: (1, 0, Wire.ts), Wire.updated(0, #""1.2.3""#, logLines: #""[LOG] 'serving version'""#), skew: "null"))
        try client.close()
    }

    @Test func aCommitElsewhereWakesOnlyTheSessionsThatReadWhatItWrote() throws {
        let server = try SyncWireServer()
        let watcher = try server.client()
        let other = try server.client()
        try watcher.send(SyncWireClient.addQuery(base: 0, queryId: 0, path: "messages:list"))
        let ts = try watcher.expectText(Wire.transition(from: (0, 0, Wire.zero), to: (1, 0, Wire.ts), Wire.updated(0, Self.seeded), skew: "null"))[0]
        try other.send(SyncWireClient.addQuery(base: 0, queryId: 7, path: "big:list"))
        let otherTs = try other.expectText(Wire.transition(from: (0, 0, Wire.zero), to: (1, 0, Wire.ts), Wire.updated(7, "[]"), skew: "null"))[0]

        #expect(try server.call("POST", "/api/mutation", json: #"{"path":"messages:send","args":{"body":"over HTTP"}}"#).status == 200)
        let changed = #"[{"_creationTime":{time},"_id":"{id}","author":"ada","body":"seeded"},{"_creationTime":{time},"_id":"{id}","body":"over HTTP"}]"#
        try watcher.expectText(Wire.transition(from: (1, 0, ts), to: (1, 0, Wire.ts), Wire.updated(0, changed), skew: "null"))
        // The other session read another table: the first frame it gets is for its own write.
        #expect(try server.call("POST", "/api/mutation", json: #"{"path":"big:add","args":{"n":1}}"#).status == 200)
        let big = #"[{"_creationTime":{time},"_id":"{id}","n":1.0}]"#
        let next = try other.expectText(Wire.transition(from: (1, 0, otherTs), to: (1, 0, Wire.ts), Wire.updated(7, big), skew: "null"))
        #expect(try #require(Wire.timestamp(next[0])) > (try #require(Wire.timestamp(otherTs))))
        try watcher.close()
        try other.close()
    }

    @Test(.timeLimit(.minutes(1))) func aQuietSessionGetsWebSocketPingsThenAJSONPing() async throws {
        let server = try SyncWireServer()
        let client = try server.client()
        try client.send(SyncWireClient.connect())
        let connected = Date()
        // The JSON Ping comes after 15 s without a message, on a 5 s tick: by 25 s at most.
        let (frame, arrived) = try await client.nextFrame(within: 45)
        #expect(frame == .init(.text, Array(#"{"type":"Ping"}"#.utf8)))
        let waited = arrived.timeIntervalSince(connected)
        // Not before 15 s of quiet; by 25 s on an idle machine, later when this process is busy.
        #expect(waited >= 14.5 && waited < 40, "the JSON Ping came after \(waited) s")
        // WebSocket pings every 5 s came before it, and were answered.
        #expect(client.pingsAnswered >= 2)
        try client.close()
    }
}
