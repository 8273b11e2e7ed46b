import EventHTTP
@testable import MockConvex
import Testing

/// Arguments the backend cannot take: `InvalidArguments` (400) when the args JSON does not
/// parse again, and `Invalid arguments for <path>: ...` function errors when the JSON is no
/// Convex value (notes §6).
@Suite(.timeLimit(.minutes(1))) struct ArgumentErrorTests {
    static let config = #"{"functions": {"messages:list": {"type": "query", "echo": true}, "app:store": {"type": "mutation", "insert": "things"}}}"#
    static let invalidArguments = #"{"code":"InvalidArguments","message":"Invalid arguments provided"}"#

    private func call(_ args: String, path: String = "messages:list", route: String = "query") throws -> HTTPResponse {
        try InProcess(config: Self.config).post("/api/\(route)", #"{"path":"\#(path)","args":\#(args)}"#, headers: ["Convex-Request-Id": "a1"])
    }

    private static func nested(_ depth: Int) -> String {
        String(repeating: #"{"a":"#, count: depth - 1) + "{}" + String(repeating: "}", count: depth - 1)
    }

    @Test(arguments: ["1e400", "-1e400", #"{"n":1e400}"#, #"[{"n":[1,2,1e309]}]"#])
    func numbersBeyondFloat64AreInvalidArguments(args: String) throws {
        let response = try call(args)
        #expect(response.status == 400)
        #expect(response.headers == ["content-type": "application/json", "vary": CORSHeaders.vary, "access-control-allow-credentials": "true"])
        #expect(response.bodyText == Self.invalidArguments)
    }

    @Test func nestingCountsTheWrappingArray() throws {
        // An object 127 deep is 128 deep once wrapped in the arguments array: serde_json's limit.
        #expect(try call(Self.nested(127)).bodyText == Self.invalidArguments)
        let deepButParsed = try call(Self.nested(126))
        #expect(deepButParsed.status == 200)
        #expect(deepButParsed.bodyText == #"{"status":"error","errorMessage":"[Request ID: a1] Server Error\nInvalid arguments for messages.js:list: Value is too nested (nested 65 levels deep > maximum nesting 64)\n"}"#)
    }

    @Test func anArgumentsArrayIsNotWrapped() throws {
        let array = { (depth: Int) in "[" + Self.nested(depth - 1) + "]" }
        #expect(try call(array(128)).bodyText == Self.invalidArguments)
        #expect(try call(array(127)).status == 200)
    }

    @Test func anObjectNestedSixtyThreeDeepIsAValue() throws {
        let response = try call(Self.nested(63))
        #expect(try response.json["status"] == .string("success"))
        let tooDeep = try call(Self.nested(64))
        #expect(tooDeep.bodyText == #"{"status":"error","errorMessage":"[Request ID: a1] Server Error\nInvalid arguments for messages.js:list: Value is too nested (nested 65 levels deep > maximum nesting 64)\n"}"#)
    }

    @Test(arguments: [
        (#"{"n":{"$integer":5}}"#, "invalid type: integer `5`, expected a string"),
        (#"{"n":{"$integer":5.5}}"#, "invalid type: floating point `5.5`, expected a string"),
        (#"{"n":{"$integer":{}}}"#, "invalid type: map, expected a string"),
        (#"{"n":{"$integer":"abc"}}"#, "Int64 must be exactly eight bytes"),
        (#"{"n":{"$integer":"!!!!!!!!!!!="}}"#, "Invalid byte 33, offset 0."),
        (#"{"n":{"$float":"AAAAAAAA8D8="}}"#, "Float64 1 should be encoded as a number"),
        (#"{"$foo":1}"#, "Field name $foo starts with '$', which is reserved."),
        (#"{"n":{"$integer":"BQAAAAAAAAA=","x":1}}"#, "Field name $integer starts with '$', which is reserved."),
        (#"{"h\u00e9llo":1}"#, "Field name h\u{E9}llo has invalid character '\u{E9}': Field names can only contain non-control ASCII characters"),
    ])
    func valuesThatAreNotConvexValuesAreFunctionErrors(args: String, problem: String) throws {
        let response = try call(args)
        #expect(response.status == 200)
        #expect(try response.json == .object([
            ("status", .string("error")),
            ("errorMessage", .string("[Request ID: a1] Server Error\nInvalid arguments for messages.js:list: \(problem)\n")),
        ]))
    }

    @Test func theMessageNamesTheCanonicalPath() throws {
        let response = try call(#"{"$x":1}"#, path: "app.js:store", route: "mutation")
        #expect(response.bodyText == #"{"status":"error","errorMessage":"[Request ID: a1] Server Error\nInvalid arguments for app.js:store: Field name $x starts with '$', which is reserved.\n"}"#)
    }

    @Test func limitsOfSize() throws {
        let longName = String(repeating: "k", count: 1025)
        #expect(try call(#"{"\#(longName)":1}"#).bodyText == #"{"status":"error","errorMessage":"[Request ID: a1] Server Error\nInvalid arguments for messages.js:list: Field name is too long (1025 > maximum 1024)\n"}"#)
        let manyFields = "{" + (0...1024).map { #""f\#($0)":1"# }.joined(separator: ",") + "}"
        #expect(try call(manyFields).bodyText == #"{"status":"error","errorMessage":"[Request ID: a1] Server Error\nInvalid arguments for messages.js:list: Object has too many fields (1025 > maximum number 1024)\n"}"#)
        let longArray = #"{"a":["# + Array(repeating: "1", count: 8193).joined(separator: ",") + "]}"
        #expect(try call(longArray).bodyText == #"{"status":"error","errorMessage":"[Request ID: a1] Server Error\nInvalid arguments for messages.js:list: Array length is too long (8193 > maximum length 8192)\n"}"#)
    }

    @Test func argumentsOverSixteenMebibytesAreTooLarge() throws {
        // The arguments array {"s": "..."} measures the string's length plus 8.
        let fits = String(repeating: "x", count: (1 << 24) - 8)
        let accepted = try call(#"{"s":"\#(fits)"}"#)
        #expect(try accepted.json["status"] == .string("success"))
        let response = try call(#"{"s":"\#(fits)x"}"#)
        #expect(response.bodyText == #"{"status":"error","errorMessage":"[Request ID: a1] Server Error\nArguments for messages.js:list are too large (actual: 16.00 MiB, limit: 16 MiB)\n"}"#)
    }

    @Test func aConversionErrorComesAfterTheFunctionIsFound() throws {
        let response = try call(#"{"$x":1}"#, path: "messages:nope")
        #expect(response.bodyText == #"{"status":"error","errorMessage":"[Request ID: a1] Server Error\nCould not find public function for 'messages:nope'.\n"}"#)
    }

    @Test func aMutationWithBadArgumentsWritesNothing() throws {
        let mock = try InProcess(config: Self.config)
        let response = try mock.post("/api/mutation", #"{"path":"app:store","args":{"ok":1,"bad":{"$integer":1}}}"#)
        #expect(try response.json["status"] == .string("error"))
        #expect(mock.deployment.withStore { $0.count("things") } == 0)
    }
}
