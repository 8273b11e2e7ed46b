@testable import MockConvex
import Testing

/// `cases`: which arguments a case answers (as Convex values), which case wins, the fallback,
/// and the error of a call no case answers.
@Suite(.timeLimit(.minutes(1))) struct StubMatchingTests {
    static let config = """
        {"functions": {
          "orders:quote": {"type": "query", "cases": [
            {"args": {"sku": "A1", "qty": {"$integer": "AgAAAAAAAAA="}}, "returns": {"total": 19.98}},
            {"args": {"sku": "A1", "qty": 2}, "returns": {"total": 1.5}},
            {"argsContain": {"sku": "B2"}, "throws": {"message": "out of stock", "data": {"sku": "B2"}}},
            {"argsContain": {"sku": "C3"}, "throws": {"data": {"code": 7}}}
          ], "returns": {"total": 0}},
          "orders:strict": {"type": "mutation", "cases": [
            {"args": {"sku": "A1", "qty": 2}, "returns": "ok"},
            {"argsContain": {"address": {"country": "NZ"}}, "echo": true}
          ]},
          "orders:first": {"type": "query", "cases": [
            {"argsContain": {"sku": "A1"}, "returns": "first"},
            {"args": {"sku": "A1"}, "returns": "second"}
          ]},
          "orders:listed": {"type": "query", "cases": [{"args": {"mine": true}, "returns": []}], "list": "orders"},
          "orders:who": {"type": "query", "cases": [{"args": {"me": true}, "identity": true}], "returns": "someone"}
        }}
        """

    private func object(_ json: String) throws -> ConvexObject {
        guard case .object(let object) = try ConvexValue.importing(try JSONReader.parse(Array(json.utf8))) else {
            throw ConfigError(.root, "not an object")
        }
        return object
    }

    @Test func anInt64IsNotAFloatAndFieldOrderDoesNotMatter() throws {
        let pattern = ArgumentPattern.exactly(try object(#"{"qty": {"$integer": "AgAAAAAAAAA="}, "sku": "A1"}"#))
        #expect(pattern.matches(try object(#"{"sku": "A1", "qty": {"$integer": "AgAAAAAAAAA="}}"#)))
        #expect(!pattern.matches(try object(#"{"sku": "A1", "qty": 2}"#)))
        #expect(!pattern.matches(try object(#"{"sku": "A1", "qty": 2.0}"#)))
        #expect(!pattern.matches(try object(#"{"sku": "A1"}"#)))
        #expect(!pattern.matches(try object(#"{"sku": "A1", "qty": {"$integer": "AgAAAAAAAAA="}, "note": null}"#)))
        // -0.0 and 0.0 are different Convex values.
        #expect(!ArgumentPattern.exactly(try object(#"{"n": 0}"#)).matches(try object(#"{"n": -0.0}"#)))
    }

    @Test func nestedObjectsAndArraysCompareAsValues() throws {
        let exactly = ArgumentPattern.exactly(try object(#"{"a": {"b": [1, {"c": "x", "d": true}]}}"#))
        #expect(exactly.matches(try object(#"{"a": {"b": [1, {"d": true, "c": "x"}]}}"#)))
        #expect(!exactly.matches(try object(#"{"a": {"b": [{"d": true, "c": "x"}, 1]}}"#)))
        #expect(!exactly.matches(try object(#"{"a": {"b": [1, {"c": "x", "d": true, "e": 1}]}}"#)))
    }

    @Test func argsContainIsARecursiveSubsetOfObjectsButArraysAreWhole() throws {
        let containing = ArgumentPattern.containing(try object(#"{"user": {"address": {"country": "NZ"}}, "tags": ["a"]}"#))
        #expect(containing.matches(try object(#"{"user": {"name": "Ann", "address": {"country": "NZ", "city": "Akl"}}, "tags": ["a"], "n": 1}"#)))
        #expect(!containing.matches(try object(#"{"user": {"address": {"country": "AU"}}, "tags": ["a"]}"#)))
        #expect(!containing.matches(try object(#"{"user": {"address": {"country": "NZ"}}, "tags": ["a", "b"]}"#)))
        #expect(!containing.matches(try object(#"{"user": "NZ", "tags": ["a"]}"#)))
        #expect(ArgumentPattern.containing(try object("{}")).matches(try object(#"{"any": 1}"#)))
    }

    @Test func theFirstMatchingCaseAnswersWithItsValue() throws {
        let mock = try ControlInProcess(config: Self.config)
        #expect(try mock.query("orders:quote", #"{"qty": {"$integer": "AgAAAAAAAAA="}, "sku": "A1"}"#).bodyText
            == #"{"status":"success","value":{"total":19.98}}"#)
        #expect(try mock.query("orders:quote", #"{"sku": "A1", "qty": 2}"#).bodyText == #"{"status":"success","value":{"total":1.5}}"#)
        #expect(try mock.query("orders:first", #"{"sku": "A1"}"#).bodyText == #"{"status":"success","value":"first"}"#)
    }

    @Test func aCaseThrowsAConvexErrorWithItsData() throws {
        let mock = try ControlInProcess(config: Self.config)
        let thrown = try mock.query("orders:quote", #"{"sku": "B2", "qty": 1}"#).json
        #expect(thrown["status"] == .string("error"))
        #expect(thrown["errorData"] == .object([("sku", .string("B2"))]))
        #expect(thrown["errorMessage"]?.stringValue?.hasSuffix("Server Error\nUncaught ConvexError: out of stock\n    at handler (../convex/orders.ts:1:1)\n") == true)
        // Without a message the data is the message, as JSON.stringify writes it.
        let coded = try mock.query("orders:quote", #"{"sku": "C3"}"#).json
        #expect(coded["errorData"] == .object([("code", .number(7))]))
        #expect(coded["errorMessage"]?.stringValue?.contains("Uncaught ConvexError: {\"code\":7}\n") == true)
    }

    @Test func anUnmatchedCallGetsTheFallback() throws {
        let mock = try ControlInProcess(config: Self.config)
        #expect(try mock.query("orders:quote", #"{"sku": "Z9"}"#).bodyText == #"{"status":"success","value":{"total":0.0}}"#)
        #expect(try mock.query("orders:listed", #"{"mine": true}"#).bodyText == #"{"status":"success","value":[]}"#)
        #expect(try mock.query("orders:listed", #"{"mine": false}"#).bodyText == #"{"status":"success","value":[]}"#)
    }

    @Test func aCaseMayAnswerWithTheCallersIdentity() throws {
        let mock = try ControlInProcess(config: Self.config)
        // No one is signed in: what `ctx.auth.getUserIdentity()` gives then.
        #expect(try mock.query("orders:who", #"{"me": true}"#).bodyText == #"{"status":"success","value":null}"#)
        #expect(try mock.query("orders:who", #"{"me": false}"#).bodyText == #"{"status":"success","value":"someone"}"#)
    }

    @Test func withoutAFallbackAnUnmatchedCallNamesTheNearestCase() throws {
        let mock = try ControlInProcess(config: Self.config)
        let failed = try mock.mutation("orders:strict", #"{"qty": 2, "sku": "B2"}"#).json
        #expect(failed["status"] == .string("error"))
        #expect(failed["errorData"] == nil)
        let message = try #require(failed["errorMessage"]?.stringValue)
        #expect(message.hasSuffix("""
            Server Error
            Uncaught Error: No case of orders:strict matches the arguments {qty: 2.0, sku: "B2"}; the nearest is cases[0] (args {qty: 2.0, sku: "A1"}): same qty; different or missing sku. Add a case for these arguments, or give the function another behaviour (returns, throws, ...) as the fallback
                at handler (../convex/orders.ts:1:1)

            """), "\(message)")
        // An int64 where the case has a float: shown as written, so the difference is visible.
        let typed = try #require(try mock.mutation("orders:strict", #"{"qty": {"$integer": "AgAAAAAAAAA="}, "sku": "A1"}"#).json["errorMessage"]?.stringValue)
        #expect(typed.contains(#"matches the arguments {qty: 2, sku: "A1"}; the nearest is cases[0] (args {qty: 2.0, sku: "A1"}): same sku; different or missing qty. Add"#), "\(typed)")
        // Nothing in common: the first case is the nearest.
        let unrelated = try #require(try mock.mutation("orders:strict", #"{"x": 1}"#).json["errorMessage"]?.stringValue)
        #expect(unrelated.contains(#"the nearest is cases[0] (args {qty: 2.0, sku: "A1"}): different or missing qty, sku; not in the case x. Add"#), "\(unrelated)")
        let almost = try #require(try mock.mutation("orders:strict", #"{"address": {"country": "AU"}, "sku": "A1"}"#).json["errorMessage"]?.stringValue)
        #expect(almost.contains(#"the nearest is cases[0] (args {qty: 2.0, sku: "A1"}): same sku; different or missing qty; not in the case address. Add"#), "\(almost)")
        let nested = try mock.mutation("orders:strict", #"{"address": {"country": "NZ", "city": "Akl"}}"#)
        #expect(nested.bodyText == #"{"status":"success","value":{"address":{"city":"Akl","country":"NZ"}}}"#)
    }

    @Test func hugeArgumentsAreCutInTheMessage() throws {
        let mock = try ControlInProcess(config: Self.config)
        let long = String(repeating: "x", count: 5_000)
        let message = try #require(try mock.mutation("orders:strict", #"{"note": "\#(long)"}"#).json["errorMessage"]?.stringValue)
        #expect(message.contains("…; the nearest is cases[0]"))
        #expect(message.count < 2_000)
    }

    @Test func aCasedFunctionIsListedAsDeclared() throws {
        let mock = try ControlInProcess()
        let body = #"{"type":"query","cases":[{"args":{"n":{"$integer":"AQAAAAAAAAA="}},"returns":"one"}],"returns":"other"}"#
        let put = try mock.call(.PUT, "/_mock/functions/nums:name", body)
        #expect(put.status == 200)
        #expect(put.bodyText == #"{"path":"nums:name","function":\#(body)}"#)
        #expect(try mock.call(.GET, "/_mock/functions/nums:name").bodyText == put.bodyText)
        #expect(try mock.query("nums:name", #"{"n": {"$integer": "AQAAAAAAAAA="}}"#).bodyText == #"{"status":"success","value":"one"}"#)
        #expect(try mock.query("nums:name", #"{"n": 1}"#).bodyText == #"{"status":"success","value":"other"}"#)
    }
}
