import Testing
@testable import MockConvex

/// A number and serde_json's output for it (from the Rust oracle's `serde_json::to_string`).
struct NumberOutput: Sendable, CustomTestStringConvertible {
    let value: Double
    let text: String

    init(_ value: Double, _ text: String) {
        self.value = value
        self.text = text
    }

    var testDescription: String { text }
}

private let numberOutputs: [NumberOutput] = [
    NumberOutput(7, "7.0"),
    NumberOutput(1e21, "1e21"),
    NumberOutput(-0.0, "-0.0"),
    NumberOutput(0, "0.0"),
    NumberOutput(1.5e-7, "1.5e-7"),
    NumberOutput(0.00001, "0.00001"),
    NumberOutput(0.000001, "1e-6"),
    NumberOutput(1e16, "1e16"),
    NumberOutput(1e15, "1000000000000000.0"),
    NumberOutput(999_999_999_999_999, "999999999999999.0"),
    NumberOutput(-999_999_999_999_999, "-999999999999999.0"),
    NumberOutput(123_456_789_012_345_683_968, "1.2345678901234568e20"),
    NumberOutput(0.1, "0.1"),
    NumberOutput(-1.5, "-1.5"),
    NumberOutput(.leastNonzeroMagnitude, "5e-324"),
    NumberOutput(1.7976931348623157e308, "1.7976931348623157e308"),
    NumberOutput(9_007_199_254_740_992, "9007199254740992.0"),
    NumberOutput(12345.678, "12345.678"),
    NumberOutput(100, "100.0"),
    NumberOutput(4_294_967_296, "4294967296.0"),
    NumberOutput(-2_147_483_648, "-2147483648.0"),
    NumberOutput(1e300, "1e300"),
    NumberOutput(2.5e-10, "2.5e-10"),
]

@Suite(.timeLimit(.minutes(1))) struct JSONWriterTests {
    @Test(arguments: numberOutputs)
    func writesNumbersAsRyu(_ testCase: NumberOutput) {
        #expect(String(decoding: JSONWriter.serialize(.number(testCase.value)), as: UTF8.self) == testCase.text)
    }

    /// The whole-number shortcut must agree with the general formatter on both sides of its
    /// limit.
    @Test func wholeNumberShortcutMatchesNumberText() {
        let values: [Double] = [1, -1, 42, 1e14, 1e15 - 1, 1e15, 1e15 + 1, -1e15, 2e15, 9_007_199_254_740_994, 0.5, -0.0, 0]
        for value in values {
            #expect(JSONWriter.serialize(.number(value)) == Array(NumberText.ryu(value).utf8), "\(value)")
        }
    }

    /// serde_json escapes `"`, `\` and the C0 controls (five of them by name, the rest as
    /// lowercase `\u00XX`); DEL, `/`, U+2028 and everything non-ASCII are written raw.
    @Test func escapesStringsLikeSerdeJSON() {
        let controls = String(decoding: (0..<0x20).map { UInt8($0) }, as: UTF8.self)
        let text = controls + "\"\\/\u{7F}é\u{2028}😀"
        let expected = #""\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\b\t\n\u000b\f\r\u000e\u000f"#
            + #"\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001a\u001b\u001c\u001d\u001e\u001f"#
            + "\\\"\\\\/\u{7F}é\u{2028}😀\""
        #expect(String(decoding: JSONWriter.serialize(.string(text)), as: UTF8.self) == expected)
    }

    @Test func escapesObjectKeys() {
        let value = JSON.object([("a\"b\n", .null)])
        #expect(value.serialized == bytes(#"{"a\"b\n":null}"#))
    }

    @Test func writesCompactlyInStoredOrder() {
        let value = JSON.object([
            ("z", .array([.number(1), .string("x"), .bool(true), .bool(false), .null])),
            ("a", .object([])),
            ("m", .array([])),
            ("z", .number(2)),
        ])
        #expect(value.serialized == bytes(#"{"z":[1.0,"x",true,false,null],"a":{},"m":[],"z":2.0}"#))
    }

    /// Canonical serde_json output reads back into the same value and writes out byte for byte.
    @Test(arguments: [
        #"{"status":"success","value":1.0,"logLines":[]}"#,
        #"[0.1,-0.0,1e21,1.5e-7,0.00001,123.0,"\u0000\u001f\"\\/é😀",true,false,null]"#,
        #"{"a":{"b":{"c":[[],{}]}},"":"","\n":"\t"}"#,
        #"[{"x":[1.0,[2.0,[3.0]]]},"\b\f\r"]"#,
    ])
    func roundTripsCanonicalText(_ text: String) throws {
        #expect(try JSONReader.parse(bytes(text)).serialized == bytes(text))
    }

    @Test func appendsAfterExistingBytes() {
        var output = bytes("data: ")
        JSONWriter.append(.array([.string("a"), .number(3)]), to: &output)
        #expect(output == bytes(#"data: ["a",3.0]"#))
    }
}
