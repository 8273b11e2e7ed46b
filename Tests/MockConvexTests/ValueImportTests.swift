import Testing
@testable import MockConvex

/// Expected messages are the backend's (value/src/json/mod.rs and the limits it checks), as
/// produced by the crates it uses where those format the text.
@Suite(.timeLimit(.minutes(1))) struct ValueImportTests {
    private func message(importing json: JSON) -> String? {
        do {
            _ = try ConvexValue.importing(json)
            return nil
        } catch {
            return error.message
        }
    }

    private static func object(_ members: (String, JSON)...) -> JSON {
        .object(members.map { (key: $0.0, value: $0.1) })
    }

    private static func nestedArrays(depth: Int) -> JSON {
        (0..<depth).reduce(JSON.null) { inner, _ in .array([inner]) }
    }

    private static func nestedObjects(depth: Int) -> JSON {
        (0..<depth).reduce(JSON.null) { inner, _ in object(("a", inner)) }
    }

    // MARK: - Plain values

    @Test func everyNumberBecomesAFloat() throws {
        #expect(try ConvexValue.importing(.number(5)) == .float64(5))
        #expect(try ConvexValue.importing(.number(-0.0)) == .float64(-0.0))
        #expect(try ConvexValue.importing(.number(1e300)) == .float64(1e300))
    }

    @Test func scalarsAndContainersConvert() throws {
        #expect(try ConvexValue.importing(.null) == .null)
        #expect(try ConvexValue.importing(.bool(true)) == .boolean(true))
        #expect(try ConvexValue.importing(.string("$integer")) == .string("$integer"))
        #expect(try ConvexValue.importing(.array([.number(1), .string("x")])) == .array([.float64(1), .string("x")]))
        #expect(try ConvexValue.importing(Self.object(("b", .number(2)), ("a", .null), ("", .bool(false))))
            == .object(ConvexObject([("a", .null), ("b", .float64(2)), ("", .boolean(false))])))
    }

    // MARK: - Wrappers

    @Test func wrappersDecode() throws {
        #expect(try ConvexValue.importing(Self.object(("$integer", .string("BQAAAAAAAAA=")))) == .int64(5))
        #expect(try ConvexValue.importing(Self.object(("$integer", .string("AAAAAAAAAIA")))) == .int64(.min))
        #expect(try ConvexValue.importing(Self.object(("$float", .string("AAAAAAAA+H8=")))) == .float64(.nan))
        #expect(try ConvexValue.importing(Self.object(("$float", .string("AAAAAAAA8P8=")))) == .float64(-.infinity))
        #expect(try ConvexValue.importing(Self.object(("$float", .string("AAAAAAAAAIA=")))) == .float64(-0.0))
        #expect(try ConvexValue.importing(Self.object(("$bytes", .string("AQID")))) == .bytes([1, 2, 3]))
        #expect(try ConvexValue.importing(Self.object(("$bytes", .string("")))) == .bytes([]))
        #expect(try ConvexValue.importing(Self.object(("$bytes", .string("Zg")))) == .bytes([102]))
    }

    @Test func positiveZeroMayBeWrappedToo() throws {
        #expect(try ConvexValue.importing(Self.object(("$float", .string("AAAAAAAAAAA=")))) == .float64(0))
    }

    @Test func aRepeatedNameKeepsItsFirstPlaceAndLastValue() throws {
        #expect(try ConvexValue.importing(Self.object(("$integer", .number(5)), ("$integer", .string("BQAAAAAAAAA=")))) == .int64(5))
        let json = Self.object(("a", Self.object(("$foo", .null))), ("b", .number(1)), ("a", .number(2)))
        #expect(try ConvexValue.importing(json) == .object(ConvexObject([("a", .float64(2)), ("b", .float64(1))])))
        let order = Self.object(("a", .number(1)), ("b", Self.object(("$x", .null))), ("a", Self.object(("$y", .null))))
        #expect(message(importing: order) == "Field name $y starts with '$', which is reserved.")
    }

    @Test(arguments: [
        (JSON.number(5), "invalid type: integer `5`, expected a string"),
        (.number(-5), "invalid type: integer `-5`, expected a string"),
        (.number(0), "invalid type: integer `0`, expected a string"),
        (.number(-0.0), "invalid type: floating point `-0.0`, expected a string"),
        (.number(5.5), "invalid type: floating point `5.5`, expected a string"),
        (.number(-1.5e-7), "invalid type: floating point `-1.5e-7`, expected a string"),
        (.number(1e300), "invalid type: floating point `1e300`, expected a string"),
        (.number(.leastNonzeroMagnitude), "invalid type: floating point `5e-324`, expected a string"),
        (.number(10_000_000_000_000_000_000), "invalid type: integer `10000000000000000000`, expected a string"),
        (.number(-0x1p63), "invalid type: integer `-9223372036854775808`, expected a string"),
        (.number(0x1p64), "invalid type: floating point `1.8446744073709552e19`, expected a string"),
        (.bool(true), "invalid type: boolean `true`, expected a string"),
        (.null, "invalid type: null, expected a string"),
        (.array([.string("AQID")]), "invalid type: sequence, expected a string"),
        (.object([]), "invalid type: map, expected a string"),
    ])
    func wrapperPayloadsMustBeStrings(payload: JSON, expected: String) {
        for name in ["$integer", "$float", "$bytes"] {
            #expect(message(importing: Self.object((name, payload))) == expected)
        }
    }

    @Test(arguments: [
        ("$integer", "abc", "Int64 must be exactly eight bytes"),
        ("$integer", "", "Int64 must be exactly eight bytes"),
        ("$integer", "AAAAAAAAAAAAAAAA", "Int64 must be exactly eight bytes"),
        ("$float", "AAAA", "Float64 must be exactly eight bytes"),
        ("$integer", "!", "Invalid byte 33, offset 0."),
        ("$float", "AAAAAAAAAAA= ", "Invalid byte 32, offset 12."),
        ("$bytes", "A", "Encoded text cannot have a 6-bit remainder."),
        ("$bytes", "AB==", "Invalid last symbol 66, offset 1."),
        ("$float", "AAAAAAAA8D8=", "Float64 1 should be encoded as a number"),
        ("$float", "AAAAAAAA+D8=", "Float64 1.5 should be encoded as a number"),
        ("$float", "AAAAAAAA8L8=", "Float64 -1 should be encoded as a number"),
        ("$float", "AAAAAAAAQEY=", "Float64 2535301200456459000000000000000 should be encoded as a number"),
        ("$float", "AQAAAAAAAAA=", "Float64 0.\(String(repeating: "0", count: 323))5 should be encoded as a number"),
    ])
    func badWrapperContents(name: String, text: String, expected: String) {
        #expect(message(importing: Self.object((name, .string(text)))) == expected)
    }

    // MARK: - Field names

    @Test(arguments: [
        ("$foo", "Field name $foo starts with '$', which is reserved."),
        ("$", "Field name $ starts with '$', which is reserved."),
        ("héllo", "Field name héllo has invalid character 'é': Field names can only contain non-control ASCII characters"),
        ("a\nb", "Field name a\nb has invalid character '\\n': Field names can only contain non-control ASCII characters"),
        ("a\tb", "Field name a\tb has invalid character '\\t': Field names can only contain non-control ASCII characters"),
        ("\u{7F}", "Field name \u{7F} has invalid character '\\u{7f}': Field names can only contain non-control ASCII characters"),
        ("\u{1}", "Field name \u{1} has invalid character '\\u{1}': Field names can only contain non-control ASCII characters"),
        ("x\u{200B}", "Field name x\u{200B} has invalid character '\\u{200b}': Field names can only contain non-control ASCII characters"),
        ("a\u{301}", "Field name a\u{301} has invalid character '\\u{301}': Field names can only contain non-control ASCII characters"),
        ("😀", "Field name 😀 has invalid character '😀': Field names can only contain non-control ASCII characters"),
        (String(repeating: "x", count: 1025), "Field name is too long (1025 > maximum 1024)"),
        ("$" + String(repeating: "x", count: 2000), "Field name $\(String(repeating: "x", count: 2000)) starts with '$', which is reserved."),
        (String(repeating: "é", count: 600), "Field name \(String(repeating: "é", count: 600)) has invalid character 'é': Field names can only contain non-control ASCII characters"),
    ])
    func rejectsBadFieldNames(name: String, expected: String) {
        #expect(message(importing: Self.object((name, .null))) == expected)
        #expect(message(importing: Self.object(("ok", .null), (name, .null))) == expected)
    }

    @Test func acceptsEdgeFieldNames() throws {
        for name in ["", String(repeating: "x", count: 1024), " ~!@#%^&*()_+-=[]{}|;':\",./<>?`", "a$b", "_id"] {
            #expect(try ConvexValue.importing(Self.object((name, .null))) == .object(ConvexObject([(name, .null)])))
        }
    }

    @Test func wrapperNamesAreOnlySpecialAlone() {
        #expect(message(importing: Self.object(("$integer", .string("BQAAAAAAAAA=")), ("a", .null)))
            == "Field name $integer starts with '$', which is reserved.")
        #expect(message(importing: Self.object(("a", .null), ("$bytes", .string(""))))
            == "Field name $bytes starts with '$', which is reserved.")
    }

    // MARK: - Limits

    @Test func fieldCountLimit() throws {
        let fields = (0..<1025).map { (key: "f\($0)", value: JSON.null) }
        #expect(try ConvexValue.importing(.object(Array(fields.prefix(1024)))).nesting == 1)
        #expect(message(importing: .object(fields)) == "Object has too many fields (1025 > maximum number 1024)")
    }

    @Test func arrayLengthLimit() throws {
        #expect(try ConvexValue.importing(.array(Array(repeating: .null, count: 8192))).size == 8194)
        #expect(message(importing: .array(Array(repeating: .null, count: 8193)))
            == "Array length is too long (8193 > maximum length 8192)")
    }

    @Test func nestingLimit() throws {
        #expect(try ConvexValue.importing(Self.nestedArrays(depth: 64)).nesting == 64)
        #expect(try ConvexValue.importing(Self.nestedObjects(depth: 64)).nesting == 64)
        let tooNested = "Value is too nested (nested 65 levels deep > maximum nesting 64)"
        #expect(message(importing: Self.nestedArrays(depth: 65)) == tooNested)
        #expect(message(importing: Self.nestedObjects(depth: 65)) == tooNested)
        #expect(message(importing: Self.nestedArrays(depth: 100)) == tooNested)
    }

    @Test func positionalArgumentsCountAsOneLevel() throws {
        #expect(try ConvexValue.importing(.array([Self.nestedObjects(depth: 63)])).nesting == 64)
        #expect(message(importing: .array([Self.nestedObjects(depth: 64)]))
            == "Value is too nested (nested 65 levels deep > maximum nesting 64)")
        #expect(message(importing: .array([Self.object(("$foo", .number(1)))]))
            == "Field name $foo starts with '$', which is reserved.")
    }

    @Test func sizeLimit() throws {
        let largest = String(repeating: "x", count: ValueLimits.maxSize - 2)
        #expect(try ConvexValue.importing(.string(largest)).size == 33_554_432)
        #expect(message(importing: .string(largest + "x")) == "Value is too large (32.00 MiB > maximum size 32 MiB)")
        #expect(message(importing: .string(String(repeating: "x", count: 34_078_718))) == "Value is too large (32.50 MiB > maximum size 32 MiB)")
        let half = JSON.string(String(repeating: "y", count: 16 << 20))
        #expect(message(importing: .array([half, half])) == "Value is too large (32.00 MiB > maximum size 32 MiB)")
        #expect(message(importing: Self.object(("a", half), ("bb", half))) == "Value is too large (32.00 MiB > maximum size 32 MiB)")
    }

    // MARK: - Order of checks

    @Test func contentsAreCheckedBeforeTheirContainer() {
        var elements = Array(repeating: JSON.null, count: 8193)
        elements[8192] = Self.object(("$foo", .null))
        #expect(message(importing: .array(elements)) == "Field name $foo starts with '$', which is reserved.")
        #expect(message(importing: .array([.string(String(repeating: "x", count: 40 << 20)), Self.nestedArrays(depth: 64)]))
            == "Value is too large (40.00 MiB > maximum size 32 MiB)")
    }

    @Test func membersAreCheckedInOrderNameThenValue() {
        #expect(message(importing: Self.object(("a", Self.object(("$integer", .number(5)))), ("$b", .null))) == "invalid type: integer `5`, expected a string")
        #expect(message(importing: Self.object(("$b", .null), ("a", Self.object(("$integer", .number(5)))))) == "Field name $b starts with '$', which is reserved.")
    }

    @Test func containerChecksCountThenSizeThenNesting() {
        let chunk = JSON.string(String(repeating: "z", count: 32 << 10))
        let manyBigFields = JSON.object((0..<1025).map { (key: "f\($0)", value: chunk) })
        #expect(message(importing: manyBigFields) == "Object has too many fields (1025 > maximum number 1024)")
        let page = JSON.string(String(repeating: "z", count: 4096))
        #expect(message(importing: .array(Array(repeating: page, count: 8193))) == "Array length is too long (8193 > maximum length 8192)")
        let half = JSON.string(String(repeating: "y", count: 16 << 20))
        #expect(message(importing: .array([half, half, Self.nestedArrays(depth: 64)])) == "Value is too large (32.00 MiB > maximum size 32 MiB)")
    }

    // MARK: - Sizes

    @Test func sizesFollowTheBackendsMeasure() {
        #expect(ConvexValue.null.size == 1)
        #expect(ConvexValue.boolean(true).size == 1)
        #expect(ConvexValue.int64(1).size == 9)
        #expect(ConvexValue.float64(1).size == 9)
        #expect(ConvexValue.string("é").size == 4)
        #expect(ConvexValue.bytes([1, 2]).size == 4)
        #expect(ConvexValue.array([.null, .int64(1)]).size == 12)
        #expect(ConvexValue.object(ConvexObject([("ab", .null), ("c", .string(""))])).size == 2 + 3 + 1 + 2 + 2)
        #expect(ConvexValue.array([]).nesting == 1)
        #expect(ConvexValue.string("x").nesting == 0)
    }

    @Test(arguments: [
        (0, "0 B"), (1023, "1023 B"), (1024, "1 KiB"), (1536, "1.50 KiB"), (1_048_575, "1024.00 KiB"),
        (1_048_576, "1 MiB"), (16_777_216, "16 MiB"), (16_779_216, "16.00 MiB"), (17_825_792, "17 MiB"),
        (33_554_432, "32 MiB"), (33_554_433, "32.00 MiB"), (33_685_504, "32.12 MiB"), (33_947_648, "32.38 MiB"),
        (34_209_792, "32.62 MiB"), (34_471_936, "32.88 MiB"), (1_073_741_823, "1024.00 MiB"), (1 << 30, "1 GiB"),
    ])
    func byteCountsPrintAsHumansizeDoes(count: Int, text: String) {
        #expect(ByteCountText.binary(count) == text)
    }
}
