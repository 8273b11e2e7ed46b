import EventHTTP
import Foundation
@testable import MockConvex
import Testing

/// Review of issue 13 (fail now): what a sync session does with requests that wait behind a
/// running mutation, and what the loop's shared answers keep once nobody asks for them.
@Suite(.timeLimit(.minutes(1))) struct SyncSessionHazardTests {
    static let config = """
        {"functions": {
          "app:slow": {"type": "mutation", "insert": "slow", "delayMs": 300},
          "app:wipe": {"type": "mutation", "visibility": "internal", "insert": "audit"},
          "app:version": {"type": "query", "returns": "1.2.3"}
        }}
        """

    private static func json(_ frame: String) throws -> JSON { try JSONReader.parse(Array(frame.utf8)) }

    /// The backend takes a mutation's identity when the message arrives (worker.rs,
    /// `handle_message`: `revalidate_identity()` before the future is queued). Here a mutation
    /// queued behind a slow one runs with whatever identity the session has when it starts, so
    /// an internal mutation sent without credentials runs as admin once a later `Authenticate`
    /// arrives.
    @Test func aQueuedMutationRunsWithTheIdentityItWasSentWith() throws {
        let harness = try SyncSessionTests.Harness(config: Self.config)
        let (session, connection) = harness.session()
        harness.send(session, #"{"type":"Mutation","requestId":0,"udfPath":"app:slow","args":[{}]}"#)
        harness.send(session, #"{"type":"Mutation","requestId":1,"udfPath":"app:wipe","args":[{}]}"#)
        harness.send(session, #"{"type":"Authenticate","baseVersion":0,"tokenType":"Admin","value":"\#(InProcess.adminKey)"}"#)
        // The Authenticate's Transition, then both MutationResponses and the Transition after them
        // (the second mutation finishes at once, in the same turn as the first).
        let frames = harness.frames(connection, count: 4).compactMap { try? Self.json($0) }
        let second = try #require(frames.first { $0["type"] == .string("MutationResponse") && $0["requestId"] == .number(1) },
                                  "\(connection.frames)")
        #expect(second["success"] == .bool(false), "an internal mutation sent anonymously ran as admin: \(second)")
        #expect(second["result"]?.stringValue?.contains("Could not find public function for 'app:wipe'.") == true)
        #expect(harness.mock.deployment.withStore { $0.count("audit") } == 0)
    }

    /// The backend allows 1,000 pending mutations on a socket and ends it with 1013
    /// `TooManyConcurrentMutations` past that (worker.rs, `OPERATION_QUEUE_BUFFER_SIZE`). Here
    /// the queue behind a slow mutation has no bound.
    @Test func pendingMutationsPastTheBackendsBoundCloseTheSocket() throws {
        let harness = try SyncSessionTests.Harness(config: Self.config)
        let (session, connection) = harness.session()
        for requestId in 0..<1_100 {
            harness.send(session, #"{"type":"Mutation","requestId":\#(requestId),"udfPath":"app:slow","args":[{}]}"#)
        }
        #expect(connection.closed?.code == 1013, "\(session.mutations.count) mutations queued on one socket")
        #expect(connection.closed?.reason == "TooManyConcurrentMutations")
        #expect(session.isClosed)
    }

    /// The loop's shared answers are dropped only when a later Transition on the same hub
    /// reads a newer snapshot. Without a commit, every answer any session ever asked for stays:
    /// a client that adds and removes queries with new arguments grows the server's memory
    /// without bound, and keeps it after it disconnects.
    @Test func anAnswerNobodySubscribesToAnyMoreIsLetGo() throws {
        let harness = try SyncSessionTests.Harness(config: Self.config)
        let (session, connection) = harness.session()
        weak var answer: QueryAnswer?
        harness.send(session, #"{"type":"ModifyQuerySet","baseVersion":0,"newVersion":1,"modifications":[{"type":"Add","queryId":0,"udfPath":"app:version","args":[{"pad":"\#(String(repeating: "x", count: 10_000))"}]}]}"#)
        #expect(harness.frames(connection, count: 1).count == 1)
        answer = session.subscriptions[0]?.lastAnswer
        #expect(answer != nil)
        harness.send(session, #"{"type":"ModifyQuerySet","baseVersion":1,"newVersion":2,"modifications":[{"type":"Remove","queryId":0}]}"#)
        #expect(harness.frames(connection, count: 2).count == 2)
        session.closed()
        #expect(harness.hub.count == 0)
        #expect(answer == nil, "the hub still holds the answer (and its 10 kB arguments) of a removed query of a closed session")
    }

    /// The backend drops a socket's sync worker, and the mutation futures not yet run with it,
    /// when the socket goes (subs/mod.rs, `try_join!`). Here a mutation still in its `delayMs`
    /// commits after its socket closed, unanswered; the Rust and Python clients re-send it on
    /// their next socket under a new session id, so it runs twice.
    @Test func aMutationWhoseSocketClosedBeforeItRanIsNotRun() throws {
        let harness = try SyncSessionTests.Harness(config: Self.config)
        let mutation = #"{"type":"Mutation","requestId":0,"udfPath":"app:slow","args":[{}]}"#
        let (first, _) = harness.session()
        harness.send(first, #"{"type":"Connect","sessionId":"6ba7b810-9dad-11d1-80b4-00c04fd430c8","connectionCount":0,"clientTs":0}"#)
        harness.send(first, mutation)
        first.closed()
        // Rust reconnects with a new session id and re-sends what was not answered.
        let (second, secondConnection) = harness.session()
        harness.send(second, #"{"type":"Connect","sessionId":"1b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed","connectionCount":1,"clientTs":0}"#)
        harness.send(second, mutation)
        // Its delay started after the first one's: once it is answered, the first has had its turn.
        let answered = try #require(harness.frames(secondConnection, count: 1).first)
        #expect(answered.contains(#""type":"MutationResponse""#))
        #expect(harness.mock.deployment.withStore { $0.count("slow") } == 1, "the mutation of the closed socket ran as well")
    }
}
