import EventHTTP
@testable import MockConvex
import Testing

/// `BadConvexFunctionIdentifier`: a `path` the backend cannot parse is a 400, not a function
/// error (notes §4).
@Suite(.timeLimit(.minutes(1))) struct FunctionIdentifierTests {
    @Test(arguments: [
        ("", " is not a valid path to a Convex function. Module path  doesn't have a filename."),
        ("messages:", "messages: is not a valid path to a Convex function. Identifier cannot be empty"),
        ("messages:1x", "messages:1x is not a valid path to a Convex function. Invalid first character '1' in 1x: Identifiers must start with an alphabetic character or underscore"),
        ("messages:a-b", "messages:a-b is not a valid path to a Convex function. Identifier a-b has invalid character '-': Identifiers can only contain alphanumeric characters or underscores"),
        ("messages:__", "messages:__ is not a valid path to a Convex function. Identifier __ cannot have exclusively underscores"),
        ("foo.ts:bar", "foo.ts:bar is not a valid path to a Convex function. Module path (foo.ts) has an extension that isn't 'js'."),
        ("/abs:fn", "/abs:fn is not a valid path to a Convex function. Module paths must be relative (/abs is absolute)."),
        ("a/../b:fn", "a/../b:fn is not a valid path to a Convex function. Invalid path component ParentDir in a/../b."),
        ("./app:fn", "./app:fn is not a valid path to a Convex function. Invalid path component CurDir in ./app."),
        ("foo-bar:list", "foo-bar:list is not a valid path to a Convex function. Path component foo-bar.js can only contain alphanumeric characters, underscores, or periods."),
        ("a:b:c", "a:b:c is not a valid path to a Convex function. Path component a:b.js can only contain alphanumeric characters, underscores, or periods."),
    ])
    func badPathsAre400(path: String, message: String) throws {
        for route in ["query", "mutation", "action"] {
            let response = try InProcess().post("/api/\(route)", #"{"path":"\#(path)","args":{}}"#)
            #expect(response.status == 400)
            #expect(response.headers == ["content-type": "application/json", "vary": CORSHeaders.vary, "access-control-allow-credentials": "true"])
            #expect(try response.json == .object([("code", .string("BadConvexFunctionIdentifier")), ("message", .string(message))]))
        }
    }

    @Test func aBadPathBeatsBadArguments() throws {
        let response = try InProcess().post("/api/query", #"{"path":"a-b","args":{"n":1e400}}"#)
        #expect(try response.json["code"] == .string("BadConvexFunctionIdentifier"))
    }
}
