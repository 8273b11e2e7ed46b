import EventHTTP
@testable import MockConvex
import Testing

/// Functions that throw: the errorMessage with its request id and frame, ConvexError data in
/// `errorData`, and log lines beside them (notes §5).
@Suite(.timeLimit(.minutes(1))) struct FunctionErrorTests {
    static let config = """
        {"functions": {
          "app:fail": {"type": "mutation", "throws": {"message": "boom", "data": {"code": 42}}},
          "app:boom": {"type": "query", "throws": "boom", "logs": ["before", {"level": "error", "message": "about to throw"}]},
          "app:plain": {"type": "action", "throws": {"message": "plain"}},
          "app:silent": {"type": "query", "throws": ""},
          "app:code": {"type": "query", "throws": {"data": {"code": 404, "why": "gone"}}},
          "app:text": {"type": "query", "throws": {"data": "nope"}},
          "app:empty": {"type": "query", "throws": {"data": ""}},
          "app:null": {"type": "query", "throws": {"data": null}},
          "app:wide": {"type": "query", "throws": {"data": {"b": {"$bytes": "AQID"}, "f": {"$float": "AAAAAAAA8H8="}, "n": {"$integer": "BQAAAAAAAAA="}}}},
          "dir/mod:fn": {"type": "query", "throws": "deep"}
        }}
        """
    static let requestId: HTTPHeaders = ["Convex-Request-Id": "0123456789abcdef"]

    private func call(_ route: String, _ path: String, format: String? = nil, headers: HTTPHeaders = requestId) throws -> HTTPResponse {
        let formatField = format.map { #","format":"\#($0)""# } ?? ""
        let response = try InProcess(config: Self.config).post("/api/\(route)", #"{"path":"\#(path)","args":{}\#(formatField)}"#, headers: headers)
        #expect(response.status == 200)
        #expect(response.headers["content-type"] == "application/json")
        return response
    }

    @Test func anUncaughtErrorHasItsMessageAndFrame() throws {
        let response = try call("action", "app:plain")
        #expect(response.bodyText == #"{"status":"error","errorMessage":"[Request ID: 0123456789abcdef] Server Error\nUncaught Error: plain\n    at handler (../convex/app.ts:1:1)\n"}"#)
    }

    @Test func logLinesFollowTheError() throws {
        let response = try call("query", "app:boom")
        #expect(response.bodyText == #"{"status":"error","errorMessage":"[Request ID: 0123456789abcdef] Server Error\nUncaught Error: boom\n    at handler (../convex/app.ts:1:1)\n","logLines":["[LOG] 'before'","[ERROR] 'about to throw'"]}"#)
    }

    @Test func anEmptyMessageLeavesOnlyTheErrorName() throws {
        // `format_uncaught_error` drops the colon when the message is empty.
        let response = try call("query", "app:silent")
        #expect(response.bodyText == #"{"status":"error","errorMessage":"[Request ID: 0123456789abcdef] Server Error\nUncaught Error\n    at handler (../convex/app.ts:1:1)\n"}"#)
    }

    @Test func theFrameNamesTheModuleFile() throws {
        let response = try call("query", "dir/mod:fn")
        #expect(response.bodyText == #"{"status":"error","errorMessage":"[Request ID: 0123456789abcdef] Server Error\nUncaught Error: deep\n    at handler (../convex/dir/mod.ts:1:1)\n"}"#)
    }

    @Test func aConvexErrorCarriesItsData() throws {
        let response = try call("mutation", "app:fail")
        #expect(response.bodyText == #"{"status":"error","errorMessage":"[Request ID: 0123456789abcdef] Server Error\nUncaught ConvexError: boom\n    at handler (../convex/app.ts:1:1)\n","errorData":{"code":42.0}}"#)
    }

    @Test func aConvexErrorWithoutAMessageIsNamedByItsDataAsJavaScriptWritesIt() throws {
        let response = try call("query", "app:code")
        #expect(response.bodyText == #"{"status":"error","errorMessage":"[Request ID: 0123456789abcdef] Server Error\nUncaught ConvexError: {\"code\":404,\"why\":\"gone\"}\n    at handler (../convex/app.ts:1:1)\n","errorData":{"code":404.0,"why":"gone"}}"#)
    }

    @Test func aStringConvexErrorIsItsOwnMessage() throws {
        let response = try call("query", "app:text")
        #expect(response.bodyText == #"{"status":"error","errorMessage":"[Request ID: 0123456789abcdef] Server Error\nUncaught ConvexError: nope\n    at handler (../convex/app.ts:1:1)\n","errorData":"nope"}"#)
    }

    @Test func anEmptyStringConvexErrorLeavesOnlyTheName() throws {
        let response = try call("query", "app:empty")
        #expect(response.bodyText == #"{"status":"error","errorMessage":"[Request ID: 0123456789abcdef] Server Error\nUncaught ConvexError\n    at handler (../convex/app.ts:1:1)\n","errorData":""}"#)
    }

    @Test func nullDataIsWrittenAsNull() throws {
        let response = try call("query", "app:null")
        #expect(response.bodyText == #"{"status":"error","errorMessage":"[Request ID: 0123456789abcdef] Server Error\nUncaught ConvexError: null\n    at handler (../convex/app.ts:1:1)\n","errorData":null}"#)
    }

    @Test func errorDataIsCleanByDefault() throws {
        let response = try call("query", "app:wide")
        #expect(response.bodyText == #"{"status":"error","errorMessage":"[Request ID: 0123456789abcdef] Server Error\nUncaught ConvexError: {\"b\":{},\"f\":null,\"n\":\"5n\"}\n    at handler (../convex/app.ts:1:1)\n","errorData":{"b":"AQID","f":"Infinity","n":"5"}}"#)
    }

    @Test func errorDataFollowsTheRequestedFormat() throws {
        let response = try call("query", "app:wide", format: "convex_encoded_json")
        #expect(response.bodyText == #"{"status":"error","errorMessage":"[Request ID: 0123456789abcdef] Server Error\nUncaught ConvexError: {\"b\":{},\"f\":null,\"n\":\"5n\"}\n    at handler (../convex/app.ts:1:1)\n","errorData":{"b":{"$bytes":"AQID"},"f":{"$float":"AAAAAAAA8H8="},"n":{"$integer":"BQAAAAAAAAA="}}}"#)
    }

    @Test func errorDataFollowsTheClientsDefaultFormat() throws {
        var headers = Self.requestId
        headers.add("Convex-Client", "python-convex-0.4.0")
        let response = try call("query", "app:wide", headers: headers)
        #expect(try response.json["errorData"] == JSONReader.parse(Array(#"{"b":{"$bytes":"AQID"},"f":{"$float":"AAAAAAAA8H8="},"n":{"$integer":"BQAAAAAAAAA="}}"#.utf8)))
    }

    @Test func aLongConvexErrorMessageIsCutAsTheClientLibraryCutsIt() throws {
        let long = String(repeating: "x", count: 20_000)
        let mock = try InProcess(config: #"{"functions": {"app:big": {"type": "query", "throws": {"data": {"s": "\#(long)"}}}}}"#)
        let response = try mock.post("/api/query", #"{"path":"app:big","args":{}}"#, headers: Self.requestId)
        let kept = "{\"s\":\"" + String(repeating: "x", count: 16384 - 14 - 6)
        #expect(try response.json["errorMessage"] == .string("[Request ID: 0123456789abcdef] Server Error\nUncaught ConvexError: \(kept)[...truncated]\n    at handler (../convex/app.ts:1:1)\n"))
        #expect(try response.json["errorData"] == .object([("s", .string(long))]))
    }

    @Test func theRequestIdIsFreshWithoutAHeader() throws {
        let response = try call("mutation", "app:fail", headers: [:])
        #expect(response.textWithoutRequestId == #"{"status":"error","errorMessage":"[Request ID: X] Server Error\nUncaught ConvexError: boom\n    at handler (../convex/app.ts:1:1)\n","errorData":{"code":42.0}}"#)
    }
}
