import Testing
@testable import MockConvex

/// Expected results below were produced by the Rust oracle (serde_json 1.0.145 with the
/// backend's features, `from_slice::<Value>` and `from_slice::<&RawValue>`), not derived by hand.
struct ReaderFailure: Sendable, CustomTestStringConvertible {
    let input: [UInt8]
    let expected: JSONError

    init(_ input: [UInt8], _ category: JSONError.Category, _ message: String, _ line: Int, _ column: Int) {
        self.input = input
        expected = JSONError(category: category, message: message, line: line, column: column)
    }

    var testDescription: String { inputDescription(input) }
}

/// An accepted document and serde_json's compact serialisation of it (numbers as f64).
struct ReaderAcceptance: Sendable, CustomTestStringConvertible {
    let input: [UInt8]
    let serialized: String

    init(_ input: [UInt8], _ serialized: String) {
        self.input = input
        self.serialized = serialized
    }

    var testDescription: String { inputDescription(input) }
}

/// A `RawValue` check: nil when accepted, else the error's description.
struct RawCase: Sendable, CustomTestStringConvertible {
    let input: [UInt8]
    let failure: String?

    init(_ input: [UInt8], _ failure: String?) {
        self.input = input
        self.failure = failure
    }

    var testDescription: String { inputDescription(input) }
}

