import Testing
@testable import MockConvex

@Suite(.timeLimit(.minutes(1))) struct ValueExportTests {
    private static func wrapper(_ key: String, _ text: String) -> JSON {
        .object([(key: key, value: .string(text))])
    }

    /// One row per kind of value: what each format makes of it.
    @Test(arguments: [
        (ConvexValue.int64(5), wrapper("$integer", "BQAAAAAAAAA="), JSON.string("5"), JSON.integer(5)),
        (.int64(-1), wrapper("$integer", "//////////8="), .string("-1"), .integer(-1)),
        (.int64(.max), wrapper("$integer", "/////////38="), .string("9223372036854775807"), .integer(.max)),
        (.int64(.min), wrapper("$integer", "AAAAAAAAAIA="), .string("-9223372036854775808"), .integer(.min)),
        (.float64(7), .number(7), .number(7), .number(7)),
        (.float64(0), .number(0), .number(0), .number(0)),
        (.float64(-0.0), wrapper("$float", "AAAAAAAAAIA="), .number(-0.0), .number(-0.0)),
        (.float64(.leastNonzeroMagnitude), .number(.leastNonzeroMagnitude), .number(.leastNonzeroMagnitude), .number(.leastNonzeroMagnitude)),
        (.float64(.nan), wrapper("$float", "AAAAAAAA+H8="), .string("NaN"), wrapper("$float", "AAAAAAAA+H8=")),
        (.float64(Double(bitPattern: 0x7FF8_0000_0000_0001)), wrapper("$float", "AQAAAAAA+H8="), .string("NaN"), wrapper("$float", "AQAAAAAA+H8=")),
        (.float64(-.nan), wrapper("$float", "AAAAAAAA+P8="), .string("NaN"), wrapper("$float", "AAAAAAAA+P8=")),
        (.float64(.infinity), wrapper("$float", "AAAAAAAA8H8="), .string("Infinity"), wrapper("$float", "AAAAAAAA8H8=")),
        (.float64(-.infinity), wrapper("$float", "AAAAAAAA8P8="), .string("-Infinity"), wrapper("$float", "AAAAAAAA8P8=")),
        (.bytes([1, 2, 3]), wrapper("$bytes", "AQID"), .string("AQID"), wrapper("$bytes", "AQID")),
        (.bytes([]), wrapper("$bytes", ""), .string(""), wrapper("$bytes", "")),
        (.string("hi"), .string("hi"), .string("hi"), .string("hi")),
        (.string("$integer"), .string("$integer"), .string("$integer"), .string("$integer")),
        (.boolean(true), .bool(true), .bool(true), .bool(true)),
        (.null, .null, .null, .null),
        (.array([]), .array([]), .array([]), .array([])),
        (.object(ConvexObject()), .object([]), .object([]), .object([])),
    ] as [(ConvexValue, JSON, JSON, JSON)])
    func exportsEachKindOfValue(value: ConvexValue, encoded: JSON, clean: JSON, export: JSON) {
        #expect(value.exported(.encoded) == encoded)
        #expect(value.exported(.clean) == clean)
        #expect(value.exported(.export) == export)
    }

    /// export_json writes an int64 as a bare JSON integer, every digit of it.
    @Test func exportFormatWritesInt64AsAnExactInteger() {
        #expect(ConvexValue.int64(9_007_199_254_740_993).exported(.export) == .integer(9_007_199_254_740_993))
        #expect(JSONWriter.serialize(ConvexValue.int64(.min).exported(.export)) == Array("-9223372036854775808".utf8))
        #expect(JSONWriter.serialize(ConvexValue.int64(5).exported(.export)) == Array("5".utf8))
    }

    @Test func objectsComeOutInBytewiseOrderInEveryFormat() {
        let document = ConvexValue.object(ConvexObject([
            ("a", .int64(1)),
            ("_id", .string("x")),
            ("Name", .boolean(true)),
            ("_creationTime", .float64(1_755_811_200_123.4568)),
        ]))
        for format in [ValueFormat.encoded, .clean, .export] {
            #expect(document.exported(format).objectMembers?.map(\.key) == ["Name", "_creationTime", "_id", "a"])
        }
    }

    @Test func nestedValuesAreConvertedAllTheWayDown() {
        let value = ConvexValue.object(ConvexObject([
            ("list", .array([.int64(5), .float64(.infinity), .bytes([255]), .array([.float64(-0.0)])])),
            ("inner", .object(ConvexObject([("n", .int64(-1)), ("m", .null)]))),
        ]))
        #expect(value.exported(.encoded) == .object([
            (key: "inner", value: .object([(key: "m", value: .null), (key: "n", value: Self.wrapper("$integer", "//////////8="))])),
            (key: "list", value: .array([
                Self.wrapper("$integer", "BQAAAAAAAAA="),
                Self.wrapper("$float", "AAAAAAAA8H8="),
                Self.wrapper("$bytes", "/w=="),
                .array([Self.wrapper("$float", "AAAAAAAAAIA=")]),
            ])),
        ]))
        #expect(value.exported(.clean) == .object([
            (key: "inner", value: .object([(key: "m", value: .null), (key: "n", value: .string("-1"))])),
            (key: "list", value: .array([.string("5"), .string("Infinity"), .string("/w=="), .array([.number(-0.0)])])),
        ]))
        #expect(value.exported(.export) == .object([
            (key: "inner", value: .object([(key: "m", value: .null), (key: "n", value: .integer(-1))])),
            (key: "list", value: .array([
                .integer(5),
                Self.wrapper("$float", "AAAAAAAA8H8="),
                Self.wrapper("$bytes", "/w=="),
                .array([.number(-0.0)]),
            ])),
        ]))
    }

    @Test func objectsExportLikeTheirValue() {
        let object = ConvexObject([("b", .int64(2)), ("a", .bytes([0]))])
        #expect(object.exported(.clean) == ConvexValue.object(object).exported(.clean))
    }

    @Test(arguments: [
        ConvexValue.int64(0), .int64(5), .int64(-1), .int64(.max), .int64(.min),
        .float64(0), .float64(-0.0), .float64(.nan), .float64(-.nan), .float64(Double(bitPattern: 0x7FF0_0000_0000_0001)),
        .float64(.infinity), .float64(-.infinity), .float64(.leastNonzeroMagnitude), .float64(1.5), .float64(-1e300),
        .bytes([]), .bytes([0]), .bytes(Array(0...255)),
        .string(""), .string("héllo 😀"), .boolean(false), .null,
        .array([]), .object(ConvexObject()),
        .array([.int64(1), .array([.float64(.nan), .object(ConvexObject([("x", .bytes([9]))]))])]),
        .object(ConvexObject([
            ("a", .object(ConvexObject([("b", .array([.int64(.min), .float64(-0.0)]))]))),
            ("_id", .string("j57")),
            ("", .null),
        ])),
    ])
    func encodedFormatRoundTrips(value: ConvexValue) throws {
        #expect(try ConvexValue.importing(value.exported(.encoded)) == value)
    }

    @Test(arguments: [
        ("convex_encoded_json", ValueFormat.encoded), ("convex_json", .encoded),
        ("json", .clean), ("convex_clean_json", .clean), ("export_json", .export),
    ])
    func parsesFormatNames(name: String, format: ValueFormat) throws {
        #expect(try ValueFormat(parsing: name) == format)
    }

    @Test func formatsHaveCanonicalNames() {
        #expect([ValueFormat.encoded, .clean, .export].map(\.name) == ["convex_encoded_json", "json", "export_json"])
    }

    @Test(arguments: ["xml", "JSON", "", "clean_json"])
    func rejectsOtherFormatNames(name: String) {
        #expect(throws: BadFormatError(name: name)) { try ValueFormat(parsing: name) }
        #expect(BadFormatError(name: name).message == "format param must be one of [`json`]. Got \(name)")
        #expect(BadFormatError.code == "BadFormat")
    }

    @Test func badFormatMessageQuotesTheName() {
        #expect(BadFormatError(name: "xml").message == "format param must be one of [`json`]. Got xml")
    }
}
