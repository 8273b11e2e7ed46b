import EventHTTP
@testable import MockConvex
import Testing

/// `/api/query_batch`: every query at one timestamp, function errors per query, and the first
/// HTTP-level problem failing the whole batch (notes §8).
@Suite(.timeLimit(.minutes(1))) struct QueryBatchTests {
    static let config = """
        {"functions": {
          "app:hi": {"type": "query", "returns": "hi", "logs": ["hello"]},
          "app:int": {"type": "query", "returns": {"$integer": "BQAAAAAAAAA="}},
          "app:boom": {"type": "query", "throws": "boom"},
          "app:write": {"type": "mutation", "returns": null},
          "app:secret": {"type": "query", "visibility": "internal", "returns": "s3cret"},
          "messages:list": {"type": "query", "list": "messages"},
          "messages:slowList": {"type": "query", "list": "messages", "delayMs": 40},
          "messages:send": {"type": "mutation", "insert": "messages"}
        }}
        """
    static let requestId: HTTPHeaders = ["Convex-Request-Id": "batch1"]

    private func batch(_ queries: String, headers: HTTPHeaders = requestId, mock: InProcess? = nil) throws -> HTTPResponse {
        try (mock ?? InProcess(config: Self.config)).post("/api/query_batch", #"{"queries":\#(queries)}"#, headers: headers)
    }

    @Test func eachQueryGetsItsOwnUdfResponse() throws {
        let response = try batch(#"[{"path":"app:hi","args":{}},{"path":"app:boom","args":{}},{"path":"app:nope","args":{}},{"path":"app:int","args":{},"format":"convex_encoded_json"},{"path":"app:int","args":[{}]}]"#)
        #expect(response.status == 200)
        #expect(response.headers == ["content-type": "application/json", "vary": CORSHeaders.vary, "access-control-allow-credentials": "true"])
        #expect(response.bodyText == #"{"results":[{"status":"success","value":"hi","logLines":["[LOG] 'hello'"]},{"status":"error","errorMessage":"[Request ID: batch1] Server Error\nUncaught Error: boom\n    at handler (../convex/app.ts:1:1)\n"},{"status":"error","errorMessage":"[Request ID: batch1] Server Error\nCould not find public function for 'app:nope'.\n"},{"status":"success","value":{"$integer":"BQAAAAAAAAA="}},{"status":"success","value":"5"}]}"#)
    }

    @Test func allQueriesShareTheRequestId() throws {
        let response = try batch(#"[{"path":"app:nope","args":{}},{"path":"app:none","args":{}}]"#, headers: [:])
        let results = try #require(try response.json["results"].flatMap { if case .array(let items) = $0 { items } else { nil } })
        let ids = try results.map { result in
            let message = try #require(result["errorMessage"]?.stringValue)
            return try #require(message.firstMatch(of: /\[Request ID: ([0-9a-f]{16})\]/)).output.1
        }
        #expect(ids.count == 2)
        #expect(ids[0] == ids[1])
    }

    @Test func anEmptyBatchHasNoResults() throws {
        #expect(try batch("[]").bodyText == #"{"results":[]}"#)
    }

    @Test func mutationsAreNotQueries() throws {
        let response = try batch(#"[{"path":"app:write","args":{}}]"#)
        #expect(response.bodyText == #"{"results":[{"status":"error","errorMessage":"[Request ID: batch1] Server Error\nTrying to execute app.js:write as Query, but it is defined as Mutation.\n"}]}"#)
    }

    @Test func internalQueriesNeedAnAdmin() throws {
        let anonymous = try batch(#"[{"path":"app:secret","args":{}}]"#)
        #expect(anonymous.bodyText == #"{"results":[{"status":"error","errorMessage":"[Request ID: batch1] Server Error\nCould not find public function for 'app:secret'.\n"}]}"#)
        let admin = try batch(#"[{"path":"app:secret","args":{}}]"#, headers: InProcess.adminAuthorization)
        #expect(admin.bodyText == #"{"results":[{"status":"success","value":"s3cret"}]}"#)
    }

    @Test func theDefaultFormatIsTheClients() throws {
        let response = try batch(#"[{"path":"app:int","args":{}}]"#, headers: ["Convex-Client": "python-convex-0.4.0"])
        #expect(response.bodyText == #"{"results":[{"status":"success","value":{"$integer":"BQAAAAAAAAA="}}]}"#)
    }

    @Test(arguments: [
        (#"[{"path":"app:hi","args":{}},{"path":"app:hi","args":{},"format":"xml"}]"#, #"{"code":"BadFormat","message":"format param must be one of [`json`]. Got xml"}"#),
        (#"[{"path":"app:hi","args":{}},{"path":"a-b","args":{}}]"#, #"{"code":"BadConvexFunctionIdentifier","message":"a-b is not a valid path to a Convex function. Path component a-b.js can only contain alphanumeric characters, underscores, or periods."}"#),
        (#"[{"path":"app:hi","args":{"n":1e400}}]"#, #"{"code":"InvalidArguments","message":"Invalid arguments provided"}"#),
        // The format is read before the path.
        (#"[{"path":"a-b","args":{},"format":"xml"}]"#, #"{"code":"BadFormat","message":"format param must be one of [`json`]. Got xml"}"#),
    ])
    func anHTTPLevelProblemFailsTheWholeBatch(queries: String, body: String) throws {
        let response = try batch(queries)
        #expect(response.status == 400)
        #expect(response.bodyText == body)
    }

    @Test(arguments: [
        ("{}", "Failed to deserialize the JSON body into the target type: missing field `queries` at line 1 column 2"),
        (#"{"queries":{}}"#, "Failed to deserialize the JSON body into the target type: queries: invalid type: map, expected a sequence at line 1 column 11"),
        (#"{"queries":[{"args":{}}]}"#, "Failed to deserialize the JSON body into the target type: queries[0]: missing field `path` at line 1 column 23"),
        (#"{"queries":[{"path":"a:b","args":{}},{"path":2,"args":{}}]}"#, "Failed to deserialize the JSON body into the target type: queries[1].path: invalid type: integer `2`, expected a string at line 1 column 46"),
    ])
    func malformedBatchesAreBadJsonBody(body: String, message: String) throws {
        let response = try InProcess(config: Self.config).post("/api/query_batch", body)
        #expect(response.status == 400)
        #expect(try response.json == .object([("code", .string("BadJsonBody")), ("message", .string(message))]))
    }

    @Test func everyQueryReadsAtTheTimestampTheBatchStartedAt() throws {
        let mock = try InProcess(config: Self.config)
        // A write lands while the first (slow) query runs; neither query may see it.
        let write = HTTPRequest(method: .POST, uri: "/api/mutation", headers: ["Content-Type": "application/json"],
                                body: Array(#"{"path":"messages:send","args":{"body":"late"}}"#.utf8))
        var written: HTTPResponse?
        let timer = mock.loop.schedule(after: .milliseconds(10)) {
            try? mock.admin.handle(write, Responder(on: mock.loop) { written = $0 })
        }
        defer { timer.cancel() }
        let response = try batch(#"[{"path":"messages:slowList","args":{}},{"path":"messages:list","args":{}}]"#, mock: mock)
        #expect(written?.status == 200)
        #expect(mock.deployment.withStore { $0.count("messages") } == 1)
        #expect(response.bodyText == #"{"results":[{"status":"success","value":[]},{"status":"success","value":[]}]}"#)
    }
}
