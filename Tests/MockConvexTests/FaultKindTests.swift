import EventHTTP
@testable import MockConvex
import Testing

/// Each fault kind's effect on a matched request, in-process (the EventHTTP and end-to-end
/// tests see the same from a real socket).
@Suite(.timeLimit(.minutes(1))) struct FaultKindTests {
    static let config = #"{"functions": {"messages:send": {"type": "mutation", "insert": "messages"}, "messages:list": {"type": "query", "list": "messages"}}}"#

    private func mock(with fault: String) throws -> ControlInProcess {
        let mock = try ControlInProcess(config: Self.config)
        #expect(try mock.call(.POST, "/_mock/faults", fault).status == 201)
        return mock
    }

    /// The messages table's size, read past the faults (they only match /api/mutation).
    private func count(_ mock: ControlInProcess) throws -> Int {
        guard case .array(let documents)? = try mock.query("messages:list").json["value"] else { return -1 }
        return documents.count
    }

    @Test func delayAnswersAsUsualAfterItsTime() throws {
        let mock = try mock(with: #"{"path": "/api/mutation", "kind": "delay", "ms": 30}"#)
        let response = try mock.mutation("messages:send", #"{"body": "late"}"#)
        #expect(response.status == 200)
        #expect(try response.json["status"] == .string("success"))
        #expect(try count(mock) == 1)
        // A timer cannot fire early: the journal's duration is at least the delay.
        let entry = try mock.call(.GET, "/_mock/requests?pathPrefix=/api/mutation").json["requests"]
        guard case .array(let entries)? = entry, case .number(let duration)? = entries.first?["durationMs"] else {
            Issue.record("no journal entry")
            return
        }
        #expect(duration >= 30)
        #expect(entries.first?["fault"] == .string("delay"))
    }

    @Test func statusAnswersInsteadOfTheDeployment() throws {
        let text = try mock(with: #"{"path": "/api/mutation", "kind": "status", "status": 503, "body": "maintenance", "headers": {"Retry-After": "5"}}"#)
        let answer = try text.mutation("messages:send", #"{"body": "x"}"#)
        #expect(answer == HTTPResponse(status: 503, headers: ["Content-Type": "text/plain; charset=utf-8", "Retry-After": "5"], body: Array("maintenance".utf8)))
        #expect(try count(text) == 0)

        let json = try mock(with: #"{"path": "/api/mutation", "kind": "status", "status": 429, "body": {"code": "RateLimited"}}"#)
        #expect(try json.mutation("messages:send", "{}") == HTTPResponse(status: 429, headers: ["Content-Type": "application/json"], body: Array(#"{"code":"RateLimited"}"#.utf8)))

        let empty = try mock(with: #"{"path": "/api/mutation", "kind": "status", "status": 204}"#)
        #expect(try empty.mutation("messages:send", "{}") == HTTPResponse(status: 204))
    }

    @Test func resetEndsTheConnectionAndTheMutationNeverRuns() throws {
        let mock = try mock(with: #"{"path": "/api/mutation", "kind": "reset"}"#)
        #expect(try mock.admin(.POST, "/api/mutation", headers: ["Content-Type": "application/json"], body: #"{"path":"messages:send","args":{}}"#) == .aborted(.reset))
        #expect(try count(mock) == 0)
    }

    @Test func closeEndsTheConnectionWithoutAnAnswer() throws {
        let mock = try mock(with: #"{"path": "/api/mutation", "kind": "close"}"#)
        #expect(try mock.admin(.POST, "/api/mutation", headers: ["Content-Type": "application/json"], body: #"{"path":"messages:send","args":{}}"#) == .aborted(.close))
        #expect(try count(mock) == 0)
    }

    @Test func garbageSendsItsTextOrTheDefault() throws {
        let given = try mock(with: #"{"path": "/api/mutation", "kind": "garbage", "text": "SSH-2.0-nope\r\n"}"#)
        #expect(try given.admin(.POST, "/api/mutation") == .aborted(.garbage(Array("SSH-2.0-nope\r\n".utf8))))
        let fallback = try mock(with: #"{"path": "/api/mutation", "kind": "garbage"}"#)
        #expect(try fallback.admin(.POST, "/api/mutation") == .aborted(.garbage(Array(GarbageFault.defaultText.utf8))))
        #expect(GarbageFault.defaultText.utf8.first == 0)
    }

    @Test func slowAnswersTheUsualResponse() throws {
        let mock = try mock(with: #"{"path": "/api/mutation", "kind": "slow", "chunkBytes": 4, "pauseMs": 1}"#)
        let response = try mock.mutation("messages:send", #"{"body": "trickle"}"#)
        #expect(response.status == 200)
        #expect(try response.json["status"] == .string("success"))
        #expect(try count(mock) == 1)
        #expect(try mock.call(.GET, "/_mock/faults").bodyText == #"{"faults":[{"id":1,"kind":"slow","path":"/api/mutation","chunkBytes":4,"pauseMs":1,"applied":1}]}"#)
    }
}
