/// How Rust's standard formatting writes strings, characters and floats, for backend messages
/// that embed them with `{:?}` or `{}`.
enum RustText {
    /// `{:?}` of a `str`: `"a\"b\n"`.
    static func appendDebugQuoted(_ text: String, to output: inout String) {
        output.append("\"")
        for scalar in text.unicodeScalars {
            appendDebugEscaped(scalar, quote: "\"", to: &output)
        }
        output.append("\"")
    }

    /// `{:?}` of a `char`: `'é'`, `'\n'`, `'\u{7f}'`.
    static func debugQuoted(_ scalar: Unicode.Scalar) -> String {
        var output = "'"
        appendDebugEscaped(scalar, quote: "'", to: &output)
        output.append("'")
        return output
    }

    /// Rust escapes the quote that delimits the text, the usual backslash escapes, combining
    /// marks (so they cannot attach to the quote) and everything its `is_printable` rejects,
    /// which is what the general categories below describe.
    private static func appendDebugEscaped(_ scalar: Unicode.Scalar, quote: Unicode.Scalar, to output: inout String) {
        switch scalar {
        case "\0": output.append("\\0")
        case "\t": output.append("\\t")
        case "\r": output.append("\\r")
        case "\n": output.append("\\n")
        case "\\": output.append("\\\\")
        case quote: output.append("\\"); output.unicodeScalars.append(scalar)
        case " "..."~": output.unicodeScalars.append(scalar)
        default:
            if isPrintable(scalar) && !scalar.properties.isGraphemeExtend {
                output.unicodeScalars.append(scalar)
            } else {
                output.append("\\u{\(String(scalar.value, radix: 16))}")
            }
        }
    }

    private static func isPrintable(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned, .lineSeparator, .paragraphSeparator, .spaceSeparator:
            false
        default:
            true
        }
    }

    /// `{}` of an `f64`: the shortest round-trip digits, never in exponent form and without a
    /// trailing `.0`: `1`, `1.5`, `1000000000000000000000`, `0.0000001`, `-0`, `inf`.
    static func display(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-inf" : "inf" }
        let sign = value.sign == .minus ? "-" : ""
        if value == 0 { return sign + "0" }
        let (digits, exponent) = NumberText.shortestDigits(value)
        if exponent < 0 {
            return sign + "0." + String(repeating: "0", count: -exponent - 1) + digits
        }
        let integerLength = exponent + 1
        if digits.count <= integerLength {
            return sign + digits + String(repeating: "0", count: integerLength - digits.count)
        }
        let split = digits.index(digits.startIndex, offsetBy: integerLength)
        return sign + digits[..<split] + "." + digits[split...]
    }
}
