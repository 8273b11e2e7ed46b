/// Compact JSON output byte for byte as `serde_json::to_vec` writes it, since clients and
/// snapshot tests compare response bodies exactly: no whitespace, members in their stored
/// order, only `"`, `\` and control characters escaped, numbers in ryu's style.
enum JSONWriter {
    static func serialize(_ value: JSON) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(64)
        append(value, to: &output)
        return output
    }

    /// Appends the serialisation of `value`. Numbers must be finite (the backend never has
    /// others to write); a non-finite one is a programming error and traps.
    static func append(_ value: JSON, to output: inout [UInt8]) {
        switch value {
        case .null:
            output.append(contentsOf: "null".utf8)
        case .bool(let flag):
            output.append(contentsOf: flag ? "true".utf8 : "false".utf8)
        case .number(let number):
            appendNumber(number, to: &output)
        case .integer(let number):
            output.append(contentsOf: String(number).utf8)
        case .string(let text):
            appendString(text, to: &output)
        case .array(let elements):
            output.append(JSONByte.openBracket)
            for (position, element) in elements.enumerated() {
                if position > 0 { output.append(JSONByte.comma) }
                append(element, to: &output)
            }
            output.append(JSONByte.closeBracket)
        case .object(let members):
            output.append(JSONByte.openBrace)
            for (position, member) in members.enumerated() {
                if position > 0 { output.append(JSONByte.comma) }
                appendString(member.key, to: &output)
                output.append(JSONByte.colon)
                append(member.value, to: &output)
            }
            output.append(JSONByte.closeBrace)
        }
    }

    /// Whole numbers below 1e15 are by far the most common and ryu writes them as their
    /// digits plus ".0", so they skip the general formatter.
    private static func appendNumber(_ number: Double, to output: inout [UInt8]) {
        precondition(number.isFinite, "JSON numbers must be finite")
        if number.magnitude < 1e15, case let whole = Int64(number), Double(whole) == number,
           !(whole == 0 && number.sign == .minus) {
            output.append(contentsOf: String(whole).utf8)
            output.append(contentsOf: ".0".utf8)
        } else {
            output.append(contentsOf: NumberText.ryu(number).utf8)
        }
    }

    /// Copies runs of bytes that need no escape in one go.
    static func appendString(_ text: String, to output: inout [UInt8]) {
        output.append(JSONByte.quote)
        var text = text
        text.withUTF8 { bytes in
            var runStart = 0
            for position in 0..<bytes.count {
                let byte = bytes[position]
                guard byte < 0x20 || byte == JSONByte.quote || byte == JSONByte.backslash else { continue }
                output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<position]))
                appendEscape(for: byte, to: &output)
                runStart = position + 1
            }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<bytes.count]))
        }
        output.append(JSONByte.quote)
    }

    private static func appendEscape(for byte: UInt8, to output: inout [UInt8]) {
        output.append(JSONByte.backslash)
        switch byte {
        case JSONByte.quote, JSONByte.backslash: output.append(byte)
        case 0x08: output.append(UInt8(ascii: "b"))
        case 0x09: output.append(UInt8(ascii: "t"))
        case 0x0A: output.append(UInt8(ascii: "n"))
        case 0x0C: output.append(UInt8(ascii: "f"))
        case 0x0D: output.append(UInt8(ascii: "r"))
        default:
            let hexDigits: StaticString = "0123456789abcdef"
            output.append(contentsOf: "u00".utf8)
            output.append(hexDigits.utf8Start[Int(byte >> 4)])
            output.append(hexDigits.utf8Start[Int(byte & 0xF)])
        }
    }
}

extension JSON {
    /// The compact serde_json serialisation of this value.
    public var serialized: [UInt8] { JSONWriter.serialize(self) }
}
