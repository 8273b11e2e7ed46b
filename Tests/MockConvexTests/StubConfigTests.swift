@testable import MockConvex
import Testing

/// The rules of `cases`, `sequence` and `afterLast`, each refused with its path and a message
/// that says what to write instead; the same through `PUT /_mock/functions/{path}`.
@Suite(.timeLimit(.minutes(1))) struct StubConfigTests {
    private static func function(_ body: String) -> String { #"{"functions": {"a:b": \#(body)}}"# }

    @Test(arguments: [
        (#"{"type": "query", "cases": [{"args": {}, "returns": 1}], "sequence": [{"returns": 1}]}"#, #"$.functions["a:b"]"#,
         #"has both "cases" and "sequence"; give one: cases answer by the arguments, a sequence by the order of calls"#),
        (#"{"type": "query", "cases": []}"#, #"$.functions["a:b"].cases"#,
         #"expected at least one case, such as {"args": {...}, "returns": ...}; remove "cases" to have none"#),
        (#"{"type": "query", "cases": {"args": {}}}"#, #"$.functions["a:b"].cases"#, "expected an array, got an object"),
        (#"{"type": "query", "cases": ["x"]}"#, #"$.functions["a:b"].cases[0]"#, "expected an object, got a string"),
        (#"{"type": "query", "cases": [{"returns": 1}]}"#, #"$.functions["a:b"].cases[0]"#,
         #"missing "args" (the whole arguments object) or "argsContain" (fields the arguments must have)"#),
        (#"{"type": "query", "cases": [{"args": {}, "argsContain": {}, "returns": 1}]}"#, #"$.functions["a:b"].cases[0]"#,
         #"has both "args" and "argsContain"; give one: "args" for the whole arguments object, "argsContain" for some of its fields"#),
        (#"{"type": "query", "cases": [{"args": {}, "returns": 1}, {"args": [1], "returns": 2}]}"#, #"$.functions["a:b"].cases[1].args"#,
         "expected an object (a function's arguments are one object), got an array"),
        (#"{"type": "query", "cases": [{"argsContain": "sku", "returns": 1}]}"#, #"$.functions["a:b"].cases[0].argsContain"#,
         "expected an object (a function's arguments are one object), got a string"),
        (#"{"type": "query", "cases": [{"args": {"$integer": "AQAAAAAAAAA="}, "returns": 1}]}"#, #"$.functions["a:b"].cases[0].args"#,
         #"expected an object (a function's arguments are one object), got the encoded value {"$integer": ...}"#),
        (#"{"type": "query", "cases": [{"args": {"n": {"$integer": "x"}}, "returns": 1}]}"#, #"$.functions["a:b"].cases[0].args"#,
         "not a Convex value: Encoded text cannot have a 6-bit remainder."),
        (#"{"type": "query", "cases": [{"args": {}}]}"#, #"$.functions["a:b"].cases[0]"#, "missing an answer: one of returns, throws, echo, identity"),
        (#"{"type": "query", "cases": [{"args": {}, "returns": 1, "throws": "x"}]}"#, #"$.functions["a:b"].cases[0]"#,
         "has several answers (returns, throws); give exactly one"),
        (#"{"type": "query", "cases": [{"args": {}, "list": "t"}]}"#, #"$.functions["a:b"].cases[0].list"#,
         #"a case answers with returns, throws, echo, identity; "list" reads or writes state, so declare it on the function itself, where it answers the calls no case matches"#),
        (#"{"type": "query", "cases": [{"args": {}, "returns": 1, "delayMs": 5}]}"#, #"$.functions["a:b"].cases[0].delayMs"#,
         "unknown key; expected one of args, argsContain, sequence, afterLast, returns, throws, echo, identity"),
        (#"{"type": "query", "cases": [{"args": {}, "sequence": [{"returns": 1}], "returns": 2}]}"#, #"$.functions["a:b"].cases[0].returns"#,
         #"a case with a "sequence" answers from it alone; make this an entry of the sequence"#),
        (#"{"type": "query", "cases": [{"args": {}, "returns": 2, "afterLast": "fail"}]}"#, #"$.functions["a:b"].cases[0].afterLast"#,
         #""afterLast" only applies to "sequence""#),
        (#"{"type": "query", "cases": [{"args": {}, "sequence": []}]}"#, #"$.functions["a:b"].cases[0].sequence"#,
         #"expected at least one entry, such as {"returns": ...}"#),
        (#"{"type": "query", "cases": [{"args": {}, "sequence": [{"insert": "t"}]}]}"#, #"$.functions["a:b"].cases[0].sequence[0].insert"#,
         #"a sequence entry answers with returns, throws, echo, identity; "insert" reads or writes state, so declare it on the function itself, where it answers the calls no case matches"#),
        (#"{"type": "query", "cases": [{"args": {}, "sequence": [{"returns": 1}], "afterLast": "loop"}]}"#, #"$.functions["a:b"].cases[0].afterLast"#,
         #"expected "repeat" (keep answering with the last entry) or "fail" (fail every later call), got "loop""#),
        (#"{"type": "query", "cases": [{"args": {}, "throws": {}}]}"#, #"$.functions["a:b"].cases[0].throws"#,
         #"give a "message", "data" (for a ConvexError), or both"#),
        (#"{"type": "query", "cases": [{"args": {}, "echo": false}]}"#, #"$.functions["a:b"].cases[0].echo"#, "expected true, got false"),
        (#"{"type": "query", "cases": [{"args": {}, "returns": 1}], "returns": 1, "echo": true}"#, #"$.functions["a:b"]"#,
         "has several behaviours (returns, echo); give exactly one"),
        (#"{"type": "query", "cases": [{"args": {}, "returns": 1}], "insert": "t"}"#, #"$.functions["a:b"].insert"#,
         "a query cannot write; declare this function as a mutation"),
        (#"{"type": "query", "cases": [{"args": {}, "returns": 1}], "order": "asc"}"#, #"$.functions["a:b"].order"#, #""order" only applies to "list""#),
        (#"{"type": "query", "sequence": []}"#, #"$.functions["a:b"].sequence"#, #"expected at least one entry, such as {"returns": ...}"#),
        (#"{"type": "query", "sequence": {"returns": 1}}"#, #"$.functions["a:b"].sequence"#, "expected an array, got an object"),
        (#"{"type": "query", "sequence": [{"returns": 1}, 2]}"#, #"$.functions["a:b"].sequence[1]"#, "expected an object, got a number"),
        (#"{"type": "query", "sequence": [{"returns": 1}, {}]}"#, #"$.functions["a:b"].sequence[1]"#, "missing an answer: one of returns, throws, echo, identity"),
        (#"{"type": "mutation", "sequence": [{"insert": "t"}]}"#, #"$.functions["a:b"].sequence[0].insert"#,
         #"a sequence entry answers with returns, throws, echo, identity; "insert" reads or writes state, so declare it on the function itself, where it answers the calls no case matches"#),
        (#"{"type": "query", "sequence": [{"args": {}, "returns": 1}]}"#, #"$.functions["a:b"].sequence[0].args"#, "unknown key; expected one of returns, throws, echo, identity"),
        (#"{"type": "query", "sequence": [{"returns": 1}], "returns": 2}"#, #"$.functions["a:b"].returns"#,
         #"a function with a "sequence" answers from it alone; make this an entry of the sequence, or use "afterLast" for what comes after it"#),
        (#"{"type": "query", "sequence": [{"returns": 1}], "afterLast": "loop"}"#, #"$.functions["a:b"].afterLast"#,
         #"expected "repeat" (keep answering with the last entry) or "fail" (fail every later call), got "loop""#),
        (#"{"type": "query", "sequence": [{"returns": 1}], "afterLast": true}"#, #"$.functions["a:b"].afterLast"#, "expected a string, got a boolean"),
        (#"{"type": "query", "returns": 1, "afterLast": "fail"}"#, #"$.functions["a:b"].afterLast"#, #""afterLast" only applies to "sequence""#),
        (#"{"type": "query", "cases": [{"args": {}, "returns": 1}], "afterLast": "fail"}"#, #"$.functions["a:b"].afterLast"#, #""afterLast" only applies to "sequence""#),
    ])
    func everyStubRuleRefusesWithItsPathAndMessage(body: String, path: String, message: String) throws {
        #expect {
            try DeploymentConfig.parse(Array(Self.function(body).utf8))
        } throws: { error in
            guard let error = error as? ConfigError else { return false }
            return error.path.description == path && error.message == message
        }
        // Through the control API: the same rule, its path from the declaration's root.
        let mock = try ControlInProcess()
        let response = try mock.call(.PUT, "/_mock/functions/a:b", body)
        #expect(response.status == 400)
        let local = "$" + path.dropFirst(#"$.functions["a:b"]"#.count)
        #expect(try response.json == .object([("code", .string("InvalidFunction")), ("message", .string("\(local): \(message)"))]))
    }

    @Test func aFallbackThatSchedulesNeedsItsTarget() {
        #expect {
            try DeploymentConfig.parse(Array(Self.function(#"{"type": "mutation", "cases": [{"args": {}, "returns": 1}], "schedule": {"function": "x:y"}}"#).utf8))
        } throws: { error in
            (error as? ConfigError)?.description == #"$.functions["a:b"].schedule.function: no function x:y is declared"#
        }
    }

    @Test func aTableFallbackGetsItsTableNumbered() throws {
        let config = try DeploymentConfig.parse(Array(Self.function(#"{"type": "query", "cases": [{"args": {}, "returns": []}], "list": "orders"}"#).utf8))
        #expect(config.tables == ["orders"])
    }
}
