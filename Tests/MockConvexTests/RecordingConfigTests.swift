@testable import MockConvex
import Testing

/// How `mockconvex record` turns what passed through into a config: a case per distinct
/// arguments (as Convex values), a sequence in a case whose answers changed, redaction,
/// secrets scrubbed, the merge into a hand-written config; and how upstream answers read back.
@Suite(.timeLimit(.minutes(1))) struct RecordingConfigTests {
    private static func object(_ json: String) throws -> ConvexObject {
        guard case .object(let fields) = try ConvexValue.importing(JSONReader.parse(Array(json.utf8))) else { throw Unexpected() }
        return fields
    }

    private static func value(_ json: String) throws -> ConvexValue { try ConvexValue.importing(JSONReader.parse(Array(json.utf8))) }

    private struct Unexpected: Error {}

    private static func call(_ path: String, _ args: String, returns: String, kind: FunctionSpec.Kind? = .query) throws -> RecordedCall {
        RecordedCall(path: path, kind: kind, args: try object(args), answer: .returns(try value(returns)))
    }

    private static func saved(_ calls: [RecordedCall], redact: Set<String> = [], secrets: Set<String> = [], base: String = "{}") throws -> String {
        let builder = RecordingConfig(calls: calls, exchanges: [], redaction: Redaction(fields: redact), secrets: secrets)
        let config = builder.merged(into: try JSONReader.parse(Array(base.utf8))).config
        return String(decoding: JSONWriter.serialize(config), as: UTF8.self)
    }

    @Test func anInt64AndAFloatAreDifferentCasesButFieldOrderIsNot() throws {
        let text = try Self.saved([
            try Self.call("q:f", #"{"n": {"$integer": "AgAAAAAAAAA="}, "s": "x"}"#, returns: "1"),
            try Self.call("q:f", #"{"n": 2, "s": "x"}"#, returns: "2"),
            try Self.call("q:f", #"{"s": "x", "n": {"$integer": "AgAAAAAAAAA="}}"#, returns: "1"),
            try Self.call("q:f", #"{"s": {"deep": [1, {"a": null}]}}"#, returns: "3"),
        ])
        #expect(text == #"{"functions":{"q:f":{"type":"query","cases":[{"args":{"n":{"$integer":"AgAAAAAAAAA="},"s":"x"},"returns":1.0},{"args":{"n":2.0,"s":"x"},"returns":2.0},{"args":{"s":{"deep":[1.0,{"a":null}]}},"returns":3.0}]}}}"#)
        // And the config it makes reads back, and answers each call with its own answer.
        #expect(throws: Never.self) { try DeploymentConfig.parse(Array(text.utf8)) }
    }

    @Test func answersThatChangedForTheSameArgumentsBecomeASequenceInTheirCase() throws {
        let text = try Self.saved([
            try Self.call("jobs:state", #"{"id": "a"}"#, returns: #""queued""#),
            try Self.call("jobs:state", #"{"id": "b"}"#, returns: #""queued""#),
            try Self.call("jobs:state", #"{"id": "a"}"#, returns: #""running""#),
            try Self.call("jobs:state", #"{"id": "b"}"#, returns: #""queued""#),
            RecordedCall(path: "jobs:state", kind: .query, args: try Self.object(#"{"id": "a"}"#),
                         answer: .throwsError(message: "gone", data: try Self.value(#"{"code": 7}"#))),
        ])
        #expect(text == #"{"functions":{"jobs:state":{"type":"query","cases":[{"args":{"id":"a"},"sequence":[{"returns":"queued"},{"returns":"running"},{"throws":{"message":"gone","data":{"code":7.0}}}]},{"args":{"id":"b"},"returns":"queued"}]}}}"#)
    }

    @Test func redactedFieldsLeaveThePatternAndTheAnswerAndSecretsLeaveEverything() throws {
        let text = try Self.saved([
            try Self.call("pay:charge", #"{"card": {"number": "4242", "brand": "visa"}, "amount": 5, "apiKey": "k1", "tags": [{"apiKey": "k2"}]}"#,
                          returns: #"{"receipt": {"apiKey": "k3", "ok": true}, "note": "by tok-123 for you"}"#, kind: .mutation),
        ], redact: ["apiKey", "number"], secrets: ["tok-123"])
        // The array holding a redacted field goes whole (arrays compare whole); the token is cut
        // out of the text around it.
        #expect(text == #"{"functions":{"pay:charge":{"type":"mutation","cases":[{"argsContain":{"amount":5.0,"card":{"brand":"visa"}},"returns":{"note":"by [redacted] for you","receipt":{"apiKey":"[redacted]","ok":true}}}]}}}"#)
    }

    @Test func redactedCasesAreOrderedSoThatNoneAnswersAnothersCalls() throws {
        let text = try Self.saved([
            try Self.call("s:find", #"{"q": "a", "token": "1"}"#, returns: "1"),
            try Self.call("s:find", #"{"q": "a", "page": 2, "token": "2"}"#, returns: "2"),
            try Self.call("s:find", #"{"q": "b"}"#, returns: "3"),
        ], redact: ["token"])
        #expect(text == #"{"functions":{"s:find":{"type":"query","cases":[{"args":{"q":"b"},"returns":3.0},{"argsContain":{"page":2.0,"q":"a"},"returns":2.0},{"argsContain":{"q":"a"},"returns":1.0}]}}}"#)
        // Replayed, each call gets its own answer back.
        let config = try DeploymentConfig.parse(Array(text.utf8))
        guard case .stubs(let stubs)? = config.functions[try FunctionPath(parsing: "s:find")]?.behaviour else { throw Unexpected() }
        for (args, expected) in [(#"{"q": "a", "token": "x"}"#, 1.0), (#"{"q": "a", "page": 2, "token": "y"}"#, 2.0), (#"{"q": "b"}"#, 3.0)] {
            let chosen = try stubs.behaviour(for: Self.object(args), path: FunctionPath(parsing: "s:find")).get()
            #expect(chosen == .returns(.float64(expected)), "\(args)")
        }
    }

    @Test func anEmptySecretCutsNothingAndAHandWrittenEntryIsNeverScrubbed() throws {
        let text = try Self.saved([try Self.call("q:f", "{}", returns: #""key-1 and more""#)], secrets: ["", "key-1"],
                                  base: #"{"functions": {"h:w": {"type": "query", "returns": "key-1"}}}"#)
        #expect(text == #"{"functions":{"h:w":{"type":"query","returns":"key-1"},"q:f":{"type":"query","cases":[{"args":{},"returns":"[redacted] and more"}]}}}"#)
    }

    @Test func aFunctionSpelledAnotherWayInTheFileIsTheOneRecorded() throws {
        let text = try Self.saved([try Self.call("messages:list", "{}", returns: "1")],
                                  base: #"{"functions": {"messages.js:list": {"type": "query", "returns": 0}}}"#)
        #expect(text == #"{"functions":{"messages.js:list":{"type":"query","returns":0.0,"cases":[{"args":{},"returns":1.0}]}}}"#)
    }

    @Test func aFunctionOnlyCalledByRunIsRecordedAsAnActionWhichRunAndActionBothCall() throws {
        let text = try Self.saved([try Self.call("a/b:c", "{}", returns: "null", kind: nil)])
        #expect(text == #"{"functions":{"a/b:c":{"type":"action","cases":[{"args":{},"returns":null}]}}}"#)
    }

    @Test func aHandWrittenBehaviourBecomesTheFallbackOfTheRecordedCases() throws {
        let text = try Self.saved([try Self.call("q:f", #"{"x": 1}"#, returns: "2")],
                                  base: #"{"functions": {"q:f": {"type": "query", "list": "items", "auth": "required"}}, "seed": 1}"#)
        #expect(text == #"{"functions":{"q:f":{"type":"query","list":"items","auth":"required","cases":[{"args":{"x":1.0},"returns":2.0}]}},"seed":1.0}"#)
    }

    @Test(arguments: [
        ("Uncaught Error: boom", nil, RecordedAnswer.throwsError(message: "boom", data: nil)),
        ("Uncaught Error", nil, RecordedAnswer.throwsError(message: "", data: nil)),
        ("Uncaught ConvexError: {\"a\":1}", #"{"a": 1}"#, RecordedAnswer.throwsError(message: nil, data: .object(ConvexObject([("a", .float64(1))])))),
        ("Uncaught ConvexError: out of stock", #""x""#, RecordedAnswer.throwsError(message: "out of stock", data: .string("x"))),
        ("Uncaught TypeError: x is not a function", nil, nil),
        ("Could not find public function for 'a:b'.", nil, nil),
    ] as [(String, String?, RecordedAnswer?)])
    func anErrorIsKeptWhenAThrowGivesItBack(message: String, data: String?, expected: RecordedAnswer?) throws {
        let failure = JSFailure(message: message, frames: ["handler (../convex/a.ts:1:1)"], data: try data.map(Self.value))
        #expect(RecordedAnswer(FunctionOutcome(.failure(failure))) == expected)
    }

    @Test func anUpstreamErrorReadsBackIntoItsMessageAndFrames() {
        let failure = UpstreamOutcome.failure("[Request ID: 0123abcd] Server Error\nUncaught Error: two\nlines\n    at handler (../convex/a.ts:1:1)\n    at run (x.js:2:2)\n")
        #expect(failure == JSFailure(message: "Uncaught Error: two\nlines", frames: ["handler (../convex/a.ts:1:1)", "run (x.js:2:2)"]))
        // Without the prefix (an action callback's answer) and without frames.
        #expect(UpstreamOutcome.failure("Uncaught Error: plain\n") == JSFailure(message: "Uncaught Error: plain"))
        let outcome = UpstreamOutcome.parse(.object([("status", .string("error")), ("errorMessage", .string("Uncaught ConvexError: x\n")),
                                                     ("errorData", .object([("n", .object([("$integer", .string("AQAAAAAAAAA="))]))]))]))
        #expect(outcome == FunctionOutcome(.failure(JSFailure(message: "Uncaught ConvexError: x", data: .object(ConvexObject([("n", .int64(1))]))))))
        #expect(UpstreamOutcome.parse(.object([("status", .string("pending"))])) == nil)
    }
}
