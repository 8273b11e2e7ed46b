/// A number as serde_json classifies it. The value JSON keeps is always the Double, but serde
/// names the three kinds differently in "invalid type" messages (integer `1`, integer `-1`,
/// floating point `1.5`).
enum ParsedNumber {
    case unsigned(UInt64)
    case signed(Int64)
    case float(Double)

    var doubleValue: Double {
        switch self {
        case .unsigned(let value): Double(value)
        case .signed(let value): Double(value)
        case .float(let value): value
        }
    }
}

/// Number literals, with serde_json's grammar checks at serde_json's positions. Values are
/// correctly rounded, as serde_json's `float_roundtrip` feature makes them.
extension JSONCursor {
    /// Reads a number. A leading `-` must already be consumed (then `negative` is true);
    /// `start` is where the number's text begins, sign included.
    mutating func readNumber(negative: Bool, start: Int) throws(JSONError) -> ParsedNumber {
        guard index < bytes.count else { throw error(.eofWhileParsingValue) }
        let first = bytes[index]
        index += 1
        var significand: UInt64 = 0
        // Set when the digits no longer fit a UInt64; the text is then converted as a whole.
        var significandOverflowed = false
        var allDigitsZero = true
        func accumulate(_ byte: UInt8) {
            let digit = UInt64(byte - JSONByte.zero)
            if digit != 0 { allDigitsZero = false }
            guard !significandOverflowed else { return }
            let (times10, overflow1) = significand.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(digit)
            if overflow1 || overflow2 { significandOverflowed = true } else { significand = sum }
        }

        switch first {
        case JSONByte.zero:
            if JSONByte.isDigit(peekOrNull) { throw peekError(.invalidNumber) }
        case UInt8(ascii: "1")...JSONByte.nine:
            accumulate(first)
            while JSONByte.isDigit(peekOrNull) {
                accumulate(bytes[index])
                index += 1
            }
        default:
            throw error(.invalidNumber)
        }

        var isInteger = true
        var fractionDigits = 0
        if peekOrNull == JSONByte.dot {
            isInteger = false
            index += 1
            let fractionStart = index
            while JSONByte.isDigit(peekOrNull) {
                accumulate(bytes[index])
                index += 1
            }
            fractionDigits = index - fractionStart
            if fractionDigits == 0 {
                throw isAtEnd ? peekError(.eofWhileParsingValue) : peekError(.invalidNumber)
            }
        }

        var exponent = 0
        if peekOrNull == JSONByte.lowerE || peekOrNull == JSONByte.upperE {
            isInteger = false
            index += 1
            var exponentIsPositive = true
            if peekOrNull == JSONByte.plus {
                index += 1
            } else if peekOrNull == JSONByte.minus {
                index += 1
                exponentIsPositive = false
            }
            guard index < bytes.count else { throw error(.eofWhileParsingValue) }
            let firstDigit = bytes[index]
            index += 1
            guard JSONByte.isDigit(firstDigit) else { throw error(.invalidNumber) }
            var magnitude = Int32(firstDigit - JSONByte.zero)
            while JSONByte.isDigit(peekOrNull) {
                let digit = Int32(bytes[index] - JSONByte.zero)
                index += 1
                // serde_json gives up on exponents beyond i32 at the digit that overflows:
                // a huge positive one is out of range right there, anything else is zero.
                if magnitude > (Int32.max - digit) / 10 {
                    if !allDigitsZero && exponentIsPositive { throw error(.numberOutOfRange) }
                    while JSONByte.isDigit(peekOrNull) { index += 1 }
                    return .float(negative ? -0.0 : 0.0)
                }
                magnitude = magnitude * 10 + digit
            }
            exponent = Int(exponentIsPositive ? magnitude : -magnitude)
        }

        if isInteger && !significandOverflowed {
            if !negative { return .unsigned(significand) }
            if significand == 0 { return .float(-0.0) }
            if significand <= 1 << 63 { return .signed(Int64(bitPattern: 0 &- significand)) }
            return .float(-Double(significand))
        }
        let magnitude = unsignedValue(significand, exponent - fractionDigits, exact: !significandOverflowed,
                                      text: (negative ? start + 1 : start)..<index)
        guard magnitude.isFinite else { throw error(.numberOutOfRange) }
        return .float(negative ? -magnitude : magnitude)
    }

    /// significand × 10^exponent, correctly rounded. Small cases are exact in one IEEE
    /// operation (both operands are exact doubles); the rest go to the C library's correctly
    /// rounded conversion of the original text.
    private func unsignedValue(_ significand: UInt64, _ exponent: Int, exact: Bool, text: Range<Int>) -> Double {
        if exact && significand <= 1 << 53 && (-22...22).contains(exponent) {
            let power = Self.exactPowersOfTen[abs(exponent)]
            return exponent >= 0 ? Double(significand) * power : Double(significand) / power
        }
        return Double(String(decoding: UnsafeBufferPointer(rebasing: bytes[text]), as: UTF8.self)) ?? .infinity
    }

    private static let exactPowersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    /// Checks a number without converting it, as serde_json does for skipped values: no
    /// range check, and slightly different error kinds at the end of the input.
    mutating func skipNumber() throws(JSONError) {
        guard index < bytes.count else { throw error(.invalidNumber) }
        let first = bytes[index]
        index += 1
        switch first {
        case JSONByte.zero:
            if JSONByte.isDigit(peekOrNull) { throw peekError(.invalidNumber) }
        case UInt8(ascii: "1")...JSONByte.nine:
            while JSONByte.isDigit(peekOrNull) { index += 1 }
        default:
            throw error(.invalidNumber)
        }
        if peekOrNull == JSONByte.dot {
            index += 1
            guard JSONByte.isDigit(peekOrNull) else { throw peekError(.invalidNumber) }
            while JSONByte.isDigit(peekOrNull) { index += 1 }
        }
        if peekOrNull == JSONByte.lowerE || peekOrNull == JSONByte.upperE {
            index += 1
            if peekOrNull == JSONByte.plus || peekOrNull == JSONByte.minus { index += 1 }
            guard index < bytes.count else { throw error(.invalidNumber) }
            let firstDigit = bytes[index]
            index += 1
            guard JSONByte.isDigit(firstDigit) else { throw error(.invalidNumber) }
            while JSONByte.isDigit(peekOrNull) { index += 1 }
        }
    }
}
