import EventHTTP
@testable import MockConvex
import Testing

/// `Authorization` and `?adminKey=` on the function routes: syntax errors (400) come before
/// the body is read, validation (401) after the path is parsed, and a wrong admin key is 401
/// everywhere, the function never running (notes §0 and §3).
@Suite(.timeLimit(.minutes(1))) struct AuthorizationAPITests {
    static let config = """
        {"functions": {
          "app:hi": {"type": "query", "returns": "hi"},
          "app:secret": {"type": "query", "visibility": "internal", "returns": "s3cret"},
          "messages:send": {"type": "mutation", "insert": "messages"}
        }}
        """
    static let badAdminKey = #"{"code":"BadAdminKey","message":"The provided admin key was invalid for this instance"}"#
    static let secretCall = #"{"path":"app:secret","args":{}}"#

    private func query(_ body: String = #"{"path":"app:hi","args":{}}"#, authorization: String?, uri: String = "/api/query") throws -> HTTPResponse {
        let headers: HTTPHeaders = authorization.map { ["Authorization": $0] } ?? [:]
        return try InProcess(config: Self.config).post(uri, body, headers: headers)
    }

    @Test(arguments: ["", "abc", "Bearer", "Convex", "bearer", "123456"])
    func valuesShorterThanSevenBytesAreInvalidHeaders(value: String) throws {
        let response = try query(authorization: value)
        #expect(response.status == 400)
        #expect(response.headers == ["content-type": "application/json", "vary": CORSHeaders.vary, "access-control-allow-credentials": "true"])
        #expect(response.bodyText == #"{"code":"InvalidHeaderFailure","message":"Invalid authentication header"}"#)
    }

    @Test(arguments: ["Basic dXNlcjpwYXNz", "Bearer ", "Token abcdefg", "Bearerx token", "Convex-key", "1234567"])
    func otherSchemesAreInvalidAdminKeys(value: String) throws {
        let response = try query(authorization: value)
        #expect(response.status == 400)
        #expect(response.bodyText == #"{"code":"InvalidAdminKey","message":"Invalid admin key"}"#)
    }

    @Test func valuesThatAreNotVisibleASCIICannotBeParsed() throws {
        let response = try query(authorization: "Convex k\u{E9}y\t\"q\"\u{7F}")
        #expect(response.status == 400)
        #expect(try response.json == .object([
            ("code", .string("HeaderParseFailure")),
            ("message", .string("Failed to parse header \"Convex k\\xc3\\xa9y\t\\\"q\\\"\\x7f\"")),
        ]))
    }

    @Test func aMalformedActingUserIsRefused() throws {
        let response = try query(authorization: "Convex \(InProcess.adminKey):not base64!")
        #expect(response.status == 400)
        #expect(response.bodyText == #"{"code":"HeaderParseFailure","message":"Malformed Authorization header."}"#)
    }

    @Test(arguments: ["Convex convex-self-hosted|01wrong", "Convex ", "Convex \(InProcess.adminKey)x", "Convex other|01testkey", "convex  \(InProcess.adminKey)"])
    func aWrongAdminKeyIs401(value: String) throws {
        let response = try query(authorization: value)
        #expect(response.status == 401)
        #expect(response.headers == ["content-type": "application/json", "vary": CORSHeaders.vary, "access-control-allow-credentials": "true"])
        #expect(response.bodyText == Self.badAdminKey)
    }

    @Test(arguments: ["/api/query", "/api/mutation", "/api/action", "/api/function", "/api/run/app/hi", "/api/query_batch"])
    func aWrongAdminKeyIs401OnEveryFunctionRoute(route: String) throws {
        let body = route == "/api/query_batch" ? #"{"queries":[{"path":"app:hi","args":{}}]}"# : #"{"path":"app:hi","args":{}}"#
        let response = try query(body, authorization: "Convex nope|01", uri: route)
        #expect(response.status == 401)
        #expect(response.bodyText == Self.badAdminKey)
    }

    @Test func aMutationWithAWrongKeyDoesNotRun() throws {
        let mock = try InProcess(config: Self.config)
        let response = try mock.post("/api/mutation", #"{"path":"messages:send","args":{"body":"x"}}"#, headers: ["Authorization": "Convex nope|01"])
        #expect(response.status == 401)
        #expect(mock.deployment.withStore { $0.count("messages") } == 0)
    }

    @Test(arguments: [
        "Convex \(InProcess.adminKey)", "convex \(InProcess.adminKey)", "CONVEX \(InProcess.adminKey)",
        "Convex prod:\(InProcess.adminKey)", "Convex dev:\(InProcess.adminKey)",
    ])
    func theAdminKeyMakesAnAdmin(value: String) throws {
        let response = try query(Self.secretCall, authorization: value)
        #expect(response.status == 200)
        #expect(response.bodyText == #"{"status":"success","value":"s3cret"}"#)
    }

    @Test func theAdminKeyMayComeAsAQueryParameter() throws {
        let response = try query(Self.secretCall, authorization: nil, uri: "/api/query?adminKey=\(InProcess.adminKey.replacing("|", with: "%7C"))")
        #expect(response.bodyText == #"{"status":"success","value":"s3cret"}"#)
    }

    @Test(arguments: ["/api/query?adminKey=wrong", "/api/query?adminKey=", "/api/query?adminKey", "/api/query?x=1&adminKey=convex-self-hosted%7C01"])
    func aWrongQueryParameterKeyIs401(uri: String) throws {
        let response = try query(authorization: nil, uri: uri)
        #expect(response.status == 401)
        #expect(response.bodyText == Self.badAdminKey)
    }

    @Test func theQueryParameterIsUsedVerbatimWithoutPrefixStripping() throws {
        let response = try query(authorization: nil, uri: "/api/query?adminKey=prod:\(InProcess.adminKey.replacing("|", with: "%7C"))")
        #expect(response.status == 401)
    }

    @Test func aHeaderBeatsTheQueryParameter() throws {
        let response = try query(Self.secretCall, authorization: "Convex \(InProcess.adminKey)", uri: "/api/query?adminKey=wrong")
        #expect(response.bodyText == #"{"status":"success","value":"s3cret"}"#)
        let anonymous = try query(Self.secretCall, authorization: "Convex wrong", uri: "/api/query?adminKey=\(InProcess.adminKey)")
        #expect(anonymous.status == 401)
    }

    @Test func aRepeatedQueryParameterIsBadQueryArgs() throws {
        let response = try query(authorization: nil, uri: "/api/query?adminKey=a&adminKey=b")
        #expect(response.status == 400)
        #expect(response.bodyText == #"{"code":"BadQueryArgs","message":"Failed to deserialize query string: duplicate field `adminKey`"}"#)
    }

    @Test func aRepeatedQueryParameterIsNotReadWhenThereIsAHeader() throws {
        let response = try query(Self.secretCall, authorization: "Convex \(InProcess.adminKey)", uri: "/api/query?adminKey=a&adminKey=b")
        #expect(response.status == 200)
        #expect(response.bodyText == #"{"status":"success","value":"s3cret"}"#)
    }

    @Test(arguments: [
        ("Bearer not-a-jwt", "InvalidAuthHeader", "Could not parse JWT payload. Check that the token is a valid JWT format with three base64-encoded parts separated by dots."),
        ("Bearer a.b.c", "InvalidAuthHeader", "Could not parse JWT payload. Check that the token is a valid JWT format with three base64-encoded parts separated by dots."),
        ("Bearer        ", "InvalidAuthHeader", "Could not parse JWT payload. Check that the token is a valid JWT format with three base64-encoded parts separated by dots."),
        // {"sub":"u"}
        ("Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1In0.c2ln", "InvalidAuthHeader", "Missing issuer claim ('iss') in JWT payload. The JWT must include an 'iss' claim that matches one of your configured auth providers."),
        // {"iss":"https://issuer.example","sub":"u"}
        ("bearer  eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJodHRwczovL2lzc3Vlci5leGFtcGxlIiwic3ViIjoidSJ9.c2ln ", "NoAuthProvider", "No auth provider found matching the given token (no providers configured). Check convex/auth.config.ts."),
    ])
    func bearerTokensAreRefusedWithoutAuthProviders(value: String, code: String, message: String) throws {
        let response = try query(authorization: value)
        #expect(response.status == 401)
        #expect(try response.json == .object([("code", .string(code)), ("message", .string(message))]))
    }

    // MARK: The order of the checks

    @Test func aBadHeaderBeatsABadBody() throws {
        let response = try InProcess(config: Self.config).admin(.POST, "/api/query", headers: ["Authorization": "abc"], body: "{")
        #expect(try response.json["code"] == .string("InvalidHeaderFailure"))
    }

    @Test func aBadBodyBeatsABadPath() throws {
        let response = try query(#"{"path":"a-b:c","args":{}"#, authorization: nil)
        #expect(response.bodyText == #"{"code":"BadJsonBody","message":"Failed to parse the request body as JSON: EOF while parsing an object at line 1 column 25"}"#)
    }

    @Test func aBadPathBeatsAWrongAdminKey() throws {
        let response = try query(#"{"path":"a-b:c","args":{}}"#, authorization: "Convex nope|01")
        #expect(response.status == 400)
        #expect(response.bodyText == #"{"code":"BadConvexFunctionIdentifier","message":"a-b:c is not a valid path to a Convex function. Path component a-b.js can only contain alphanumeric characters, underscores, or periods."}"#)
    }

    @Test func aWrongAdminKeyBeatsBadArguments() throws {
        let response = try query(#"{"path":"app:hi","args":{"n":1e400}}"#, authorization: "Convex nope|01")
        #expect(response.status == 401)
    }
}
