import EventHTTP
@testable import MockConvex
import Testing

/// `BadJsonBody` on the function routes: the content type, the body limit and axum's JSON
/// rejection texts, all answered 400 (notes §1).
@Suite(.timeLimit(.minutes(1))) struct BadJsonBodyTests {
    static let config = #"{"functions": {"app:hi": {"type": "query", "returns": "hi"}}}"#
    static let ok = #"{"status":"success","value":"hi"}"#
    static let body = #"{"path":"app:hi","args":{}}"#
    static let wrongType = #"{"code":"BadJsonBody","message":"Expected request with `Content-Type: application/json`"}"#

    private func post(_ body: String, contentType: String? = "application/json", uri: String = "/api/query") throws -> HTTPResponse {
        let headers: HTTPHeaders = contentType.map { ["Content-Type": $0] } ?? [:]
        return try InProcess(config: Self.config).admin(.POST, uri, headers: headers, body: body)
    }

    @Test(arguments: [nil, "text/plain", "text/json", "application/x-json", "application/jsonx", "application/", "json", "", "/json",
                      "application/a+json+xml", "application/json ", "application/json ; charset=utf-8", "application/json; charset",
                      "application/json;charset=\"utf-8", "application/json;charset=\"utf-8\"x", "application /json", "application/+json",
                      "application/json;=x", "application/j\u{E9}son", "multipart/form-data"])
    func otherContentTypesAreRefused(contentType: String?) throws {
        let response = try post(Self.body, contentType: contentType)
        #expect(response.status == 400)
        #expect(response.headers == ["content-type": "application/json", "vary": CORSHeaders.vary, "access-control-allow-credentials": "true"])
        #expect(response.bodyText == Self.wrongType)
    }

    @Test(arguments: ["application/json", "application/json; charset=utf-8", "Application/JSON", "application/vnd.convex+json", "application/json;charset=latin1",
                      "application/json;", "application/json; ", "application/json;a=1;b=\"x y\" ;c=", "application/json+xml", "APPLICATION/VND.A+JSON",
                      "application/json;charset=\"\"\""])
    func jsonContentTypesAreAccepted(contentType: String) throws {
        #expect(try post(Self.body, contentType: contentType).bodyText == Self.ok)
    }

    @Test(arguments: ["/api/query", "/api/mutation", "/api/action", "/api/function", "/api/query_batch", "/api/run/app/hi"])
    func everyFunctionRouteWantsJSON(uri: String) throws {
        let response = try post("{}", contentType: "text/plain", uri: uri)
        #expect(response.status == 400)
        #expect(response.bodyText == Self.wrongType)
    }

    @Test func theContentTypeIsCheckedBeforeTheBodyIsRead() throws {
        #expect(try post("{", contentType: nil).bodyText == Self.wrongType)
    }

    @Test(arguments: [
        ("", "Failed to parse the request body as JSON: EOF while parsing a value at line 1 column 0"),
        ("{", "Failed to parse the request body as JSON: EOF while parsing an object at line 1 column 1"),
        ("{}", "Failed to deserialize the JSON body into the target type: missing field `path` at line 1 column 2"),
        (#"{"args":{}}"#, "Failed to deserialize the JSON body into the target type: missing field `path` at line 1 column 11"),
        (#"{"path":"a:b"}"#, "Failed to deserialize the JSON body into the target type: missing field `args` at line 1 column 14"),
        (#"{"path":1,"args":{}}"#, "Failed to deserialize the JSON body into the target type: path: invalid type: integer `1`, expected a string at line 1 column 9"),
        (#"{"path":"a:b","args":{},"format":5}"#, "Failed to deserialize the JSON body into the target type: format: invalid type: integer `5`, expected a string at line 1 column 34"),
        (#"{"path":"a:b","args":}"#, "Failed to parse the request body as JSON: args: expected value at line 1 column 22"),
        (#"{"path":"a:b","args":{x}}"#, "Failed to parse the request body as JSON: args: key must be a string at line 1 column 23"),
        (#"{"path":"a:b","args":{},}"#, "Failed to parse the request body as JSON: trailing comma at line 1 column 25"),
        (#"{"path":"a:b","args":{}} x"#, "Failed to parse the request body as JSON: trailing characters at line 1 column 26"),
        (#"{"path":"a:b","args":{},"path":"c"}"#, "Failed to deserialize the JSON body into the target type: duplicate field `path` at line 1 column 30"),
        (#""str""#, "Failed to deserialize the JSON body into the target type: invalid type: string \"str\", expected struct UdfPostRequest at line 1 column 5"),
        ("null", "Failed to deserialize the JSON body into the target type: invalid type: null, expected struct UdfPostRequest at line 1 column 4"),
        (#"["a:b",{}]"#, "Failed to deserialize the JSON body into the target type: invalid length 2, expected struct UdfPostRequest with 3 elements at line 1 column 10"),
    ])
    func malformedBodiesGetAxumsText(body: String, message: String) throws {
        let response = try post(body)
        #expect(response.status == 400)
        #expect(response.headers == ["content-type": "application/json", "vary": CORSHeaders.vary, "access-control-allow-credentials": "true"])
        #expect(try response.json == .object([("code", .string("BadJsonBody")), ("message", .string(message))]))
    }

    @Test func argsMayBeAnyJSONAtThisStep() throws {
        let response = try post(#"{"path":"app:hi","args":null}"#)
        #expect(response.status == 200)
        #expect(response.textWithoutRequestId == #"{"status":"error","errorMessage":"[Request ID: X] Server Error\nArgumentValidationError: Expected to receive an object as the function's argument. Instead received: null\n"}"#)
    }

    @Test(arguments: [
        ("/api/mutation", "UdfPostRequest"), ("/api/action", "UdfPostRequest"), ("/api/function", "UdfPostRequestWithComponent"),
        ("/api/run/app/hi", "UdfPostRequestArgsOnly"), ("/api/query_batch", "QueryBatchArgs"),
    ])
    func messagesNameEachRoutesStruct(uri: String, name: String) throws {
        let response = try post("1", uri: uri)
        #expect(try response.json["message"] == .string("Failed to deserialize the JSON body into the target type: invalid type: integer `1`, expected struct \(name) at line 1 column 1"))
    }

    @Test func theLimitIsSixteenMebibytesAndTwoThousandBytes() throws {
        let limit = (1 << 24) + 2000
        let fits = Self.body + String(repeating: " ", count: limit - Self.body.utf8.count)
        #expect(try post(fits).bodyText == Self.ok)
        let response = try post(fits + " ")
        #expect(response.status == 400)
        #expect(response.bodyText == #"{"code":"BadJsonBody","message":"Failed to buffer the request body: length limit exceeded"}"#)
    }

    @Test func theLimitIsCheckedBeforeTheJSON() throws {
        let response = try post("{" + String(repeating: "x", count: 1 << 24 + 2000))
        #expect(response.bodyText == #"{"code":"BadJsonBody","message":"Failed to buffer the request body: length limit exceeded"}"#)
    }
}
