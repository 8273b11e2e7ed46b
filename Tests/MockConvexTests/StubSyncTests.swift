@testable import MockConvex
import Testing

/// Stubbed queries over the sync protocol: a subscription runs its query only when the query
/// set adds it or a commit writes what it read, and a stubbed answer reads nothing, so a
/// sequence moves on only when the query is run again.
@Suite(.timeLimit(.minutes(1))) struct StubSyncTests {
    static let config = """
        {"functions": {
          "messages:send": {"type": "mutation", "insert": "messages"},
          "jobs:poll": {"type": "query", "sequence": [{"returns": "queued"}, {"returns": "running"}, {"returns": "done"}]},
          "messages:mine": {"type": "query", "cases": [{"args": {"stub": true}, "returns": "stubbed"}], "list": "messages"}
        }}
        """

    private func json(_ frame: String) throws -> JSON { try JSONReader.parse(Array(frame.utf8)) }

    private func modifications(_ frame: String) throws -> [JSON] {
        guard case .array(let items)? = try json(frame)["modifications"] else { return [] }
        return items
    }

    @Test func aSubscribedSequenceMovesOnOnlyWhenTheQueryRunsAgain() throws {
        let harness = try SyncSessionTests.Harness(config: Self.config)
        let (session, connection) = harness.session()
        harness.send(session, #"{"type":"ModifyQuerySet","baseVersion":0,"newVersion":1,"modifications":[{"type":"Add","queryId":0,"udfPath":"jobs:poll","args":[{}]}]}"#)
        let added = try modifications(try #require(harness.frames(connection, count: 1).last))
        #expect(added.map { $0["value"] } == [.string("queued")])
        // A commit: the sequence read nothing, so it does not run again.
        harness.send(session, #"{"type":"Mutation","requestId":0,"udfPath":"messages:send","args":[{"body":"hi"}]}"#)
        let afterCommit = harness.frames(connection, count: 3)
        #expect(try json(afterCommit[1])["type"] == .string("MutationResponse"))
        #expect(try modifications(afterCommit[2]).isEmpty)
        // Subscribing again (a new query id) runs it: the next entry.
        harness.send(session, #"{"type":"ModifyQuerySet","baseVersion":1,"newVersion":2,"modifications":[{"type":"Remove","queryId":0},{"type":"Add","queryId":1,"udfPath":"jobs:poll","args":[{}]}]}"#)
        let again = try modifications(try #require(harness.frames(connection, count: 4).last))
        #expect(again.compactMap { $0["value"] } == [.string("running")])
        // An HTTP call counts too: one sequence per function, whoever calls.
        #expect(harness.mock.deployment.runQuery(try #require(harness.mock.deployment.function(try FunctionPath(parsing: "jobs:poll"))),
                                                 path: try FunctionPath(parsing: "jobs:poll"), arguments: [.object(ConvexObject())]).result
            == .success(.string("done")))
    }

    @Test func aMatchedCaseReadsNothingButTheFallbackReadsItsTable() throws {
        let harness = try SyncSessionTests.Harness(config: Self.config)
        let (session, connection) = harness.session()
        harness.send(session, #"{"type":"ModifyQuerySet","baseVersion":0,"newVersion":1,"modifications":[{"type":"Add","queryId":0,"udfPath":"messages:mine","args":[{"stub":true}]},{"type":"Add","queryId":1,"udfPath":"messages:mine","args":[{}]}]}"#)
        let added = try modifications(try #require(harness.frames(connection, count: 1).last))
        #expect(added.map { $0["value"] } == [.string("stubbed"), .array([])])
        harness.send(session, #"{"type":"Mutation","requestId":0,"udfPath":"messages:send","args":[{"body":"hi"}]}"#)
        let changed = try modifications(try #require(harness.frames(connection, count: 3).last))
        #expect(changed.map { $0["queryId"] } == [.number(1)])
        #expect(changed.first?["value"]?[0]?["body"] == .string("hi"))
    }
}
