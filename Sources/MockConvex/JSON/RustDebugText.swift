/// Rust's `{:?}` for a `str`, which serde uses to quote an unexpected string in "invalid
/// type" messages: `"a\"b\n\u{7f}"`.
enum RustDebugText {
    static func quoted(_ text: String) -> String {
        var output = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\0": output += "\\0"
            case "\t": output += "\\t"
            case "\r": output += "\\r"
            case "\n": output += "\\n"
            case "\\": output += "\\\\"
            case "\"": output += "\\\""
            default:
                if scalar.properties.isGraphemeExtend || !isPrintable(scalar) {
                    output += "\\u{" + String(scalar.value, radix: 16) + "}"
                } else {
                    output.unicodeScalars.append(scalar)
                }
            }
        }
        return output + "\""
    }

    /// Rust's `is_printable`, which is generated from the Unicode database: everything but
    /// separators (other than the ASCII space), controls, format characters, surrogates,
    /// private-use and unassigned code points.
    private static func isPrintable(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII { return scalar.value >= 0x20 && scalar.value < 0x7F }
        switch scalar.properties.generalCategory {
        case .spaceSeparator, .lineSeparator, .paragraphSeparator, .control, .format, .surrogate, .privateUse,
             .unassigned:
            return false
        default:
            return true
        }
    }
}
