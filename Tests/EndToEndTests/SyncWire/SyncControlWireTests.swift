import Foundation
import Testing
import TestSupport

/// The control API's view of sync sessions, against the real binary with raw clients:
/// `GET /_mock/sync` (exact JSON), `DELETE /_mock/sync[/{id}]` and the Close each client sees,
/// the journal's sync entries and `kind` filter, and every sync fault kind with its matching,
/// `times`, `probability` and `seed`.
@Suite(.timeLimit(.minutes(2))) struct SyncControlWireTests {
    static let versionAnswer = SyncBadInputCase.versionAnswer

    /// A session that sent `Connect` (connection 2) and one query on the npm path.
    private static func knownSession(_ server: SyncWireServer) throws -> (SyncWireClient, String) {
        let client = try server.client(path: "/api/1.45.0/sync")
        try client.send(#"{"type":"Connect","sessionId":"\#(SyncWireClient.sessionId)","connectionCount":2,"lastCloseReason":"InitialConnect","clientTs":0}"#)
        try client.send(#"{"type":"ModifyQuerySet","baseVersion":0,"newVersion":1,"modifications":[{"type":"Add","queryId":0,"udfPath":"messages.js:list","args":[{"author":"ada"}]}]}"#)
        let ts = try client.expectText(Wire.transition(from: (0, 0, Wire.zero), to: (1, 0, Wire.ts), Wire.updated(0, SyncMessageWireTests.seeded)))[0]
        return (client, ts)
    }

    @Test func theSessionsAreListedExactly() throws {
        let server = try SyncWireServer()
        #expect(try server.call("GET", "/_mock/sync").text == #"{"sessions":[]}"#)
        let (known, ts) = try Self.knownSession(server)
        // A Python client authenticated as admin that has sent nothing else: no Connect yet.
        let python = try server.client(headers: [("Convex-Client", "python-0.8.1")])
        try python.send(#"{"type":"Authenticate","baseVersion":0,"tokenType":"Admin","value":"\#(SyncWireServer.adminKey)"}"#)
        let pythonTs = try python.expectText(Wire.transition(from: (0, 0, Wire.zero), to: (0, 1, Wire.ts), skew: "null"))[0]

        let listed = try server.call("GET", "/_mock/sync")
        #expect(listed.status == 200)
        #expect(listed.header("Content-Type") == "application/json")
        #expect(listed.text == #"{"sessions":[{"id":1,"sessionId":"\#(SyncWireClient.sessionId)","connectionCount":2,"clientVersion":"npm-1.45.0","identity":"anonymous","version":{"querySet":1,"identity":0,"ts":"\#(ts)"},"queries":[{"queryId":0,"udfPath":"messages:list","args":[{"author":"ada"}]}],"messagesIn":2,"messagesOut":1},{"id":2,"sessionId":null,"connectionCount":null,"clientVersion":"python-0.8.1","identity":"admin","version":{"querySet":0,"identity":1,"ts":"\#(pythonTs)"},"queries":[],"messagesIn":1,"messagesOut":1}]}"#)
        // Gone from the list once closed.
        try known.close()
        try python.close()
        #expect(try Self.waitUntil { try server.call("GET", "/_mock/sync").text == #"{"sessions":[]}"# })
    }

    @Test func deletingSessionsClosesThemWithTheChosenFrame() throws {
        let server = try SyncWireServer()
        let (first, _) = try Self.knownSession(server)
        let second = try server.client()
        let third = try server.client()
        // The sessions are registered once their sockets open: a message answered shows it.
        for client in [second, third] {
            try client.send(SyncBadInputCase.versionQuery)
            try client.expectText(Self.versionAnswer)
        }
        // One, with no code: a Close without payload.
        let one = try server.call("DELETE", "/_mock/sync/1")
        #expect(one.status == 200)
        #expect(one.text == #"{"dropped":1}"#)
        try first.expectClose(code: nil)
        // The rest, with a code and a reason.
        let rest = try server.call("DELETE", "/_mock/sync?code=4000&reason=go%20away")
        #expect(rest.text == #"{"dropped":2}"#)
        try second.expectClose(code: 4000, reason: "go away")
        try third.expectClose(code: 4000, reason: "go away")
        #expect(try Self.waitUntil { try server.call("GET", "/_mock/sync").text == #"{"sessions":[]}"# })

        // Mistakes are named.
        let errors: [(String, Int, String)] = [
            ("/_mock/sync/1", 404, #"{"code":"UnknownSyncSession","message":"There is no sync session 1; GET /_mock/sync lists them"}"#),
            ("/_mock/sync/abc", 404, #"{"code":"UnknownSyncSession","message":"There is no sync session abc; GET /_mock/sync lists them"}"#),
            ("/_mock/sync?code=999", 400, #"{"code":"InvalidCloseFrame","message":"code must be a close code a server may send (1000 to 1003, 1007 to 1014 or 3000 to 4999), got \"999\""}"#),
            ("/_mock/sync?code=1005", 400, #"{"code":"InvalidCloseFrame","message":"code must be a close code a server may send (1000 to 1003, 1007 to 1014 or 3000 to 4999), got \"1005\""}"#),
            ("/_mock/sync?reason=x", 400, #"{"code":"InvalidCloseFrame","message":"a reason needs a code; give one a server may send (1000 to 1003, 1007 to 1014 or 3000 to 4999)"}"#),
            ("/_mock/sync?code=4000&reason=\(String(repeating: "r", count: 124))", 400, #"{"code":"InvalidCloseFrame","message":"reason is at most 123 bytes, got 124"}"#),
        ]
        for (target, status, body) in errors {
            let answer = try server.call("DELETE", target)
            #expect(answer.status == status, "\(target)")
            #expect(answer.text == body, "\(target)")
        }
        #expect(try server.call("DELETE", "/_mock/sync").text == #"{"dropped":0}"#)
    }

    @Test func theJournalRecordsSyncMessagesAndFiltersByKind() throws {
        let server = try SyncWireServer()
        let (client, ts) = try Self.knownSession(server)
        let journal = try server.call("GET", "/_mock/requests?kind=sync")
        #expect(journal.status == 200)
        let entry = #"{"sequence":{int},"time":{time},"kind":"sync","listener":"admin","session":1,"#
        let connect = #"{"type":"Connect","sessionId":"\#(SyncWireClient.sessionId)","connectionCount":2,"lastCloseReason":"InitialConnect","clientTs":0}"#
        let query = #"{"type":"ModifyQuerySet","baseVersion":0,"newVersion":1,"modifications":[{"type":"Add","queryId":0,"udfPath":"messages.js:list","args":[{"author":"ada"}]}]}"#
        // JSON text inside a JSON string.
        func quoted(_ text: String) -> String { text.replacingOccurrences(of: "\"", with: "\\\"") }
        let entries = [
            entry + #""direction":"out","messageType":"Transition","path":"/api/1.45.0/sync","size":{int},"preview":"{\"type\":\"Transition\",\"startVersion\":{\"querySet\":0,\"identity\":0,\"ts\":\"AAAAAAAAAAA=\"},\"endVersion\":{\"querySet\":1,\"identity\":0,\"ts\":\"\#(ts)\"},\"modifications\":[{\"type\":\"QueryUpdated\",\"queryId\":0,\"value\":[{\"_creationTime\":{time},\"_id\":\"{id}\",\"author\":\"ada\",\"body\":\"seeded\"}],\"logLines\":[],\"journal\":null}],\"clientClockSkew\":{int},\"serverTs\":{serverTs}}"}"#,
            entry + #""direction":"in","messageType":"ModifyQuerySet","path":"/api/1.45.0/sync","size":\#(query.utf8.count),"preview":"\#(quoted(query))"}"#,
            entry + #""direction":"in","messageType":"Connect","path":"/api/1.45.0/sync","size":\#(connect.utf8.count),"preview":"\#(quoted(connect))"}"#,
        ]
        #expect(Wire.match(journal.text, #"{"capacity":1000,"requests":["# + entries.joined(separator: ",") + "]}") != nil, "\(journal.text)")
        // The upgrade request is an HTTP entry: the 101.
        let http = try server.call("GET", "/_mock/requests?kind=http")
        #expect(http.text.contains(#""kind":"http","listener":"admin","method":"GET","path":"/api/1.45.0/sync""#), "\(http.text)")
        #expect(http.text.contains(#""status":101"#), "\(http.text)")
        #expect(!http.text.contains(#""kind":"sync""#))
        // Filters combine; a misspelt kind is refused.
        #expect(try server.call("GET", "/_mock/requests?kind=sync&listener=port80").text == #"{"capacity":1000,"requests":[]}"#)
        let invalid = try server.call("GET", "/_mock/requests?kind=websocket")
        #expect(invalid.status == 400)
        #expect(invalid.text == #"{"code":"InvalidFilter","message":"kind must be http or sync, got \"websocket\""}"#)
        try client.close()
    }

    /// Adds `json` as a fault and requires the 201.
    private static func addFault(_ server: SyncWireServer, _ json: String) throws {
        let added = try server.call("POST", "/_mock/faults", json: json)
        try #require(added.status == 201, "\(added.text)")
    }

    @Test func syncDropClosesTheSessionWithItsCodeOrWithoutPayload() throws {
        let server = try SyncWireServer()
        try Self.addFault(server, #"{"kind":"syncDrop","messageType":"Mutation","code":4001,"reason":"dropped","times":1}"#)
        let client = try server.client()
        // Other message types pass.
        try client.send(SyncBadInputCase.versionQuery)
        try client.expectText(Self.versionAnswer)
        try client.send(SyncWireClient.mutation(0, "messages:send", #"{"body":"never"}"#))
        try client.expectClose(code: 4001, reason: "dropped")
        // The mutation never ran.
        #expect(!(try server.call("POST", "/api/query", json: #"{"path":"messages:list","args":{}}"#).text.contains("never")))

        try Self.addFault(server, #"{"kind":"syncDrop","messageType":"Connect","code":null}"#)
        let silent = try server.client()
        try silent.send(SyncWireClient.connect())
        try silent.expectClose(code: nil)
        #expect(try server.call("DELETE", "/_mock/faults").text == #"{"removed":1}"#)

        // With no code: the backend's 1011 for an internal error.
        try Self.addFault(server, #"{"kind":"syncDrop","times":1}"#)
        let plain = try server.client()
        try plain.send(#"{"type":"Event","eventType":"x","event":null}"#)
        try plain.expectClose(code: 1011, reason: "InternalServerError")
        try Self.expectServed(server)
    }

    @Test func syncFatalErrorSendsItsTextThenACloseWithoutPayload() throws {
        let server = try SyncWireServer()
        try Self.addFault(server, #"{"kind":"syncFatalError","messageType":"ModifyQuerySet","error":"Injected for a test","times":1}"#)
        let client = try server.client()
        try client.send(SyncBadInputCase.versionQuery)
        try client.expectText(#"{"type":"FatalError","error":"Injected for a test"}"#)
        try client.expectClose(code: nil)
        try Self.addFault(server, #"{"kind":"syncFatalError","times":1}"#)
        let other = try server.client()
        try other.send(SyncWireClient.connect())
        try other.expectText(#"{"type":"FatalError","error":"Injected by a mockconvex fault"}"#)
        try other.expectClose(code: nil)
        try Self.expectServed(server)
    }

    @Test func syncDelayHoldsTheNextTransitionBack() throws {
        let server = try SyncWireServer()
        try Self.addFault(server, #"{"kind":"syncDelay","ms":600,"times":1}"#)
        let client = try server.client()
        let asked = ContinuousClock.now
        try client.send(SyncBadInputCase.versionQuery)
        let ts = try client.expectText(Self.versionAnswer)[0]
        // The server's timers run on the precise clock: never early.
        #expect(ContinuousClock.now - asked >= .milliseconds(600))
        // Once: the fault is gone, and a mutation's own answer was never held (only Transitions are).
        #expect(try server.call("GET", "/_mock/faults").text == #"{"faults":[]}"#)
        try Self.addFault(server, #"{"kind":"syncDelay","ms":600,"times":1}"#)
        let mutated = ContinuousClock.now
        try client.send(SyncWireClient.mutation(0, "big:add", #"{"n":1}"#))
        try client.expectText(#"{"type":"MutationResponse","requestId":0,"success":true,"result":"{id}","ts":"{ts}","logLines":[]}"#)
        let answered = ContinuousClock.now
        try client.expectText(Wire.transition(from: (1, 0, ts), to: (1, 0, Wire.ts), skew: "null"))
        #expect(ContinuousClock.now - mutated >= .milliseconds(600))
        #expect(answered - mutated < .milliseconds(600))
        try client.close()
    }

    @Test func faultsMatchTheirListenerAndPath() throws {
        let server = try SyncWireServer()
        try Self.addFault(server, #"{"kind":"syncDrop","listener":"port80","code":4002}"#)
        try Self.addFault(server, #"{"kind":"syncFatalError","path":"/api/1.45.0/sync","error":"npm only"}"#)
        // Admin, /api/sync: neither.
        try Self.expectServed(server)
        let npm = try server.client(path: "/api/1.45.0/sync")
        try npm.send(SyncBadInputCase.versionQuery)
        try npm.expectText(#"{"type":"FatalError","error":"npm only"}"#)
        try npm.expectClose(code: nil)
        let onPort80 = try SyncWireClient(port: try server.port("port80"))
        try onPort80.send(SyncBadInputCase.versionQuery)
        // A code without a reason gets the backend's reason for an internal error.
        try onPort80.expectClose(code: 4002, reason: "InternalServerError")
        let listed = try server.call("GET", "/_mock/faults")
        #expect(listed.text == #"{"faults":[{"id":1,"kind":"syncDrop","listener":"port80","code":4002,"reason":"InternalServerError","applied":1},{"id":2,"kind":"syncFatalError","path":"/api/1.45.0/sync","error":"npm only","applied":1}]}"#)
    }

    @Test func aProbabilityWithASeedDropsTheSameSessionsEveryRun() throws {
        let server = try SyncWireServer()
        var runs: [[Bool]] = []
        for _ in 0..<2 {
            try Self.addFault(server, #"{"kind":"syncDrop","messageType":"Action","probability":0.5,"seed":42}"#)
            var dropped: [Bool] = []
            for _ in 0..<16 {
                let client = try server.client()
                try client.send(#"{"type":"Action","requestId":0,"udfPath":"app:echo","args":[{}]}"#)
                let frame = try client.nextFrame()
                if frame.opcode == WebSocketClient.Opcode.close.rawValue {
                    #expect(frame.closeCode == 1011)
                    dropped.append(true)
                    try? client.socket.sendClose(code: 1011)
                    client.socket.connection.close()
                } else {
                    #expect(frame.text == #"{"type":"ActionResponse","requestId":0,"success":true,"result":{},"logLines":[]}"#)
                    dropped.append(false)
                    try client.close()
                }
            }
            runs.append(dropped)
            #expect(try server.call("DELETE", "/_mock/faults").status == 200)
        }
        #expect(runs[0] == runs[1])
        #expect(runs[0].contains(true) && runs[0].contains(false), "\(runs[0])")
        try Self.expectServed(server)
    }

    /// A fresh session on the admin listener is served.
    private static func expectServed(_ server: SyncWireServer) throws {
        let client = try server.client()
        try client.send(SyncBadInputCase.versionQuery)
        try client.expectText(Self.versionAnswer)
        try client.close()
    }

    /// Polls `condition` (at most 10 s).
    private static func waitUntil(_ condition: () throws -> Bool) throws -> Bool {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if try condition() { return true }
            usleep(10_000)
        }
        return try condition()
    }
}
