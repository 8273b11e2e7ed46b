/// How the three languages mockconvex imitates print a float64. All three print the same
/// shortest round-trip digits; they differ only in where they switch to exponent form and
/// how they write it, and clients see those differences byte for byte.
public enum NumberText {
    /// serde_json / ryu, as the backend writes every JSON number: `7.0`, `1e21`, `1.5e-7`,
    /// `0.00001`, `-0.0`. Decimal form for 1e-5 <= |x| < 1e16.
    static func ryu(_ value: Double) -> String {
        precondition(value.isFinite, "ryu formatting is for finite numbers")
        if value == 0 { return value.sign == .minus ? "-0.0" : "0.0" }
        let (digits, exponent) = shortestDigits(value)
        let sign = value < 0 ? "-" : ""
        let length = digits.count
        let pointPosition = exponent + 1  // digits d1.d2d3... × 10^exponent = 0.d1d2... × 10^pointPosition
        if length <= pointPosition && pointPosition <= 16 {
            return sign + digits + String(repeating: "0", count: pointPosition - length) + ".0"
        }
        if 0 < pointPosition && pointPosition <= 16 {
            let split = digits.index(digits.startIndex, offsetBy: pointPosition)
            return sign + digits[..<split] + "." + digits[split...]
        }
        if -5 < pointPosition && pointPosition <= 0 {
            return sign + "0." + String(repeating: "0", count: -pointPosition) + digits
        }
        return sign + exponential(digits, exponent, plusSign: false)
    }

    /// JavaScript's Number.prototype.toString, as JSON.stringify writes numbers: `42`, `1e+21`,
    /// `1.5e-7`, `0.000001`. Decimal form for 1e-7 <= |x| < 1e21. Non-finite values print as
    /// JavaScript names them.
    public static func javaScript(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Infinity" : "Infinity" }
        if value == 0 { return "0" }
        let (digits, exponent) = shortestDigits(value)
        let sign = value < 0 ? "-" : ""
        let length = digits.count
        let n = exponent + 1
        if length <= n && n <= 21 {
            return sign + digits + String(repeating: "0", count: n - length)
        }
        if 0 < n && n <= 21 {
            let split = digits.index(digits.startIndex, offsetBy: n)
            return sign + digits[..<split] + "." + digits[split...]
        }
        if -6 < n && n <= 0 {
            return sign + "0." + String(repeating: "0", count: -n) + digits
        }
        return sign + exponential(digits, exponent, plusSign: true)
    }

    /// Rust's `{:?}` for f64, which the backend uses to show values in validator messages:
    /// `5.0`, `NaN`, `inf`, `1e16`, `1e-5`. Decimal form for 1e-4 <= |x| < 1e16.
    static func rustDebug(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-inf" : "inf" }
        if value == 0 { return value.sign == .minus ? "-0.0" : "0.0" }
        let magnitude = abs(value)
        if magnitude >= 1e-4 && magnitude < 1e16 { return ryu(value) }
        let (digits, exponent) = shortestDigits(value)
        return (value < 0 ? "-" : "") + exponential(digits, exponent, plusSign: false)
    }

    private static func exponential(_ digits: String, _ exponent: Int, plusSign: Bool) -> String {
        let mantissa = digits.count == 1 ? digits : String(digits.first!) + "." + digits.dropFirst()
        let sign = exponent < 0 ? "-" : (plusSign ? "+" : "")
        return mantissa + "e" + sign + String(abs(exponent))
    }

    /// The shortest digits that round-trip, without leading or trailing zeros, and the decimal
    /// exponent of the first digit. Swift's own description already produces the shortest
    /// round-trip digits (the same ones Ryū finds); only its layout differs, so it is re-read.
    static func shortestDigits(_ value: Double) -> (digits: String, exponent: Int) {
        let text = abs(value).description
        var mantissa = Substring(text)
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = text[..<e]
            exponent = Int(text[text.index(after: e)...])!
        }
        var integerPart = mantissa
        var fractionPart: Substring = ""
        if let dot = mantissa.firstIndex(of: ".") {
            integerPart = mantissa[..<dot]
            fractionPart = mantissa[mantissa.index(after: dot)...]
        }
        var digits = String(integerPart) + fractionPart
        var firstDigitExponent = exponent + integerPart.count - 1
        while digits.first == "0" {
            digits.removeFirst()
            firstDigitExponent -= 1
        }
        while digits.last == "0" { digits.removeLast() }
        return (digits, firstDigitExponent)
    }
}
