/// `JSON.stringify` as JavaScript writes it, for what the function runtime writes rather than
/// the backend: JavaScript number text (`1`, `1e+21`, `0` for -0), the short string escapes,
/// and object members in JavaScript's property order.
enum JavaScriptJSON {
    static func stringify(_ value: JSON) -> String {
        var output = ""
        append(value, to: &output)
        return output
    }

    private static func append(_ value: JSON, to output: inout String) {
        switch value {
        case .null: output.append("null")
        case .bool(let flag): output.append(flag ? "true" : "false")
        case .number(let number): output.append(number.isFinite ? NumberText.javaScript(number) : "null")
        case .integer(let number): output.append(NumberText.javaScript(Double(number)))
        case .string(let text): appendQuoted(text, to: &output)
        case .array(let items):
            output.append("[")
            for (position, item) in items.enumerated() {
                if position > 0 { output.append(",") }
                append(item, to: &output)
            }
            output.append("]")
        case .object(let members):
            output.append("{")
            for (position, member) in propertyOrder(members).enumerated() {
                if position > 0 { output.append(",") }
                appendQuoted(member.key, to: &output)
                output.append(":")
                append(member.value, to: &output)
            }
            output.append("}")
        }
    }

    /// An object parsed from JSON text: a repeated name keeps its first place and its last
    /// value; array-index names come first, in numeric order, the rest in written order.
    private static func propertyOrder(_ members: [(key: String, value: JSON)]) -> [(key: String, value: JSON)] {
        var unique: [(key: String, value: JSON)] = []
        var positions: [String: Int] = [:]
        for member in members {
            if let position = positions[member.key] {
                unique[position].value = member.value
            } else {
                positions[member.key] = unique.count
                unique.append(member)
            }
        }
        let indexed = unique.compactMap { member in ConvexObject.arrayIndex(member.key).map { (index: $0, member: member) } }
        guard !indexed.isEmpty else { return unique }
        return indexed.sorted { $0.index < $1.index }.map(\.member) + unique.filter { ConvexObject.arrayIndex($0.key) == nil }
    }

    /// JSON.stringify's string quoting: the short escapes where JSON has them, `\u00xx` for the
    /// other control characters, everything else as is.
    static func appendQuoted(_ text: String, to output: inout String) {
        output.append("\"")
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output.append("\\\"")
            case "\\": output.append("\\\\")
            case "\u{08}": output.append("\\b")
            case "\u{0C}": output.append("\\f")
            case "\n": output.append("\\n")
            case "\r": output.append("\\r")
            case "\t": output.append("\\t")
            case "\0"..."\u{1F}":
                output.append("\\u00")
                output.append(scalar.value < 0x10 ? "0" : "1")
                output.append(String(scalar.value & 0xF, radix: 16))
            default: output.unicodeScalars.append(scalar)
            }
        }
        output.append("\"")
    }
}
