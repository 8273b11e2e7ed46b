import Testing
@testable import MockConvex

/// Expected texts were produced by the real formatters: Rust's `Display`/`Debug` for
/// `rustDisplay`, V8's JSON.stringify with the Convex client's replacer for `javaScriptJSON`,
/// and object-inspect 1.13.4 with the runtime's options for log lines.
@Suite(.timeLimit(.minutes(1))) struct ValueDisplayTests {
    private static let mixedKeys = ConvexValue.object(ConvexObject([
        ("a-b", .float64(1)), ("a b", .float64(2)), ("1", .float64(3)), ("10", .float64(4)), ("2", .float64(5)),
        ("", .float64(6)), ("_x", .float64(7)), ("a$", .float64(8)), ("0", .float64(9)), ("01", .float64(10)),
        ("4294967294", .float64(11)), ("4294967295", .float64(12)), ("B", .float64(13)),
    ]))

    private static func nestedObjects(_ names: [String], innermost: ConvexValue) -> ConvexValue {
        names.reversed().reduce(innermost) { inner, name in .object(ConvexObject([(name, inner)])) }
    }

    // MARK: - Rust Display

    @Test(arguments: [
        (ConvexValue.null, "null"),
        (.int64(5), "5"),
        (.int64(.min), "-9223372036854775808"),
        (.float64(5), "5.0"),
        (.float64(-0.0), "-0.0"),
        (.float64(.nan), "NaN"),
        (.float64(.infinity), "inf"),
        (.float64(-.infinity), "-inf"),
        (.float64(1e16), "1e16"),
        (.float64(1e-5), "1e-5"),
        (.float64(0.5), "0.5"),
        (.boolean(true), "true"),
        (.boolean(false), "false"),
        (.string("abc"), "\"abc\""),
        (.string("a\"b\\c\n\t\r\0\u{1}\u{7F}"), #""a\"b\\c\n\t\r\0\u{1}\u{7f}""#),
        (.string("it's é a\u{301} \u{200B} \u{A0} \u{2028} 😀 \u{E000}"), #""it's é a\u{301} \u{200b} \u{a0} \u{2028} 😀 \u{e000}""#),
        (.bytes([1, 2, 3]), "b\"AQID\""),
        (.bytes([]), "b\"\""),
        (.array([.float64(1), .float64(2)]), "[1.0, 2.0]"),
        (.array([]), "[]"),
        (.object(ConvexObject()), "{}"),
        (.object(ConvexObject([("b", .string("x")), ("a", .float64(1))])), "{a: 1.0, b: \"x\"}"),
        (.object(ConvexObject([("id", .string("abc")), ("n", .array([.int64(5), .bytes([1, 2]), .null]))])),
         "{id: \"abc\", n: [5, b\"AQI=\", null]}"),
        (.object(ConvexObject([("o", .object(ConvexObject([("x y", .boolean(true))])))])), "{o: {x y: true}}"),
    ])
    func rustDisplay(value: ConvexValue, text: String) {
        #expect(value.rustDisplay == text)
    }

    // MARK: - JSON.stringify

    @Test(arguments: [
        (ConvexValue.object(ConvexObject([("code", .float64(404))])), #"{"code":404}"#),
        (.null, "null"),
        (.boolean(true), "true"),
        (.int64(5), #""5n""#),
        (.int64(-9_223_372_036_854_775_808), #""-9223372036854775808n""#),
        (.float64(1.5), "1.5"),
        (.float64(1e21), "1e+21"),
        (.float64(1e-7), "1e-7"),
        (.float64(1e16), "10000000000000000"),
        (.float64(-1e-6), "-0.000001"),
        (.float64(-0.0), "0"),
        (.float64(.nan), "null"),
        (.float64(.infinity), "null"),
        (.float64(-.infinity), "null"),
        (.bytes([1, 2, 3]), "{}"),
        (.string("q\"\\\n\u{1}\u{8}\u{C}\r\t\u{1B}\u{7F}\u{2028}é😀"), #""q\"\\\n\u0001\b\f\r\t\u001b"# + "\u{7F}\u{2028}é😀\""),
        (.array([]), "[]"),
        (.array([.int64(1), .float64(.nan), .array([.object(ConvexObject())])]), #"["1n",null,[{}]]"#),
        (.object(ConvexObject([("a", .bytes([])), ("b", .object(ConvexObject([("c", .bytes([2]))])))])), #"{"a":{},"b":{"c":{}}}"#),
        (mixedKeys, #"{"0":9,"1":3,"2":5,"10":4,"4294967294":11,"":6,"01":10,"4294967295":12,"B":13,"_x":7,"a b":2,"a$":8,"a-b":1}"#),
    ])
    func javaScriptJSON(value: ConvexValue, text: String) {
        #expect(value.javaScriptJSON == text)
    }

    @Test func convexErrorMessages() {
        #expect(ConvexValue.string("plain \"text\"").convexErrorMessage == "plain \"text\"")
        #expect(ConvexValue.object(ConvexObject([("code", .float64(404))])).convexErrorMessage == #"{"code":404}"#)
        let fits = ConvexValue.array([.string(String(repeating: "a", count: 16380))])
        #expect(fits.convexErrorMessage == fits.javaScriptJSON)
        #expect(ConvexValue.array([.string(String(repeating: "b", count: 20000))]).convexErrorMessage
            == "[\"" + String(repeating: "b", count: 16368) + "[...truncated]")
    }

    @Test(arguments: [
        (16366, "😀"),
        (16367, ""),
        (16368, ""),
    ])
    func convexErrorMessagesNeverSplitASurrogatePair(padding: Int, kept: String) {
        let value = ConvexValue.array([.string(String(repeating: "d", count: padding) + "😀" + String(repeating: "x", count: 100))])
        let expected = "[\"" + String(repeating: "d", count: min(padding, 16368)) + kept + "[...truncated]"
        #expect(value.convexErrorMessage == expected)
    }

    // MARK: - Log lines

    @Test(arguments: [
        (ConvexValue.null, "null"),
        (.boolean(false), "false"),
        (.float64(0), "0"),
        (.float64(-0.0), "-0"),
        (.float64(1), "1"),
        (.float64(1e21), "1e+21"),
        (.float64(1.5e-7), "1.5e-7"),
        (.float64(123_456_789_012), "123456789012"),
        (.float64(.nan), "NaN"),
        (.float64(-.infinity), "-Infinity"),
        (.int64(-5), "-5n"),
        (.int64(.max), "9223372036854775807n"),
        (.string("hello"), "'hello'"),
        (.string("it's"), #"'it\'s'"#),
        (.string("back\\slash \"quoted\""), #"'back\\slash "quoted"'"#),
        (.string("line\nbreak\ttab\r\u{8}\u{C}"), #"'line\nbreak\ttab\r\b\f'"#),
        (.string("\0\u{1}\u{1B}\u{7F}"), #"'\x00\x01\x1B"# + "\u{7F}'"),
        (.string("héllo 😀 \u{2028}"), "'héllo 😀 \u{2028}'"),
        (.string(""), "''"),
        (.bytes([1, 2, 3]), "ArrayBuffer [ArrayBuffer] {}"),
        (.array([]), "[]"),
        (.array([.float64(1), .float64(2)]), "[ 1, 2 ]"),
        (.array([.float64(1), .array([.float64(2), .array([.float64(3)])])]), "[ 1, [ 2, [ 3 ] ] ]"),
        (.array([.object(ConvexObject())]), "[ {} ]"),
        (.array([.array([]), .object(ConvexObject())]), "[ [], {} ]"),
        (.array([.string("x"), .bytes([1])]), "[ 'x', ArrayBuffer [ArrayBuffer] {} ]"),
        (.array([.object(ConvexObject([("a", .float64(1))]))]), "[\n  {\n    a: 1\n  }\n]"),
        (.array([.array([.object(ConvexObject([("a", .float64(1))]))])]), "[\n  [\n    {\n      a: 1\n    }\n  ]\n]"),
        (.object(ConvexObject()), "{}"),
        (.object(ConvexObject([("b", .string("x")), ("a", .float64(1))])), "{\n  a: 1,\n  b: 'x'\n}"),
        (.object(ConvexObject([("a", .array([.float64(1), .object(ConvexObject([("b", .float64(2))])), .float64(3)])), ("c", .array([]))])),
         "{\n  a: [\n    1,\n    {\n      b: 2\n    },\n    3\n  ],\n  c: []\n}"),
        (.object(ConvexObject([("it's", .string("v")), ("new line", .float64(1)), ("tab\\x", .float64(2))])),
         "{\n  'it\\'s': 'v',\n  'new line': 1,\n  'tab\\\\x': 2\n}"),
        (mixedKeys, "{\n  0: 9,\n  1: 3,\n  2: 5,\n  10: 4,\n  4294967294: 11,\n  : 6,\n  01: 10,\n  4294967295: 12,\n  B: 13,\n  _x: 7,\n  'a b': 2,\n  a$: 8,\n  'a-b': 1\n}"),
    ])
    func inspectsLikeObjectInspect(value: ConvexValue, text: String) {
        #expect(ObjectInspect.inspect(value) == text)
    }

    @Test func inspectionStopsAtDepthFive() {
        let deep = Self.nestedObjects(["l7", "l6", "l5", "l4", "l3", "l2", "l1", "l0"], innermost: .float64(1))
        #expect(ObjectInspect.inspect(deep)
            == "{\n  l7: {\n    l6: {\n      l5: {\n        l4: {\n          l3: [Object]\n        }\n      }\n    }\n  }\n}")
        let deepArray = (0..<8).reduce(ConvexValue.array([.float64(1)])) { inner, k in .array([inner, .float64(Double(k))]) }
        #expect(ObjectInspect.inspect(deepArray) == "[ [ [ [ [ [Array], 3 ], 4 ], 5 ], 6 ], 7 ]")
        let emptyAtDepth = Self.nestedObjects(["a"], innermost: .array([.array([.array([.array([.array([])])])])]))
        #expect(ObjectInspect.inspect(emptyAtDepth) == "{\n  a: [ [ [ [ [Array] ] ] ] ]\n}")
        let bytesAtDepth = ConvexValue.object(ConvexObject([
            ("a", .bytes([1])),
            ("b", Self.nestedObjects(["c", "d", "e"], innermost: .bytes([2]))),
            ("z", Self.nestedObjects(["c", "d", "e", "f"], innermost: .bytes([2]))),
        ]))
        #expect(ObjectInspect.inspect(bytesAtDepth) == """
            {
              a: ArrayBuffer [ArrayBuffer] {},
              b: {
                c: {
                  d: {
                    e: ArrayBuffer [ArrayBuffer] {}
                  }
                }
              },
              z: {
                c: {
                  d: {
                    e: {
                      f: [Object]
                    }
                  }
                }
              }
            }
            """)
    }

    @Test func longStringsAreCutInUTF16Units() {
        let limit = 32768
        #expect(ObjectInspect.inspect(.string(String(repeating: "a", count: limit))) == "'" + String(repeating: "a", count: limit) + "'")
        #expect(ObjectInspect.inspect(.string(String(repeating: "a", count: limit + 1)))
            == "'" + String(repeating: "a", count: limit) + "'... 1 more character")
        #expect(ObjectInspect.inspect(.string(String(repeating: "a", count: limit + 2)))
            == "'" + String(repeating: "a", count: limit) + "'... 2 more characters")
        #expect(ObjectInspect.inspect(.string(String(repeating: "a", count: limit - 1) + "😀"))
            == "'" + String(repeating: "a", count: limit - 1) + "\u{FFFD}'... 1 more character")
        #expect(ObjectInspect.inspect(.string(String(repeating: "a", count: limit - 2) + "😀b"))
            == "'" + String(repeating: "a", count: limit - 2) + "😀'... 1 more character")
    }

    @Test func logLinesJoinArgumentsAfterTheLevel() {
        #expect(LogLine.format(level: .LOG, arguments: [.string("hello")]) == "[LOG] 'hello'")
        #expect(LogLine.format(level: .LOG, arguments: [.string("hi"), .object(ConvexObject([("a", .float64(1))]))]) == "[LOG] 'hi' {\n  a: 1\n}")
        #expect(LogLine.format(level: .ERROR, arguments: [.int64(5), .null, .float64(2.5)]) == "[ERROR] 5n null 2.5")
        #expect(LogLine.format(level: .LOG, arguments: []) == "[LOG] ")
        for level in [LogLevel.LOG, .INFO, .WARN, .ERROR, .DEBUG] {
            #expect(LogLine.format(level: level, arguments: [.boolean(true)]) == "[\(level.rawValue)] true")
        }
    }

    @Test func logLinesUpTo32768BytesAreWhole() {
        let first = String(repeating: "x", count: 20000)
        let second = String(repeating: "y", count: 32768 - 20002 - 1 - 2)
        let line = LogLine.format(level: .LOG, arguments: [.string(first), .string(second)])
        #expect(line == "[LOG] '\(first)' '\(second)'")
    }

    @Test func longerLogLinesAreCutAndMarked() {
        let suffix = " (truncated due to length)"
        let huge = String(repeating: "a", count: 40000)
        #expect(LogLine.format(level: .LOG, arguments: [.string(huge)])
            == "[LOG] '" + String(repeating: "a", count: 32767) + suffix)

        let x = String(repeating: "x", count: 20000)
        let y = String(repeating: "y", count: 20000)
        #expect(LogLine.format(level: .WARN, arguments: [.string(x), .string(y), .string("never")])
            == "[WARN] '\(x)' '" + String(repeating: "y", count: 12764) + suffix)

        let accented = String(repeating: "é", count: 20000)
        #expect(LogLine.format(level: .LOG, arguments: [.string(accented)])
            == "[LOG] '" + String(repeating: "é", count: 16383) + suffix)
    }

    /// The backend aborts here (its byte counter underflows); the mock ends the line instead.
    @Test func anArgumentFillingTheLineExactlyEndsIt() {
        let filling = String(repeating: "a", count: 32766)
        #expect(LogLine.format(level: .LOG, arguments: [.string(filling), .float64(1)])
            == "[LOG] '\(filling)' (truncated due to length)")
    }
}
