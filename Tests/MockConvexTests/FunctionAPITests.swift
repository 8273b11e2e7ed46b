import EventHTTP
@testable import MockConvex
import Testing

/// `/api/query`, `/api/mutation`, `/api/action`: successful UdfResponses, log lines, argument
/// shapes, function paths, visibility and function types (spec §4, notes §4 and §5).
@Suite(.timeLimit(.minutes(1))) struct FunctionAPITests {
    static let config = """
        {"functions": {
          "app:version": {"type": "query", "returns": "1.2.3", "logs": ["serving version"]},
          "app:seven": {"type": "query", "returns": 7},
          "app:echo": {"type": "action", "echo": true, "delayMs": 30},
          "app:store": {"type": "mutation", "echo": true},
          "app:levels": {"type": "query", "returns": null, "logs": [
            {"level": "log", "message": "l"}, {"level": "info", "message": "i"}, {"level": "warn", "message": "w"},
            {"level": "error", "message": "e"}, {"level": "debug", "message": "it's"}]},
          "app:secret": {"type": "query", "visibility": "internal", "returns": "s3cret"},
          "app:secretWrite": {"type": "mutation", "visibility": "internal", "returns": "written"},
          "app:secretRun": {"type": "action", "visibility": "internal", "returns": "ran"},
          "home": {"type": "query", "returns": "the default export"},
          "dir/nested/mod:fn": {"type": "query", "returns": "nested"}
        }}
        """
    static let json: HTTPHeaders = ["Content-Type": "application/json"]

    private func call(_ route: String, _ body: String, headers: HTTPHeaders = [:]) throws -> HTTPResponse {
        try InProcess(config: Self.config).post("/api/\(route)", body, headers: headers)
    }

    @Test func aQueryAnswersWithItsValueAndLogLines() throws {
        let response = try call("query", #"{"path":"app:version","args":{}}"#)
        #expect(response.status == 200)
        #expect(response.headers == ["content-type": "application/json", "vary": CORSHeaders.vary, "access-control-allow-credentials": "true"])
        #expect(response.bodyText == #"{"status":"success","value":"1.2.3","logLines":["[LOG] 'serving version'"]}"#)
    }

    @Test func integralNumbersKeepTheirDecimalPoint() throws {
        #expect(try call("query", #"{"path":"app:seven","args":{}}"#).bodyText == #"{"status":"success","value":7.0}"#)
    }

    @Test func everyLogLevelHasItsPrefix() throws {
        let response = try call("query", #"{"path":"app:levels","args":{}}"#)
        #expect(response.bodyText == #"{"status":"success","value":null,"logLines":["[LOG] 'l'","[INFO] 'i'","[WARN] 'w'","[ERROR] 'e'","[DEBUG] 'it\\'s'"]}"#)
    }

    @Test func aMutationAnswersLikeAQuery() throws {
        let response = try call("mutation", #"{"path":"app:store","args":{"b":true,"a":[1,"x"]}}"#)
        #expect(response.status == 200)
        #expect(response.bodyText == #"{"status":"success","value":{"a":[1.0,"x"],"b":true}}"#)
    }

    @Test func aDelayedActionAnswersAfterItsDelay() throws {
        let clock = ContinuousClock()
        let start = clock.now
        let response = try call("action", #"{"path":"app:echo","args":{"n":5}}"#)
        #expect(clock.now - start >= .milliseconds(30))
        #expect(response.bodyText == #"{"status":"success","value":{"n":5.0}}"#)
    }

    @Test(arguments: [#"{"n":5}"#, #"[{"n":5}]"#, #" {"n":5} "#, #"  [ {"n":5} ]"#])
    func argsAreAnObjectOrAOneElementArray(args: String) throws {
        let response = try call("action", #"{"path":"app:echo","args":\#(args)}"#)
        #expect(response.bodyText == #"{"status":"success","value":{"n":5.0}}"#)
    }

    @Test(arguments: [
        ("[1,2]", "Expected to receive a single object as the function's argument. Instead received 2 arguments: [1.0, 2.0]"),
        ("[]", "Expected to receive a single object as the function's argument. Instead received 0 arguments: []"),
        ("[{},{}]", "Expected to receive a single object as the function's argument. Instead received 2 arguments: [{}, {}]"),
        ("null", "Expected to receive an object as the function's argument. Instead received: null"),
        ("[\"x\"]", "Expected to receive an object as the function's argument. Instead received: \"x\""),
        ("5", "Expected to receive an object as the function's argument. Instead received: 5.0"),
    ])
    func argsThatAreNotOneObjectFailValidation(args: String, message: String) throws {
        let response = try call("query", #"{"path":"app:seven","args":\#(args)}"#, headers: ["Convex-Request-Id": "r1"])
        #expect(response.status == 200)
        #expect(try response.json == .object([
            ("status", .string("error")),
            ("errorMessage", .string("[Request ID: r1] Server Error\nArgumentValidationError: \(message)\n")),
        ]))
    }

    @Test(arguments: ["app:version", "app.js:version"])
    func pathsNameTheSameFunctionInEveryForm(path: String) throws {
        let response = try call("query", #"{"path":"\#(path)","args":{}}"#)
        #expect(response.bodyText == #"{"status":"success","value":"1.2.3","logLines":["[LOG] 'serving version'"]}"#)
    }

    @Test(arguments: ["home", "home.js", "home:default", "home.js:default"])
    func aModuleAloneMeansItsDefaultExport(path: String) throws {
        #expect(try call("query", #"{"path":"\#(path)","args":{}}"#).bodyText == #"{"status":"success","value":"the default export"}"#)
    }

    @Test(arguments: ["dir/nested/mod:fn", "dir/nested/mod.js:fn", "dir//nested/mod:fn"])
    func modulesInDirectories(path: String) throws {
        #expect(try call("query", #"{"path":"\#(path)","args":{}}"#).bodyText == #"{"status":"success","value":"nested"}"#)
    }

    @Test(arguments: [
        ("query", "app:nope", "app:nope"),
        ("query", "app.js:nope", "app:nope"),
        ("query", "nowhere:fn", "nowhere:fn"),
        ("query", "nowhere", "nowhere"),
        ("query", "nowhere.js:default", "nowhere"),
        ("mutation", "dir/x:y", "dir/x:y"),
        ("action", "app:missing", "app:missing"),
    ])
    func unknownFunctionsAreUdfErrors(route: String, path: String, named: String) throws {
        let response = try call(route, #"{"path":"\#(path)","args":{}}"#, headers: ["Convex-Request-Id": "r1"])
        #expect(response.status == 200)
        #expect(response.bodyText == #"{"status":"error","errorMessage":"[Request ID: r1] Server Error\nCould not find public function for '\#(named)'.\n"}"#)
    }

    @Test(arguments: [
        ("mutation", "app:version", "Trying to execute app.js:version as Mutation, but it is defined as Query."),
        ("action", "app:version", "Trying to execute app.js:version as Action, but it is defined as Query."),
        ("query", "app:store", "Trying to execute app.js:store as Query, but it is defined as Mutation."),
        ("query", "app:echo", "Trying to execute app.js:echo as Query, but it is defined as Action."),
        ("mutation", "home", "Trying to execute home.js:default as Mutation, but it is defined as Query."),
    ])
    func aFunctionOfAnotherTypeIsAUdfError(route: String, path: String, message: String) throws {
        let response = try call(route, #"{"path":"\#(path)","args":{}}"#, headers: ["Convex-Request-Id": "r1"])
        #expect(response.status == 200)
        #expect(response.bodyText == #"{"status":"error","errorMessage":"[Request ID: r1] Server Error\n\#(message)\n"}"#)
    }

    @Test(arguments: [("query", "app:secret"), ("mutation", "app:secretWrite"), ("action", "app:secretRun")])
    func internalFunctionsAreNotFoundWithoutAnAdminKey(route: String, path: String) throws {
        let response = try call(route, #"{"path":"\#(path)","args":{}}"#, headers: ["Convex-Request-Id": "r1"])
        #expect(response.bodyText == #"{"status":"error","errorMessage":"[Request ID: r1] Server Error\nCould not find public function for '\#(path)'.\n"}"#)
    }

    @Test(arguments: [("query", "app:secret", "s3cret"), ("mutation", "app:secretWrite", "written"), ("action", "app:secretRun", "ran")])
    func internalFunctionsRunForAnAdmin(route: String, path: String, value: String) throws {
        let response = try call(route, #"{"path":"\#(path)","args":{}}"#, headers: InProcess.adminAuthorization)
        #expect(response.bodyText == #"{"status":"success","value":"\#(value)"}"#)
    }

    @Test func anInternalFunctionOfAnotherTypeNamesTheTypeForAnAdmin() throws {
        let response = try call("mutation", #"{"path":"app:secret","args":{}}"#, headers: ["Convex-Request-Id": "r1", "Authorization": "Convex \(InProcess.adminKey)"])
        #expect(response.bodyText == #"{"status":"error","errorMessage":"[Request ID: r1] Server Error\nTrying to execute app.js:secret as Mutation, but it is defined as Query.\n"}"#)
    }

    @Test func theRequestIdIsSixteenHexDigitsWithoutAHeader() throws {
        let response = try call("query", #"{"path":"app:nope","args":{}}"#)
        let message = try #require(try response.json["errorMessage"]?.stringValue)
        #expect(message.wholeMatch(of: /\[Request ID: [0-9a-f]{16}\] Server Error\nCould not find public function for 'app:nope'.\n/) != nil)
        #expect(response.textWithoutRequestId == #"{"status":"error","errorMessage":"[Request ID: X] Server Error\nCould not find public function for 'app:nope'.\n"}"#)
    }

    @Test func aConvexRequestIdHeaderIsUsedVerbatim() throws {
        let response = try call("query", #"{"path":"app:nope","args":{}}"#, headers: ["Convex-Request-Id": "any string, even this"])
        #expect(response.bodyText == #"{"status":"error","errorMessage":"[Request ID: any string, even this] Server Error\nCould not find public function for 'app:nope'.\n"}"#)
        #expect(!response.headers.contains("convex-request-id"))
    }

    @Test func extraBodyFieldsAreIgnored() throws {
        let response = try call("query", #"{"path":"app:seven","args":{},"extra":[1,2],"componentPath":"x"}"#)
        #expect(response.bodyText == #"{"status":"success","value":7.0}"#)
    }

    @Test func aThreeElementArrayIsTheRequestStruct() throws {
        // serde reads a struct from a sequence of its fields.
        #expect(try call("query", #"["app:seven",{},null]"#).bodyText == #"{"status":"success","value":7.0}"#)
        #expect(try call("query", #"["app:seven",{},"json"]"#).bodyText == #"{"status":"success","value":7.0}"#)
    }
}