private let readerFailures: [ReaderFailure] = [
    // Structure and end of input
    ReaderFailure(bytes(""), .eof, "EOF while parsing a value", 1, 0),
    ReaderFailure(bytes(" "), .eof, "EOF while parsing a value", 1, 1),
    ReaderFailure(bytes("\n"), .eof, "EOF while parsing a value", 2, 0),
    ReaderFailure(bytes("["), .eof, "EOF while parsing a list", 1, 1),
    ReaderFailure(bytes("{"), .eof, "EOF while parsing an object", 1, 1),
    ReaderFailure(bytes("[1"), .eof, "EOF while parsing a list", 1, 2),
    ReaderFailure(bytes("[1,"), .eof, "EOF while parsing a value", 1, 3),
    ReaderFailure(bytes(#"{"a""#), .eof, "EOF while parsing an object", 1, 4),
    ReaderFailure(bytes(#"{"a":"#), .eof, "EOF while parsing a value", 1, 5),
    ReaderFailure(bytes(#"{"a":1"#), .eof, "EOF while parsing an object", 1, 6),
    ReaderFailure(bytes(#"{"a":1,"#), .eof, "EOF while parsing a value", 1, 7),
    ReaderFailure(bytes("]"), .syntax, "expected value", 1, 1),
    ReaderFailure(bytes("}"), .syntax, "expected value", 1, 1),
    ReaderFailure(bytes(":"), .syntax, "expected value", 1, 1),
    ReaderFailure(bytes("[1 2]"), .syntax, "expected `,` or `]`", 1, 4),
    ReaderFailure(bytes("[,1]"), .syntax, "expected value", 1, 2),
    ReaderFailure(bytes("[1,,2]"), .syntax, "expected value", 1, 4),
    ReaderFailure(bytes("[1,]"), .syntax, "trailing comma", 1, 4),
    ReaderFailure(bytes("[1, ]"), .syntax, "trailing comma", 1, 5),
    ReaderFailure(bytes(#"{"a":1,}"#), .syntax, "trailing comma", 1, 8),
    ReaderFailure(bytes("{,}"), .syntax, "key must be a string", 1, 2),
    ReaderFailure(bytes(#"{"a" 1}"#), .syntax, "expected `:`", 1, 6),
    ReaderFailure(bytes("{1:2}"), .syntax, "key must be a string", 1, 2),
    ReaderFailure(bytes("{'a':1}"), .syntax, "key must be a string", 1, 2),
    ReaderFailure(bytes(#"{"a":1 "b":2}"#), .syntax, "expected `,` or `}`", 1, 8),
    ReaderFailure(bytes(#"{"a":1}}"#), .syntax, "trailing characters", 1, 8),
    ReaderFailure(bytes("[1]]"), .syntax, "trailing characters", 1, 4),
    ReaderFailure(bytes("[1] x"), .syntax, "trailing characters", 1, 5),
    ReaderFailure(bytes("1 2"), .syntax, "trailing characters", 1, 3),
    ReaderFailure(bytes("x"), .syntax, "expected value", 1, 1),
    ReaderFailure(bytes("\u{FEFF}[1]"), .syntax, "expected value", 1, 1),
    ReaderFailure(bytes("[") + [0xFF] + bytes("]"), .syntax, "expected value", 1, 2),
    ReaderFailure(bytes("[1,\u{0}]"), .syntax, "expected value", 1, 4),
    // Literals
    ReaderFailure(bytes("nul"), .eof, "EOF while parsing a value", 1, 3),
    ReaderFailure(bytes("nulx"), .syntax, "expected ident", 1, 4),
    ReaderFailure(bytes("nulll"), .syntax, "trailing characters", 1, 5),
    ReaderFailure(bytes("tru"), .eof, "EOF while parsing a value", 1, 3),
    ReaderFailure(bytes("trux"), .syntax, "expected ident", 1, 4),
    ReaderFailure(bytes("fals"), .eof, "EOF while parsing a value", 1, 4),
    ReaderFailure(bytes("falsy"), .syntax, "expected ident", 1, 5),
    ReaderFailure(bytes("tRue"), .syntax, "expected ident", 1, 2),
    ReaderFailure(bytes("NaN"), .syntax, "expected value", 1, 1),
    ReaderFailure(bytes("Infinity"), .syntax, "expected value", 1, 1),
    ReaderFailure(bytes("[true false]"), .syntax, "expected `,` or `]`", 1, 7),
    ReaderFailure(bytes("None"), .syntax, "expected value", 1, 1),
    // Strings, escapes and UTF-8
    ReaderFailure(bytes(#""abc"#), .eof, "EOF while parsing a string", 1, 4),
    ReaderFailure(bytes(#""a\"#), .eof, "EOF while parsing a string", 1, 3),
    ReaderFailure(bytes(#""\x""#), .syntax, "invalid escape", 1, 3),
    ReaderFailure(bytes(#""\U0041""#), .syntax, "invalid escape", 1, 3),
    ReaderFailure(bytes(#""\u12""#), .eof, "EOF while parsing a string", 1, 6),
    ReaderFailure(bytes(#""\u12g4""#), .syntax, "invalid escape", 1, 7),
    ReaderFailure(bytes(#""\u00e""#), .syntax, "invalid escape", 1, 7),
    ReaderFailure(bytes(#""\ud800""#), .syntax, "unexpected end of hex escape", 1, 8),
    ReaderFailure(bytes(#""\ud800x""#), .syntax, "unexpected end of hex escape", 1, 8),
    ReaderFailure(bytes(#""\ud800\x""#), .syntax, "unexpected end of hex escape", 1, 9),
    ReaderFailure(bytes(#""\ud800\"#), .eof, "EOF while parsing a string", 1, 8),
    ReaderFailure(bytes(#""\ud800\u0041""#), .syntax, "lone leading surrogate in hex escape", 1, 13),
    ReaderFailure(bytes(#""\ud800\ud800""#), .syntax, "lone leading surrogate in hex escape", 1, 13),
    ReaderFailure(bytes(#""\udc00""#), .syntax, "lone leading surrogate in hex escape", 1, 7),
    ReaderFailure(bytes("\"\u{1}\""), .syntax, #"control character (\u0000-\u001F) found while parsing a string"#, 1, 2),
    ReaderFailure(bytes("\"\u{1F}\""), .syntax, #"control character (\u0000-\u001F) found while parsing a string"#, 1, 2),
    ReaderFailure(bytes("\"a\tb\""), .syntax, #"control character (\u0000-\u001F) found while parsing a string"#, 1, 3),
    ReaderFailure(bytes("\"a\nb\""), .syntax, #"control character (\u0000-\u001F) found while parsing a string"#, 2, 0),
    ReaderFailure(bytes("\"") + [0xFF] + bytes("\""), .syntax, "invalid unicode code point", 1, 3),
    ReaderFailure(bytes("\"") + [0xED] + [0xA0] + [0x80] + bytes("\""), .syntax, "invalid unicode code point", 1, 5),
    ReaderFailure(bytes("\"") + [0xC0] + [0x80] + bytes("\""), .syntax, "invalid unicode code point", 1, 4),
    ReaderFailure(bytes("\"") + [0xF4] + [0x90] + [0x80] + [0x80] + bytes("\""), .syntax, "invalid unicode code point", 1, 6),
    ReaderFailure(bytes("\"") + [0xE2] + [0x82] + bytes("\""), .syntax, "invalid unicode code point", 1, 4),
    ReaderFailure(bytes(#""a\n"#) + [0xFF] + bytes(#"\t""#), .syntax, "invalid unicode code point", 1, 8),
    ReaderFailure(bytes("\"") + [0xFF] + bytes(#"\q""#), .syntax, "invalid escape", 1, 4),
    ReaderFailure(bytes("\"") + [0xFF], .eof, "EOF while parsing a string", 1, 2),
    ReaderFailure(bytes("'a'"), .syntax, "expected value", 1, 1),
    ReaderFailure(bytes(#"{""#) + [0xFF] + bytes(#"":1}"#), .syntax, "invalid unicode code point", 1, 4),
    ReaderFailure(bytes(#"{"\ud800":1}"#), .syntax, "unexpected end of hex escape", 1, 9),
    // Numbers
    ReaderFailure(bytes("-"), .eof, "EOF while parsing a value", 1, 1),
    ReaderFailure(bytes("-a"), .syntax, "invalid number", 1, 2),
    ReaderFailure(bytes("- 1"), .syntax, "invalid number", 1, 2),
    ReaderFailure(bytes("01"), .syntax, "invalid number", 1, 2),
    ReaderFailure(bytes("-01"), .syntax, "invalid number", 1, 3),
    ReaderFailure(bytes("00"), .syntax, "invalid number", 1, 2),
    ReaderFailure(bytes("1."), .eof, "EOF while parsing a value", 1, 2),
    ReaderFailure(bytes("1.a"), .syntax, "invalid number", 1, 3),
    ReaderFailure(bytes(".5"), .syntax, "expected value", 1, 1),
    ReaderFailure(bytes("+1"), .syntax, "expected value", 1, 1),
    ReaderFailure(bytes("1e"), .eof, "EOF while parsing a value", 1, 2),
    ReaderFailure(bytes("1e+"), .eof, "EOF while parsing a value", 1, 3),
    ReaderFailure(bytes("1e-"), .eof, "EOF while parsing a value", 1, 3),
    ReaderFailure(bytes("1ea"), .syntax, "invalid number", 1, 3),
    ReaderFailure(bytes("1e+a"), .syntax, "invalid number", 1, 4),
    ReaderFailure(bytes("1.e5"), .syntax, "invalid number", 1, 3),
    ReaderFailure(bytes("0x10"), .syntax, "trailing characters", 1, 2),
    ReaderFailure(bytes("1.5.5"), .syntax, "trailing characters", 1, 4),
    ReaderFailure(bytes("[1.5e]"), .syntax, "invalid number", 1, 6),
    ReaderFailure(bytes("1e400"), .syntax, "number out of range", 1, 5),
    ReaderFailure(bytes("-1e400"), .syntax, "number out of range", 1, 6),
    ReaderFailure(bytes("1.8e308"), .syntax, "number out of range", 1, 7),
    ReaderFailure(bytes("1e9999999999"), .syntax, "number out of range", 1, 12),
    ReaderFailure(bytes("1e9999999999999"), .syntax, "number out of range", 1, 12),
    ReaderFailure(bytes("1" + String(repeating: "0", count: 309)), .syntax, "number out of range", 1, 310),
    ReaderFailure(bytes("[-]"), .syntax, "invalid number", 1, 3),
    // Positions on several lines
    ReaderFailure(bytes("\n\n  [1,\n  2,\n  x]"), .syntax, "expected value", 5, 3),
    ReaderFailure(bytes("{\n  \"a\": 1,\n  \"b\": tru\n}"), .syntax, "expected ident", 4, 0),
    ReaderFailure(bytes("\r\n[1,\r\n2\r\n"), .eof, "EOF while parsing a list", 4, 0),
    ReaderFailure(bytes("[1]\n\n x"), .syntax, "trailing characters", 3, 2),
    ReaderFailure(bytes("[\n\"") + [0xFF] + bytes("\"\n]"), .syntax, "invalid unicode code point", 2, 3),
    ReaderFailure(bytes("{\n\"a\":\n}"), .syntax, "expected value", 3, 1),
    ReaderFailure(bytes("\"line\nbreak\""), .syntax, #"control character (\u0000-\u001F) found while parsing a string"#, 2, 0),
    ReaderFailure(bytes("[\n  1,\n]"), .syntax, "trailing comma", 3, 1),
    ReaderFailure(bytes("{\n  \"a\": 1,\n}\n"), .syntax, "trailing comma", 3, 1),
    ReaderFailure(bytes("\n\n\n"), .eof, "EOF while parsing a value", 4, 0),
]

private let readerAcceptances: [ReaderAcceptance] = [
    ReaderAcceptance(bytes("null"), "null"),
    ReaderAcceptance(bytes("true"), "true"),
    ReaderAcceptance(bytes("false"), "false"),
    ReaderAcceptance(bytes(" [ ] "), "[]"),
    ReaderAcceptance(bytes("{}"), "{}"),
    ReaderAcceptance(bytes("0"), "0.0"),
    ReaderAcceptance(bytes("-0"), "-0.0"),
    ReaderAcceptance(bytes("1.5"), "1.5"),
    ReaderAcceptance(bytes("1E5"), "100000.0"),
    ReaderAcceptance(bytes("1e+2"), "100.0"),
    ReaderAcceptance(bytes("1e-7"), "1e-7"),
    ReaderAcceptance(bytes("-9223372036854775808"), "-9.223372036854776e18"),
    ReaderAcceptance(bytes("18446744073709551615"), "1.8446744073709552e19"),
    ReaderAcceptance(bytes("18446744073709551616"), "1.8446744073709552e19"),
    ReaderAcceptance(bytes("123456789012345678901234567890"), "1.2345678901234568e29"),
    ReaderAcceptance(bytes("0.1"), "0.1"),
    ReaderAcceptance(bytes("9007199254740993"), "9007199254740992.0"),
    ReaderAcceptance(bytes("2.2250738585072011e-308"), "2.225073858507201e-308"),
    ReaderAcceptance(bytes("4.9e-324"), "5e-324"),
    ReaderAcceptance(bytes("1e-400"), "0.0"),
    ReaderAcceptance(bytes("1.7976931348623157e308"), "1.7976931348623157e308"),
    ReaderAcceptance(bytes("0e99999999999"), "0.0"),
    ReaderAcceptance(bytes("1e-99999999999"), "0.0"),
    ReaderAcceptance(bytes(#""\u00e9\ud83d\ude00""#), #""é😀""#),
    ReaderAcceptance(bytes(#""\/\b\f\n\r\t\"\\""#), #""/\b\f\n\r\t\"\\""#),
    ReaderAcceptance(bytes("\"é\u{2028}😀\""), "\"é\u{2028}😀\""),
    ReaderAcceptance(bytes("\"\u{7F}\""), "\"\u{7F}\""),
    ReaderAcceptance(bytes(#""\u0000\u001f""#), #""\u0000\u001f""#),
    ReaderAcceptance(bytes(#""\udbff\udfff""#), "\"\u{10FFFF}\""),
    ReaderAcceptance(bytes(#"{"a":1,"a":2}"#), #"{"a":2.0}"#),
    ReaderAcceptance(bytes(#"{"b":1,"a":2,"b":3}"#), #"{"b":3.0,"a":2.0}"#),
    ReaderAcceptance(bytes("  {  \"a\"  :  [  ]  ,  \"b\"  :  {  }  }  \n"), #"{"a":[],"b":{}}"#),
    ReaderAcceptance(bytes("[1,[2,[3]]]"), "[1.0,[2.0,[3.0]]]"),
    ReaderAcceptance(bytes(#"{"a":{"b":null},"c":[true,false]}"#), #"{"a":{"b":null},"c":[true,false]}"#),
]

private let rawCases: [RawCase] = [
    RawCase(bytes("-"), "invalid number at line 1 column 1"),
    RawCase(bytes("1."), "invalid number at line 1 column 2"),
    RawCase(bytes("1.e5"), "invalid number at line 1 column 3"),
    RawCase(bytes("1e"), "invalid number at line 1 column 2"),
    RawCase(bytes("1e+"), "invalid number at line 1 column 3"),
    RawCase(bytes("[1,]"), "expected value at line 1 column 4"),
    RawCase(bytes(#"{"a":1,}"#), "key must be a string at line 1 column 8"),
    RawCase(bytes("[1 2]"), "expected `,` or `]` at line 1 column 4"),
    RawCase(bytes(#"{"a":1 "b":2}"#), "expected `,` or `}` at line 1 column 8"),
    RawCase(bytes(#"{"a" 1}"#), "expected `:` at line 1 column 6"),
    RawCase(bytes("{1}"), "key must be a string at line 1 column 2"),
    RawCase(bytes("["), "EOF while parsing a list at line 1 column 1"),
    RawCase(bytes(#"{"a":"#), "EOF while parsing a value at line 1 column 5"),
    RawCase(bytes("\"\u{1}\""), #"control character (\u0000-\u001F) found while parsing a string at line 1 column 1"#),
    RawCase(bytes("\"a\n\""), #"control character (\u0000-\u001F) found while parsing a string at line 1 column 2"#),
    RawCase(bytes("\"") + [0xFF] + bytes("\""), "invalid unicode code point at line 1 column 3"),
    RawCase(bytes(#"[1,""#) + [0xFF] + bytes(#"" x]"#), "expected `,` or `]` at line 1 column 8"),
    RawCase(bytes(#""\x""#), "invalid escape at line 1 column 3"),
    RawCase(bytes(#""\u12""#), "EOF while parsing a string at line 1 column 6"),
    RawCase(bytes("nul"), "EOF while parsing a value at line 1 column 3"),
    RawCase(bytes("5 x"), "trailing characters at line 1 column 3"),
    RawCase(bytes("[1]]"), "trailing characters at line 1 column 4"),
    RawCase(bytes(#"{"a":[1,{"b":}]}"#), "expected value at line 1 column 14"),
    RawCase(bytes(""), "EOF while parsing a value at line 1 column 0"),
    RawCase(bytes(#""\ud800""#), nil),
    RawCase(bytes(#""\udc00\ud800""#), nil),
    RawCase(bytes("1e400"), nil),
    RawCase(bytes("01"), "invalid number at line 1 column 2"),
    RawCase(bytes(#" {"a" : [1, 2.5e-3, "x"]} "#), nil),
    RawCase(bytes("\u{FEFF}1"), "expected value at line 1 column 1"),

]

@Suite(.timeLimit(.minutes(1))) struct JSONReaderTests {
    @Test(arguments: readerFailures)
    func rejectsLikeSerdeJSON(_ testCase: ReaderFailure) {
        #expect(throws: testCase.expected) { try JSONReader.parse(testCase.input) }
    }

    @Test(arguments: readerAcceptances)
    func acceptsLikeSerdeJSON(_ testCase: ReaderAcceptance) throws {
        let value = try JSONReader.parse(testCase.input)
        #expect(String(decoding: JSONWriter.serialize(value), as: UTF8.self) == testCase.serialized)
    }

    @Test(arguments: rawCases)
    func validatesLikeRawValue(_ testCase: RawCase) {
        do {
            try JSONReader.validate(testCase.input)
            #expect(testCase.failure == nil)
        } catch {
            #expect(error.description == testCase.failure)
        }
    }

    @Test func errorDescriptionCarriesThePosition() {
        let error = JSONError(category: .syntax, message: "expected value", line: 3, column: 7)
        #expect(error.description == "expected value at line 3 column 7")
    }

    @Test func buildsTheValueTree() throws {
        let value = try JSONReader.parse(bytes(#" {"s":"a\u00e9\n","n":[-0,1.5e3,null],"t":true,"o":{}} "#))
        #expect(value == .object([
            ("s", .string("a\u{E9}\n")),
            ("n", .array([.number(-0.0), .number(1500), .null])),
            ("t", .bool(true)),
            ("o", .object([])),
        ]))
    }

    @Test func negativeZeroKeepsItsSign() throws {
        guard case .number(let zero) = try JSONReader.parse(bytes("-0")) else {
            Issue.record("not a number")
            return
        }
        #expect(zero.sign == .minus)
    }

    /// serde_json's Value with preserve_order is an IndexMap: a repeated name replaces the
    /// value in the first name's position.
    @Test func repeatedNamesKeepTheFirstPositionAndTheLastValue() throws {
        let value = try JSONReader.parse(bytes(#"{"b":1,"a":2,"b":3,"c":4,"a":5}"#))
        #expect(value == .object([("b", .number(3)), ("a", .number(5)), ("c", .number(4))]))
    }

    @Test func repeatedNamesInWideObjects() throws {
        let names = (0..<40).map { "k\($0)" }
        let text = "{" + (names + ["k3", "k30"]).enumerated().map { "\"\($1)\":\($0)" }.joined(separator: ",") + "}"
        guard case .object(let members) = try JSONReader.parse(bytes(text)) else {
            Issue.record("not an object")
            return
        }
        #expect(members.map(\.key) == names)
        #expect(members[3].value == .number(40))
        #expect(members[30].value == .number(41))
    }

    @Test func nestingStopsAtSerdeJSONsRecursionLimit() throws {
        _ = try JSONReader.parse(bytes(String(repeating: "[", count: 127) + String(repeating: "]", count: 127)))
        #expect(throws: JSONError(category: .syntax, message: "recursion limit exceeded", line: 1, column: 128)) {
            try JSONReader.parse(bytes(String(repeating: "[", count: 128) + String(repeating: "]", count: 128)))
        }
        #expect(throws: JSONError(category: .syntax, message: "recursion limit exceeded", line: 1, column: 636)) {
            try JSONReader.parse(bytes(String(repeating: #"{"a":"#, count: 128) + "1" + String(repeating: "}", count: 128)))
        }
        #expect(throws: JSONError(category: .syntax, message: "recursion limit exceeded", line: 1, column: 380)) {
            try JSONReader.parse(bytes(String(repeating: #"[{"a":"#, count: 64) + "1" + String(repeating: "}]", count: 64)))
        }
        #expect(throws: JSONError(category: .syntax, message: "recursion limit exceeded", line: 2, column: 128)) {
            try JSONReader.parse(bytes("\n" + String(repeating: "[", count: 200)))
        }
    }

    @Test func maxDepthIsTheRecursionBudget() throws {
        #expect(try JSONReader.parse(bytes("[[1]]"), maxDepth: 3) == .array([.array([.number(1)])]))
        #expect(throws: JSONError(category: .syntax, message: "recursion limit exceeded", line: 1, column: 3)) {
            try JSONReader.parse(bytes("[[[1]]]"), maxDepth: 3)
        }
    }

    @Test func readsCollectionsWithoutContiguousStorage() throws {
        let reversed = bytes(#"]"x",1["#).reversed()
        #expect(try JSONReader.parse(reversed) == .array([.number(1), .string("x")]))
        #expect(throws: JSONError(category: .eof, message: "EOF while parsing a list", line: 1, column: 2)) {
            try JSONReader.parse(bytes("1[").reversed())
        }
    }

    /// An object whose first key is serde_json's private RawValue token is replaced by the
    /// document in its string value; its errors become data errors at the inner position.
    @Test func rawValueTokenObjectsStandForTheirText() throws {
        let token = #""$serde_json::private::RawValue""#
        #expect(try JSONReader.parse(bytes("{\(token):\"[1,2]\"}")) == .array([.number(1), .number(2)]))
        #expect(try JSONReader.parse(bytes(#"[{"# + token + #":"{\"x\":true}"}]"#)) == .array([.object([("x", .bool(true))])]))
        #expect(try JSONReader.parse(bytes(#"{"a":1,"# + token + #":"1"}"#))
            == .object([("a", .number(1)), ("$serde_json::private::RawValue", .string("1"))]))
        #expect(throws: JSONError(category: .data, message: "EOF while parsing a value", line: 1, column: 3)) {
            try JSONReader.parse(bytes("{\(token):\"[1,\"}"))
        }
        #expect(throws: JSONError(category: .data, message: "invalid type: integer `1`, expected raw value", line: 1, column: 35)) {
            try JSONReader.parse(bytes("{\(token):1}"))
        }
        #expect(throws: JSONError(category: .syntax, message: "trailing comma", line: 1, column: 38)) {
            try JSONReader.parse(bytes(#"{"# + token + #":"1","a":2}"#))
        }
        #expect(throws: JSONError(category: .syntax, message: "trailing characters", line: 1, column: 39)) {
            try JSONReader.parse(bytes(#"{"# + token + #":"1" x}"#))
        }
    }

    /// Raw values have no depth limit; the skipper keeps its own stack.
    @Test func validatesDeepNestingWithoutRecursion() throws {
        try JSONReader.validate(bytes(String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)))
        #expect(throws: JSONError(category: .eof, message: "EOF while parsing a list", line: 1, column: 100_000)) {
            try JSONReader.validate(bytes(String(repeating: "[", count: 100_000)))
        }
    }
}
