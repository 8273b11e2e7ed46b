/// How the function runtime's console renders one argument: the `object-inspect` package
/// (1.13.4) with `{indent: 2, maxStringLength: 32768}` and its default depth of 5, applied to
/// what a Convex value is in JavaScript (int64 a bigint, bytes an ArrayBuffer).
enum ObjectInspect {
    private static let maxDepth = 5
    private static let maxStringLength = 32768
    private static let indentUnit = "  "

    static func inspect(_ value: ConvexValue) -> String {
        inspect(value, depth: 0)
    }

    private static func inspect(_ value: ConvexValue, depth: Int) -> String {
        switch value {
        case .null: return "null"
        case .boolean(let flag): return flag ? "true" : "false"
        case .float64(let number) where number == 0: return number.sign == .minus ? "-0" : "0"
        case .float64(let number): return NumberText.javaScript(number)
        case .int64(let number): return "\(number)n"
        case .string(let text): return quoted(text)
        case .bytes:
            // Past the depth limit every object is elided; before it an ArrayBuffer shows its
            // constructor and tag and, having no enumerable fields, an empty body.
            return depth >= maxDepth ? "[Object]" : "ArrayBuffer [ArrayBuffer] {}"
        case .array(let items):
            if depth >= maxDepth { return "[Array]" }
            if items.isEmpty { return "[]" }
            let parts = items.map { inspect($0, depth: depth + 1) }
            // Arrays stay on one line unless an element already spans several.
            if parts.contains(where: { $0.contains("\n") }) {
                return "[" + indentedJoin(parts, depth: depth) + "]"
            }
            return "[ " + parts.joined(separator: ", ") + " ]"
        case .object(let object):
            if depth >= maxDepth { return "[Object]" }
            if object.isEmpty { return "{}" }
            let parts = object.javaScriptOrderedFields.map { field in
                key(field.name) + ": " + inspect(field.value, depth: depth + 1)
            }
            return "{" + indentedJoin(parts, depth: depth) + "}"
        }
    }

    /// Names made only of word characters and `$` go bare (the empty name included);
    /// anything else is quoted like a string.
    private static func key(_ name: String) -> String {
        let isBare = name.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "$"):
                true
            default:
                false
            }
        }
        return isBare ? name : quoted(name)
    }

    /// Single quotes with `'` and `\` backslash-escaped, control characters as `\n`-style or
    /// `\x1B`-style escapes. Strings longer than the limit (counted in UTF-16 units, as
    /// JavaScript counts) are cut and followed by `... N more characters`; a surrogate pair cut
    /// in half arrives in Rust as U+FFFD.
    private static func quoted(_ text: String) -> String {
        let length = text.utf16.count
        if length > maxStringLength {
            let remaining = length - maxStringLength
            let head = String(decoding: Array(text.utf16.prefix(maxStringLength)), as: UTF16.self)
            return quoted(head) + "... \(remaining) more character" + (remaining > 1 ? "s" : "")
        }
        var output = "'"
        for scalar in text.unicodeScalars {
            switch scalar {
            case "'": output.append("\\'")
            case "\\": output.append("\\\\")
            case "\u{08}": output.append("\\b")
            case "\t": output.append("\\t")
            case "\n": output.append("\\n")
            case "\u{0C}": output.append("\\f")
            case "\r": output.append("\\r")
            case "\0"..."\u{1F}":
                output.append("\\x")
                output.append(scalar.value < 0x10 ? "0" : "1")
                output.append(String(scalar.value & 0xF, radix: 16, uppercase: true))
            default: output.unicodeScalars.append(scalar)
            }
        }
        output.append("'")
        return output
    }

    private static func indentedJoin(_ parts: [String], depth: Int) -> String {
        let outer = String(repeating: indentUnit, count: depth)
        let lineStart = "\n" + outer + indentUnit
        return lineStart + parts.joined(separator: "," + lineStart) + "\n" + outer
    }
}
