import EventHTTP
@testable import MockConvex
import Testing

/// `POST /api/run/{*functionIdentifier}`: the URL names the function, any type runs, the
/// default format is always clean (notes §4 and §8).
@Suite(.timeLimit(.minutes(1))) struct RunRouteTests {
    static let config = """
        {"functions": {
          "messages:list": {"type": "query", "returns": [{"$integer": "BQAAAAAAAAA="}]},
          "messages:send": {"type": "mutation", "echo": true},
          "app:act": {"type": "action", "returns": "acted", "delayMs": 5},
          "app:fail": {"type": "query", "throws": {"data": {"n": {"$integer": "AQAAAAAAAAA="}}}},
          "app:secret": {"type": "query", "visibility": "internal", "returns": "s3cret"},
          "dir/sub/mod:fn": {"type": "query", "returns": "deep"}
        }}
        """
    static let requestId: HTTPHeaders = ["Convex-Request-Id": "run1"]

    private func run(_ uri: String, _ body: String = #"{"args":{}}"#, headers: HTTPHeaders = requestId) throws -> HTTPResponse {
        try InProcess(config: Self.config).post(uri, body, headers: headers)
    }

    @Test func theLastSegmentIsTheFunction() throws {
        let response = try run("/api/run/messages/list")
        #expect(response.status == 200)
        #expect(response.headers == ["content-type": "application/json", "vary": CORSHeaders.vary, "access-control-allow-credentials": "true"])
        #expect(response.bodyText == #"{"status":"success","value":["5"]}"#)
    }

    @Test func earlierSegmentsAreDirectories() throws {
        #expect(try run("/api/run/dir/sub/mod/fn").bodyText == #"{"status":"success","value":"deep"}"#)
        #expect(try run("/api/run/dir/sub/mod.js/fn").bodyText == #"{"status":"success","value":"deep"}"#)
    }

    @Test func segmentsArePercentDecoded() throws {
        #expect(try run("/api/run/dir%2Fsub/mod/fn").bodyText == #"{"status":"success","value":"deep"}"#)
        #expect(try run("/api/run/di%72/sub/mod/%66n").bodyText == #"{"status":"success","value":"deep"}"#)
        // Twice: once by the router, once by the backend.
        #expect(try run("/api/run/dir%252Fsub/mod/fn").bodyText == #"{"status":"success","value":"deep"}"#)
    }

    @Test func everyTypeOfFunctionRuns() throws {
        #expect(try run("/api/run/messages/send", #"{"args":{"x":1}}"#).bodyText == #"{"status":"success","value":{"x":1.0}}"#)
        #expect(try run("/api/run/app/act").bodyText == #"{"status":"success","value":"acted"}"#)
    }

    @Test func theDefaultFormatIsCleanWhateverTheClient() throws {
        let response = try run("/api/run/messages/list", headers: ["Convex-Client": "python-convex-0.4.0"])
        #expect(response.bodyText == #"{"status":"success","value":["5"]}"#)
        let failed = try run("/api/run/app/fail", headers: ["Convex-Client": "npm-1.0.0", "Convex-Request-Id": "run1"])
        #expect(failed.bodyText == #"{"status":"error","errorMessage":"[Request ID: run1] Server Error\nUncaught ConvexError: {\"n\":\"1n\"}\n    at handler (../convex/app.ts:1:1)\n","errorData":{"n":"1"}}"#)
    }

    @Test func anExplicitFormatIsHonoured() throws {
        #expect(try run("/api/run/messages/list", #"{"args":{},"format":"convex_encoded_json"}"#).bodyText == #"{"status":"success","value":[{"$integer":"BQAAAAAAAAA="}]}"#)
        let refused = try run("/api/run/messages/list", #"{"args":{},"format":"yaml"}"#)
        #expect(refused.status == 400)
        #expect(refused.bodyText == #"{"code":"BadFormat","message":"format param must be one of [`json`]. Got yaml"}"#)
    }

    @Test(arguments: ["/api/run/messages:list", "/api/run/messages", "/api/run/a%252Fb"])
    func fewerThanTwoSegmentsIsMissingIdentifier(uri: String) throws {
        let response = try run(uri)
        #expect(response.status == 400)
        #expect(response.bodyText == #"{"code":"MissingIdentifier","message":"Path or function name not provided in path, e.g. /api/run/messages/list"}"#)
    }

    @Test func aSegmentThatDecodesToInvalidUTF8IsMissingIdentifier() throws {
        let response = try run("/api/run/messages/%25FF")
        #expect(response.bodyText == #"{"code":"MissingIdentifier","message":"Path or function name not provided in path, e.g. /api/run/messages/list"}"#)
    }

    @Test func aWildcardThatDecodesToInvalidUTF8IsBadPathArgs() throws {
        let response = try run("/api/run/messages/%FF")
        #expect(response.status == 400)
        #expect(response.bodyText == #"{"code":"BadPathArgs","message":"Invalid UTF-8 in `functionIdentifier`"}"#)
    }

    @Test(arguments: [
        ("/api/run/messages/", "messages: is not a valid path to a Convex function. Identifier cannot be empty"),
        ("/api/run/a%20b/c", "a b:c is not a valid path to a Convex function. Path component a b.js can only contain alphanumeric characters, underscores, or periods."),
        ("/api/run/messages/1x", "messages:1x is not a valid path to a Convex function. Invalid first character '1' in 1x: Identifiers must start with an alphabetic character or underscore"),
    ])
    func badFunctionPathsAreBadConvexFunctionIdentifier(uri: String, message: String) throws {
        let response = try run(uri)
        #expect(response.status == 400)
        #expect(try response.json == .object([("code", .string("BadConvexFunctionIdentifier")), ("message", .string(message))]))
    }

    @Test func unknownAndInternalFunctionsAreNotFound() throws {
        let unknown = try run("/api/run/messages/nope")
        #expect(unknown.bodyText == #"{"status":"error","errorMessage":"[Request ID: run1] Server Error\nCould not find function for 'messages:nope'. Did you forget to run `npx convex dev`?\n"}"#)
        let internalFunction = try run("/api/run/app/secret")
        #expect(internalFunction.bodyText == #"{"status":"error","errorMessage":"[Request ID: run1] Server Error\nCould not find function for 'app:secret'. Did you forget to run `npx convex dev`?\n"}"#)
    }

    @Test func anAdminRunsInternalFunctions() throws {
        #expect(try run("/api/run/app/secret", headers: InProcess.adminAuthorization).bodyText == #"{"status":"success","value":"s3cret"}"#)
    }

    @Test func aWrongAdminKeyIsCheckedBeforeTheURLIsMadeSenseOf() throws {
        for uri in ["/api/run/messages", "/api/run/a-b/c"] {
            let response = try run(uri, headers: ["Authorization": "Convex nope|01"])
            #expect(response.status == 401)
            #expect(response.bodyText == #"{"code":"BadAdminKey","message":"The provided admin key was invalid for this instance"}"#)
        }
    }

    @Test func aBadBodyIsCheckedBeforeTheURLIsMadeSenseOf() throws {
        let response = try run("/api/run/messages", #"{"args":{},"format":[]}"#)
        #expect(response.bodyText == #"{"code":"BadJsonBody","message":"Failed to deserialize the JSON body into the target type: format: invalid type: sequence, expected a string at line 1 column 20"}"#)
        let missing = try run("/api/run/messages", "{}")
        #expect(missing.bodyText == #"{"code":"BadJsonBody","message":"Failed to deserialize the JSON body into the target type: missing field `args` at line 1 column 2"}"#)
    }

    @Test func theBodyNeedsAJSONContentType() throws {
        let response = try InProcess(config: Self.config).admin(.POST, "/api/run/messages/list", body: #"{"args":{}}"#)
        #expect(response.status == 400)
        #expect(response.bodyText == #"{"code":"BadJsonBody","message":"Expected request with `Content-Type: application/json`"}"#)
    }

    @Test(arguments: [HTTPMethod.GET, .PUT, .DELETE, .PATCH])
    func onlyPostIsAllowed(method: HTTPMethod) throws {
        let response = try InProcess(config: Self.config).admin(method, "/api/run/messages/list")
        #expect(response.status == 405)
        #expect(response.headers == ["allow": "POST", "vary": CORSHeaders.vary, "access-control-allow-credentials": "true"])
        #expect(response.body.isEmpty)
    }

    @Test(arguments: [HTTPMethod.POST, .GET])
    func theBarePrefixIsNoRoute(method: HTTPMethod) throws {
        let response = try InProcess(config: Self.config).admin(method, "/api/run/", headers: ["Content-Type": "application/json", "Authorization": "abc"], body: "{")
        #expect(response.status == 404)
        #expect(response.headers == ["vary": CORSHeaders.vary, "access-control-allow-credentials": "true"])
        #expect(response.body.isEmpty)
    }
}
