extension JSONWriter {
    /// JSON for people to read and edit (a saved recording), laid out by `expand`: a container
    /// it chooses (by its depth and the member name it sits under) gets one member per line,
    /// two spaces a level; the others stay compact, so that a case is one line. Whole numbers
    /// are written without `.0`: every JSON number is a float64 to the config's reader, so
    /// `7` reads as `7.0` does, and a hand-written `"status": 204` stays as it was written.
    static func indented(_ value: JSON, expand: (_ level: Int, _ key: String?) -> Bool) -> [UInt8] {
        var output: [UInt8] = []
        appendIndented(value, level: 0, key: nil, expand: expand, to: &output)
        output.append(UInt8(ascii: "\n"))
        return output
    }

    private static func appendIndented(_ value: JSON, level: Int, key: String?, expand: (Int, String?) -> Bool, to output: inout [UInt8]) {
        let items: [(key: String?, value: JSON)]
        let (open, close): (UInt8, UInt8)
        switch value {
        case .array(let elements) where !elements.isEmpty && expand(level, key):
            items = elements.map { (nil, $0) }
            (open, close) = (UInt8(ascii: "["), UInt8(ascii: "]"))
        case .object(let members) where !members.isEmpty && expand(level, key):
            items = members.map { ($0.key, $0.value) }
            (open, close) = (UInt8(ascii: "{"), UInt8(ascii: "}"))
        default:
            return append(wholeNumbersAsIntegers(value), to: &output)
        }
        output.append(open)
        for (position, item) in items.enumerated() {
            output.append(contentsOf: (position == 0 ? "\n" : ",\n").utf8)
            output.append(contentsOf: [UInt8](repeating: UInt8(ascii: " "), count: 2 * (level + 1)))
            if let name = item.key {
                appendString(name, to: &output)
                output.append(contentsOf: ": ".utf8)
            }
            appendIndented(item.value, level: level + 1, key: item.key ?? key, expand: expand, to: &output)
        }
        output.append(UInt8(ascii: "\n"))
        output.append(contentsOf: [UInt8](repeating: UInt8(ascii: " "), count: 2 * level))
        output.append(close)
    }

    /// Below 2^53 a float64 that is whole is exactly that integer.
    private static func wholeNumbersAsIntegers(_ value: JSON) -> JSON {
        switch value {
        case .number(let number) where number.rounded() == number && abs(number) < 9_007_199_254_740_992 && !(number == 0 && number.sign == .minus):
            return .integer(Int64(number))
        case .array(let items):
            return .array(items.map(wholeNumbersAsIntegers))
        case .object(let members):
            return .object(members.map { ($0.key, wholeNumbersAsIntegers($0.value)) })
        default:
            return value
        }
    }
}
