import EventHTTP
@testable import MockConvex
import Testing

/// `/api/function` (admins only), `/api/check_admin_key`, `/api/query_ts` and the GET form of
/// `/api/query` (notes §3, §4 and §8).
@Suite(.timeLimit(.minutes(1))) struct AdminOnlyRouteTests {
    static let config = """
        {"functions": {
          "app:hi": {"type": "query", "returns": {"$integer": "BwAAAAAAAAA="}},
          "app:secret": {"type": "query", "visibility": "internal", "returns": "s3cret"},
          "app:act": {"type": "action", "visibility": "internal", "echo": true},
          "messages:send": {"type": "mutation", "insert": "messages"}
        }}
        """
    static let badDeployKey = #"{"code":"BadDeployKey","message":"The provided deploy key was invalid for this deployment. Double check that the environment this key was generated for matches the desired deployment."}"#
    static let badAdminKey = #"{"code":"BadAdminKey","message":"The provided admin key was invalid for this instance"}"#
    static let admin: HTTPHeaders = ["Authorization": "Convex \(InProcess.adminKey)", "Convex-Request-Id": "fn1"]

    private func function(_ body: String, headers: HTTPHeaders = admin) throws -> HTTPResponse {
        try InProcess(config: Self.config).post("/api/function", body, headers: headers)
    }

    // MARK: /api/function

    @Test func anAdminRunsAnyFunctionOfAnyType() throws {
        let query = try function(#"{"path":"app:secret","args":{}}"#)
        #expect(query.status == 200)
        #expect(query.headers == ["content-type": "application/json", "vary": CORSHeaders.vary, "access-control-allow-credentials": "true"])
        #expect(query.bodyText == #"{"status":"success","value":"s3cret"}"#)
        #expect(try function(#"{"path":"app:act","args":{"a":1}}"#).bodyText == #"{"status":"success","value":{"a":1.0}}"#)
        let insert = try function(#"{"path":"messages:send","args":{"body":"x"}}"#)
        #expect(try insert.json["status"] == .string("success"))
    }

    @Test func theDefaultFormatIsTheClients() throws {
        #expect(try function(#"{"path":"app:hi","args":{}}"#).bodyText == #"{"status":"success","value":"7"}"#)
        var headers = Self.admin
        headers.add("Convex-Client", "npm-1.0.0")
        #expect(try function(#"{"path":"app:hi","args":{}}"#, headers: headers).bodyText == #"{"status":"success","value":{"$integer":"BwAAAAAAAAA="}}"#)
    }

    @Test func withoutAKeyItIsForbidden() throws {
        let response = try function(#"{"path":"app:hi","args":{}}"#, headers: [:])
        #expect(response.status == 403)
        #expect(response.headers == ["content-type": "application/json", "vary": CORSHeaders.vary, "access-control-allow-credentials": "true"])
        #expect(response.bodyText == Self.badDeployKey)
    }

    @Test func aWrongKeyIsUnauthenticated() throws {
        let response = try function(#"{"path":"app:hi","args":{}}"#, headers: ["Authorization": "Convex nope|01"])
        #expect(response.status == 401)
        #expect(response.bodyText == Self.badAdminKey)
    }

    @Test func aBearerTokenIsNoAdmin() throws {
        // The JWT is refused before the admin check, as no auth provider is configured.
        let response = try function(#"{"path":"app:hi","args":{}}"#, headers: ["Authorization": "Bearer a.b.c"])
        #expect(response.status == 401)
        #expect(try response.json["code"] == .string("InvalidAuthHeader"))
    }

    @Test func theKeyIsCheckedBeforeThePath() throws {
        let response = try function(#"{"path":"a-b","args":{}}"#, headers: [:])
        #expect(response.status == 403)
        #expect(response.bodyText == Self.badDeployKey)
    }

    @Test func aBadPathIsBadConvexFunctionIdentifierForAnAdmin() throws {
        let response = try function(#"{"path":"a-b","args":{}}"#)
        #expect(response.status == 400)
        #expect(response.bodyText == #"{"code":"BadConvexFunctionIdentifier","message":"a-b is not a valid path to a Convex function. Path component a-b.js can only contain alphanumeric characters, underscores, or periods."}"#)
    }

    @Test func anUnknownFunctionHasTheDevHint() throws {
        let response = try function(#"{"path":"app.js:nope","args":{}}"#)
        #expect(response.status == 200)
        #expect(response.bodyText == #"{"status":"error","errorMessage":"[Request ID: fn1] Server Error\nCould not find function for 'app:nope'. Did you forget to run `npx convex dev`?\n"}"#)
    }

    @Test(arguments: [#""componentPath":"""#, #""componentPath":null"#])
    func anEmptyComponentPathIsTheRoot(component: String) throws {
        #expect(try function(#"{\#(component),"path":"app:secret","args":{}}"#).bodyText == #"{"status":"success","value":"s3cret"}"#)
    }

    @Test func anotherComponentHasNoFunctions() throws {
        let response = try function(#"{"componentPath":"widgets/inner","path":"app:secret","args":{}}"#)
        #expect(response.status == 200)
        #expect(response.bodyText == #"{"status":"error","errorMessage":"[Request ID: fn1] Server Error\nCould not find function for 'app:secret' in 'widgets/inner'. Did you forget to run `npx convex dev`?\n"}"#)
    }

    @Test(arguments: [
        ("a//b", "Identifier cannot be empty"),
        ("1st", "Invalid first character '1' in 1st: Identifiers must start with an alphabetic character or underscore"),
        ("my-widget", "Identifier my-widget has invalid character '-': Identifiers can only contain alphanumeric characters or underscores"),
    ])
    func aMalformedComponentPathIsInvalidComponentPath(component: String, message: String) throws {
        let response = try function(#"{"componentPath":"\#(component)","path":"app:secret","args":{}}"#)
        #expect(response.status == 400)
        #expect(try response.json == .object([("code", .string("InvalidComponentPath")), ("message", .string(message))]))
    }

    @Test func itsBodyIsUdfPostRequestWithComponent() throws {
        let response = try function(#""x""#)
        #expect(response.bodyText == #"{"code":"BadJsonBody","message":"Failed to deserialize the JSON body into the target type: invalid type: string \"x\", expected struct UdfPostRequestWithComponent at line 1 column 3"}"#)
    }

    // MARK: /api/check_admin_key

    @Test func checkAdminKeyAcceptsTheAdminKey() throws {
        let response = try InProcess().admin(.GET, "/api/check_admin_key", headers: Self.admin)
        #expect(response.status == 200)
        #expect(response.headers == ["content-type": "application/json", "vary": CORSHeaders.vary, "access-control-allow-credentials": "true"])
        #expect(response.bodyText == #"{"success":true,"allowedOps":[],"isReadOnly":false}"#)
    }

    @Test func checkAdminKeyTakesTheQueryParameter() throws {
        let response = try InProcess().admin(.GET, "/api/check_admin_key?adminKey=\(InProcess.adminKey.replacing("|", with: "%7C"))")
        #expect(response.bodyText == #"{"success":true,"allowedOps":[],"isReadOnly":false}"#)
    }

    @Test func checkAdminKeyWithoutAKeyIsForbidden() throws {
        let response = try InProcess().admin(.GET, "/api/check_admin_key")
        #expect(response.status == 403)
        #expect(response.bodyText == Self.badDeployKey)
    }

    @Test(arguments: ["Convex nope|01", "Convex ", "Convex carnitas|01testkey", "Convex convex-self-hosted|01testkey0"])
    func checkAdminKeyWithAWrongKeyIsUnauthenticated(authorization: String) throws {
        let response = try InProcess().admin(.GET, "/api/check_admin_key", headers: ["Authorization": authorization])
        #expect(response.status == 401)
        #expect(response.bodyText == Self.badAdminKey)
    }

    @Test(arguments: [("abc", "InvalidHeaderFailure"), ("Basic abcdef", "InvalidAdminKey")])
    func checkAdminKeyWithAMalformedHeaderIsABadRequest(authorization: String, code: String) throws {
        let response = try InProcess().admin(.GET, "/api/check_admin_key", headers: ["Authorization": authorization])
        #expect(response.status == 400)
        #expect(try response.json["code"] == .string(code))
    }

    @Test func checkAdminKeyAnswersHead() throws {
        let response = try InProcess().admin(.HEAD, "/api/check_admin_key", headers: Self.admin)
        #expect(response.status == 200)
    }

    // MARK: /api/query_ts

    @Test func queryTsIsEightLittleEndianBytesInBase64() throws {
        let mock = try InProcess(config: Self.config)
        let response = try mock.admin(.POST, "/api/query_ts")
        #expect(response.status == 200)
        #expect(response.headers == ["content-type": "application/json", "vary": CORSHeaders.vary, "access-control-allow-credentials": "true"])
        let text = try #require(try response.json["ts"]?.stringValue)
        #expect(response.bodyText == #"{"ts":"\#(text)"}"#)
        #expect(text.utf8.count == 12)
        let bytes = try Base64.decode(text)
        let ts = bytes.enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        #expect(ts == mock.deployment.latestTimestamp)
    }

    @Test func queryTsNeedsNoBodyKeyOrContentType() throws {
        let response = try InProcess().admin(.POST, "/api/query_ts", headers: ["Content-Type": "text/plain"], body: "ignored")
        #expect(response.status == 200)
        // It reads no credentials, so not even a malformed or wrong one matters.
        #expect(try InProcess().admin(.POST, "/api/query_ts", headers: ["Authorization": "abc"]).status == 200)
        #expect(try InProcess().admin(.POST, "/api/query_ts?adminKey=a&adminKey=b", headers: ["Authorization": "Convex nope|01"]).status == 200)
    }

    @Test func queryTsMovesWithEveryCommit() throws {
        let mock = try InProcess(config: Self.config)
        let before = try #require(try mock.admin(.POST, "/api/query_ts").json["ts"]?.stringValue)
        _ = try mock.post("/api/query", #"{"path":"app:hi","args":{}}"#)
        #expect(try mock.admin(.POST, "/api/query_ts").json["ts"]?.stringValue == before)
        _ = try mock.post("/api/mutation", #"{"path":"messages:send","args":{}}"#)
        let after = try #require(try mock.admin(.POST, "/api/query_ts").json["ts"]?.stringValue)
        #expect(after != before)
    }

    // MARK: GET /api/query

    @Test(arguments: [
        ("/api/query", "missing field `path`"),
        ("/api/query?path=app:hi", "missing field `args`"),
        ("/api/query?path=app:hi&args=%7B%7D", "invalid type: newtype struct, expected any valid JSON value"),
        ("/api/query?args=%7B%7D", "invalid type: newtype struct, expected any valid JSON value"),
        ("/api/query?path=a&path=b&args=%7B%7D", "duplicate field `path`"),
        ("/api/query?format=json&args=1&format=json", "invalid type: newtype struct, expected any valid JSON value"),
        ("/api/query?format=json&format=json", "duplicate field `format`"),
        ("/api/query?adminKey=k&format=json", "missing field `path`"),
    ])
    func queryByGetIsAlwaysBadQueryArgs(uri: String, problem: String) throws {
        let response = try InProcess(config: Self.config).admin(.GET, uri)
        #expect(response.status == 400)
        #expect(response.headers == ["content-type": "application/json", "vary": CORSHeaders.vary, "access-control-allow-credentials": "true"])
        #expect(response.bodyText == #"{"code":"BadQueryArgs","message":"Failed to deserialize query string: \#(problem)"}"#)
    }
}
