/// Why JSON could not become a Convex value. `message` is the backend's text; function calls
/// embed it as `Invalid arguments for <path>: <message>`.
struct ValueImportError: Error, Equatable, Sendable {
    let message: String
}

extension ConvexValue {
    /// Converts JSON in the encoded format, by the backend's rules and in the order it checks
    /// them, so the first problem reported is the backend's first problem. Every JSON number
    /// becomes a float64; a one-member object named `$integer`, `$float` or `$bytes` is a
    /// wrapper. Positional arguments are imported as one array, which then counts as one level
    /// of nesting and one element per argument.
    static func importing(_ json: JSON) throws(ValueImportError) -> ConvexValue {
        try ValueImport.convert(json).value
    }

    /// Positional arguments, imported as the one array they arrive in (which counts as a
    /// level of nesting and toward the size).
    static func importingArguments(_ arguments: [JSON]) throws(ValueImportError) -> [ConvexValue] {
        let converted = try ValueImport.convert(.array(arguments)).value
        guard case .array(let values) = converted else { return [converted] }
        return values
    }

    /// Converts a value this program stored (in the encoded format) without the limits client
    /// input is held to: what an older version accepted must still load. Only malformed
    /// wrappers fail.
    static func importingStored(_ json: JSON) throws(ValueImportError) -> ConvexValue {
        try ValueImport.convertStored(json)
    }
}

/// The conversion carries each value's size and nesting up the tree, because every container
/// checks its limits as soon as its contents are converted, innermost first.
private enum ValueImport {
    struct Converted {
        var value: ConvexValue
        var size: Int
        var nesting: Int
    }

    static func convert(_ json: JSON) throws(ValueImportError) -> Converted {
        switch json {
        case .null: return Converted(value: .null, size: 1, nesting: 0)
        case .bool(let flag): return Converted(value: .boolean(flag), size: 1, nesting: 0)
        case .number(let number): return Converted(value: .float64(number), size: 9, nesting: 0)
        case .integer(let number): return Converted(value: .float64(Double(number)), size: 9, nesting: 0)
        case .string(let text): return try checkedScalar(.string(text), size: ConvexValue.stringSize(text))
        case .array(let items): return try array(items)
        case .object(let members): return try object(members)
        }
    }

    static func convertStored(_ json: JSON) throws(ValueImportError) -> ConvexValue {
        switch json {
        case .null: return .null
        case .bool(let flag): return .boolean(flag)
        case .number(let number): return .float64(number)
        case .integer(let number): return .float64(Double(number))
        case .string(let text): return .string(text)
        case .array(let items):
            var values: [ConvexValue] = []
            values.reserveCapacity(items.count)
            for item in items { values.append(try convertStored(item)) }
            return .array(values)
        case .object(let members):
            let members = distinctMembers(members)
            if members.count == 1, let unwrapped = try wrapper(members[0].key, members[0].value) {
                return unwrapped.value
            }
            var fields: [(String, ConvexValue)] = []
            fields.reserveCapacity(members.count)
            for (name, value) in members { fields.append((name, try convertStored(value))) }
            return .object(ConvexObject(fields))
        }
    }

    private static func array(_ items: [JSON]) throws(ValueImportError) -> Converted {
        var values: [ConvexValue] = []
        values.reserveCapacity(items.count)
        var size = 2
        var deepest = 0
        for item in items {
            let converted = try convert(item)
            values.append(converted.value)
            size += converted.size
            deepest = max(deepest, converted.nesting)
        }
        if values.count > ValueLimits.maxArrayLength {
            throw ValueImportError(message: "Array length is too long (\(values.count) > maximum length \(ValueLimits.maxArrayLength))")
        }
        return try checkedContainer(.array(values), size: size, nesting: deepest + 1)
    }

    private static func object(_ members: [(key: String, value: JSON)]) throws(ValueImportError) -> Converted {
        let members = distinctMembers(members)
        if members.count == 1, let unwrapped = try wrapper(members[0].key, members[0].value) {
            return unwrapped
        }
        var object = ConvexObject()
        var size = 2
        var deepest = 0
        for (name, json) in members {
            if let problem = FieldNameRules.problem(with: name) { throw ValueImportError(message: problem) }
            let converted = try convert(json)
            object[name] = converted.value
            size += name.utf8.count + 1 + converted.size
            deepest = max(deepest, converted.nesting)
        }
        if object.count > ValueLimits.maxObjectFields {
            throw ValueImportError(message: "Object has too many fields (\(object.count) > maximum number \(ValueLimits.maxObjectFields))")
        }
        return try checkedContainer(.object(object), size: size, nesting: deepest + 1)
    }

