/// serde's "invalid type: <what was found>, expected <what the visitor wanted>" messages,
/// as serde_json builds them when a typed field meets the wrong kind of value.
extension JSONCursor {
    /// serde_json's `peek_invalid_type`: consumes a scalar to name it (an array or object is
    /// named without being consumed) and returns the data error, placed after what was
    /// consumed. A syntax error met on the way is returned instead.
    mutating func invalidType(expected: String) -> JSONError {
        let found: String
        do throws(JSONError) {
            switch peekOrNull {
            case JSONByte.lowerN:
                index += 1
                try expectIdent("ull")
                found = "null"
            case JSONByte.lowerT:
                index += 1
                try expectIdent("rue")
                found = "boolean `true`"
            case JSONByte.lowerF:
                index += 1
                try expectIdent("alse")
                found = "boolean `false`"
            case JSONByte.minus:
                let start = index
                index += 1
                found = Self.describe(try readNumber(negative: true, start: start))
            case JSONByte.zero...JSONByte.nine:
                found = Self.describe(try readNumber(negative: false, start: index))
            case JSONByte.quote:
                index += 1
                found = "string " + RustDebugText.quoted(try readString())
            case JSONByte.openBracket:
                found = "sequence"
            case JSONByte.openBrace:
                found = "map"
            default:
                return peekError(.expectedSomeValue)
            }
        } catch {
            return error
        }
        return dataError("invalid type: \(found), expected \(expected)")
    }

    /// serde_json prints floats here with ryu, like its serializer.
    private static func describe(_ number: ParsedNumber) -> String {
        switch number {
        case .unsigned(let value): "integer `\(value)`"
        case .signed(let value): "integer `\(value)`"
        case .float(let value): "floating point `\(NumberText.ryu(value))`"
        }
    }
}
