import EventHTTP
@testable import MockConvex
import Testing

/// `GET /_mock/requests` and `DELETE /_mock/requests`: what each listener received, newest
/// first, bounded, filterable; control requests themselves are not journaled.
@Suite(.timeLimit(.minutes(1))) struct ControlJournalTests {
    static let config = #"{"functions": {"messages:send": {"type": "mutation", "insert": "messages"}}}"#

    private func requests(_ mock: ControlInProcess, _ query: String = "") throws -> [JSON] {
        let response = try mock.call(.GET, "/_mock/requests" + query)
        #expect(response.status == 200)
        #expect(response.headers == ["content-type": "application/json"])
        guard case .array(let entries)? = try response.json["requests"] else { Issue.record("no requests array"); return [] }
        return entries
    }

    @Test func aMutationIsRecordedWithItsBodyStatusAndHeaders() throws {
        let mock = try ControlInProcess(config: Self.config)
        let body = #"{"path":"messages:send","args":{"body":"hi"}}"#
        let answer = try mock.admin(.POST, "/api/mutation?x=1", headers: ["Content-Type": "application/json", "X-Test": "yes"], body: body)
        #expect(answer.response?.status == 200)
        let entries = try requests(mock)
        #expect(entries.count == 1)
        let entry = try #require(entries.first)
        #expect(entry["sequence"] == .number(1))
        #expect(entry["listener"] == .string("admin"))
        #expect(entry["method"] == .string("POST"))
        #expect(entry["path"] == .string("/api/mutation"))
        #expect(entry["query"] == .string("x=1"))
        #expect(entry["headers"] == .array([.array([.string("Content-Type"), .string("application/json")]), .array([.string("X-Test"), .string("yes")])]))
        #expect(entry["bodySize"] == .number(Double(body.utf8.count)))
        #expect(entry["bodyPreview"] == .string(body))
        #expect(entry["status"] == .number(200))
        #expect(entry["fault"] == .null)
        guard case .number(let duration)? = entry["durationMs"], case .number(let time)? = entry["time"] else {
            Issue.record("durationMs and time must be numbers: \(entry)")
            return
        }
        #expect(duration >= 0)
        #expect(time > 1.7e12)
    }

    @Test func newestComesFirstAndControlRequestsAreNotRecorded() throws {
        let mock = try ControlInProcess()
        _ = try mock.admin(.GET, "/version")
        _ = try mock.site(.GET, "/nowhere")
        _ = try mock.call(.GET, "/_mock/faults")
        let entries = try requests(mock)
        #expect(entries.map { $0["path"] } == [.string("/nowhere"), .string("/version")])
        #expect(entries.map { $0["listener"] } == [.string("site"), .string("admin")])
        #expect(entries.map { $0["sequence"] } == [.number(2), .number(1)])
    }

    @Test func filtersByListenerMethodPathPrefixAndLimit() throws {
        let mock = try ControlInProcess(config: Self.config)
        _ = try mock.admin(.GET, "/version")
        _ = try mock.admin(.POST, "/api/query", headers: ["Content-Type": "application/json"], body: #"{"path":"a:b","args":{}}"#)
        _ = try mock.site(.GET, "/version")
        _ = try mock.site(.POST, "/api/hook")
        #expect(try requests(mock, "?listener=site").map { $0["path"] } == [.string("/api/hook"), .string("/version")])
        #expect(try requests(mock, "?method=post").map { $0["path"] } == [.string("/api/hook"), .string("/api/query")])
        #expect(try requests(mock, "?pathPrefix=/api/&listener=admin").map { $0["path"] } == [.string("/api/query")])
        #expect(try requests(mock, "?limit=1").map { $0["path"] } == [.string("/api/hook")])
        let bad = try mock.call(.GET, "/_mock/requests?limit=-1")
        #expect(bad.status == 400)
        #expect(bad.bodyText == #"{"code":"InvalidLimit","message":"limit must be a whole number of 0 or more, got \"-1\""}"#)
    }

    /// A misspelt filter is refused rather than matching nothing.
    @Test func anUnknownListenerOrMethodFilterIsRefused() throws {
        let mock = try ControlInProcess(config: Self.config)
        let listener = try mock.call(.GET, "/_mock/requests?listener=admn")
        #expect(listener.status == 400)
        #expect(listener.bodyText == #"{"code":"InvalidFilter","message":"listener must be one of admin, site, port80, got \"admn\""}"#)
        let method = try mock.call(.GET, "/_mock/requests?method=BREW")
        #expect(method.status == 400)
        #expect(method.bodyText == #"{"code":"InvalidFilter","message":"method must be one of GET, POST, HEAD, PUT, DELETE, OPTIONS, TRACE, CONNECT, PATCH, got \"BREW\""}"#)
    }

    @Test func theJournalKeepsOnlyTheNewestUpToItsCapacity() throws {
        var options = ControlAPI.Options()
        options.journalSize = 3
        let mock = try ControlInProcess(options: options)
        for index in 1...5 { _ = try mock.admin(.GET, "/version?n=\(index)") }
        let response = try mock.call(.GET, "/_mock/requests")
        #expect(try response.json["capacity"] == .number(3))
        #expect(try requests(mock).map { $0["query"] } == [.string("n=5"), .string("n=4"), .string("n=3")])
        #expect(try requests(mock).map { $0["sequence"] } == [.number(5), .number(4), .number(3)])
    }

    @Test func aLongBodyIsPreviewedAndMeasuredWhole() throws {
        let mock = try ControlInProcess()
        let body = String(repeating: "x", count: 5000)
        _ = try mock.site(.POST, "/upload", body: body)
        let entry = try #require(try requests(mock).first)
        #expect(entry["bodySize"] == .number(5000))
        #expect(entry["bodyPreview"] == .string(String(repeating: "x", count: RequestJournal.previewBytes)))
    }

    @Test func deleteClearsAndSaysHowMany() throws {
        let mock = try ControlInProcess()
        _ = try mock.admin(.GET, "/version")
        _ = try mock.admin(.GET, "/version")
        let cleared = try mock.call(.DELETE, "/_mock/requests")
        #expect(cleared.status == 200)
        #expect(cleared.bodyText == #"{"cleared":2}"#)
        #expect(try requests(mock).isEmpty)
        _ = try mock.admin(.GET, "/version")
        // Sequence numbers go on rising, so "what came after" stays meaningful.
        #expect(try requests(mock).first?["sequence"] == .number(3))
    }

    @Test func aRequestEndedByAFaultHasNoStatusAndNamesTheFault() throws {
        let mock = try ControlInProcess()
        _ = try mock.call(.POST, "/_mock/faults", #"{"path": "/version", "kind": "close"}"#)
        #expect(try mock.admin(.GET, "/version") == .aborted(.close))
        let entry = try #require(try requests(mock).first)
        #expect(entry["status"] == .null)
        #expect(entry["fault"] == .string("close"))
    }

    @Test func aSizeOfZeroKeepsNothing() throws {
        var options = ControlAPI.Options()
        options.journalSize = 0
        let mock = try ControlInProcess(options: options)
        _ = try mock.admin(.GET, "/version")
        #expect(try requests(mock).isEmpty)
    }
}