    /// The backend reads JSON objects into an insertion-ordered map, where a repeated name keeps
    /// its first position and takes its last value. That decides both whether an object has a
    /// single member and the order its members are checked in.
    private static func distinctMembers(_ members: [(key: String, value: JSON)]) -> [(key: String, value: JSON)] {
        guard members.count > 1 else { return members }
        // Small objects (nearly all arguments) are checked pairwise, without hashing: with no
        // repeated name, as almost always, they are their own distinct members.
        if members.count <= 16 {
            var repeated = false
            outer: for later in 1..<members.count {
                for earlier in 0..<later where members[earlier].key == members[later].key {
                    repeated = true
                    break outer
                }
            }
            if !repeated { return members }
        }
        var positions: [String: Int] = [:]
        positions.reserveCapacity(members.count)
        var distinct: [(key: String, value: JSON)] = []
        distinct.reserveCapacity(members.count)
        for member in members {
            if let position = positions[member.key] {
                distinct[position].value = member.value
            } else {
                positions[member.key] = distinct.count
                distinct.append(member)
            }
        }
        return distinct
    }

    /// The value a `$bytes`, `$integer` or `$float` wrapper stands for; nil for any other name.
    private static func wrapper(_ name: String, _ payload: JSON) throws(ValueImportError) -> Converted? {
        switch name {
        case "$bytes":
            let bytes = try base64Payload(payload)
            return try checkedScalar(.bytes(bytes), size: ConvexValue.bytesSize(bytes))
        case "$integer":
            let bits = try eightBytePayload(payload, name: "Int64")
            return Converted(value: .int64(Int64(bitPattern: bits)), size: 9, nesting: 0)
        case "$float":
            let number = Double(bitPattern: try eightBytePayload(payload, name: "Float64"))
            // Only values a plain JSON number cannot carry may be wrapped; zero of either
            // sign is tolerated.
            if number.isNormal || number.isSubnormal {
                throw ValueImportError(message: "Float64 \(RustText.display(number)) should be encoded as a number")
            }
            return Converted(value: .float64(number), size: 9, nesting: 0)
        default:
            return nil
        }
    }

    private static func eightBytePayload(_ payload: JSON, name: String) throws(ValueImportError) -> UInt64 {
        let bytes = try base64Payload(payload)
        guard bytes.count == 8 else { throw ValueImportError(message: "\(name) must be exactly eight bytes") }
        return bytes.reversed().reduce(0) { $0 << 8 | UInt64($1) }
    }

    private static func base64Payload(_ payload: JSON) throws(ValueImportError) -> [UInt8] {
        guard case .string(let text) = payload else {
            throw ValueImportError(message: "invalid type: \(serdeDescription(payload)), expected a string")
        }
        do {
            return try Base64.decode(text)
        } catch {
            throw ValueImportError(message: error.description)
        }
    }

    /// How serde_json names an unexpected JSON value. It keeps a number written without
    /// fraction or exponent as an integer when it fits u64 or i64, and `JSON` keeps only the
    /// Double, so integral values in that range are taken to have been written as integers.
    private static func serdeDescription(_ json: JSON) -> String {
        switch json {
        case .null: return "null"
        case .bool(let flag): return "boolean `\(flag)`"
        case .string(let text):
            var description = "string "
            RustText.appendDebugQuoted(text, to: &description)
            return description
        case .array: return "sequence"
        case .object: return "map"
        case .integer(let number): return "integer `\(number)`"
        case .number(let number):
            // `-0` parses as a float.
            let isIntegral = number.isFinite && number.rounded(.towardZero) == number
                && !(number == 0 && number.sign == .minus)
            if isIntegral && number >= 0 && number < 0x1p64 { return "integer `\(UInt64(number))`" }
            if isIntegral && number < 0 && number >= -0x1p63 { return "integer `\(Int64(number))`" }
            return "floating point `\(number.isFinite ? NumberText.ryu(number) : RustText.display(number))`"
        }
    }

    private static func checkedScalar(_ value: ConvexValue, size: Int) throws(ValueImportError) -> Converted {
        try checkSize(size)
        return Converted(value: value, size: size, nesting: 0)
    }

    private static func checkedContainer(_ value: ConvexValue, size: Int, nesting: Int) throws(ValueImportError) -> Converted {
        try checkSize(size)
        if nesting > ValueLimits.maxNesting {
            throw ValueImportError(message: "Value is too nested (nested \(nesting) levels deep > maximum nesting \(ValueLimits.maxNesting))")
        }
        return Converted(value: value, size: size, nesting: nesting)
    }

    private static func checkSize(_ size: Int) throws(ValueImportError) {
        if size > ValueLimits.maxSize {
            throw ValueImportError(message: "Value is too large (\(ByteCountText.binary(size)) > maximum size \(ByteCountText.binary(ValueLimits.maxSize)))")
        }
    }
}
