/// A `Content-Type` value read as the backend's `mime` crate (0.3.17) reads it, quirks
/// included: a space before `;` is refused, a trailing `;` accepted and dropped. The backend
/// stores upload content types in the crate's normalised form, and decides whether a body is
/// JSON from the parsed type, so both follow the crate's parser.
struct MediaType: Equatable {
    /// Type and subtype lowercased, parameter names lowercased, a `charset` value lowercased,
    /// other values and spacing as sent.
    let normalized: String
    let type: String
    let subtype: String
    /// What follows the last `+` of the subtype (`json` in `vnd.api+json`).
    let suffix: String?

    /// The type nearly every JSON request carries, made once: parsing it again for each request
    /// cost more than the rest of the body check.
    private static let applicationJSON = MediaType(normalized: "application/json", type: "application", subtype: "json", suffix: nil)

    private init(normalized: String, type: String, subtype: String, suffix: String?) {
        (self.normalized, self.type, self.subtype, self.suffix) = (normalized, type, subtype, suffix)
    }

    init?(parsing value: String) {
        if value == "application/json" {
            self = Self.applicationJSON
            return
        }
        let bytes = Array(value.utf8)
        // `HeaderValue::to_str`: visible ASCII, space and tab only.
        guard bytes.allSatisfy({ ($0 >= 0x20 && $0 < 0x7F) || $0 == 0x09 }) else { return nil }
        if value == "*/*" {
            (normalized, type, subtype, suffix) = (value, "*", "*", nil)
            return
        }
        guard let slash = bytes.firstIndex(of: UInt8(ascii: "/")), slash > 0, bytes[..<slash].allSatisfy(Self.isToken) else {
            return nil
        }
        var plus: Int?
        var semicolon: Int?
        var index = slash + 1
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "+") && index > slash + 1 {
                plus = index
            } else if byte == UInt8(ascii: ";") && index > slash + 1 {
                semicolon = index
                break
            } else if !Self.isToken(byte) {
                return nil
            }
            index += 1
        }
        var lowered = bytes
        let essenceEnd = semicolon ?? bytes.count
        for position in 0..<essenceEnd { lowered[position] = Self.lower(lowered[position]) }
        var end = bytes.count
        if let semicolon {
            guard let parameters = Self.parameters(bytes, after: semicolon) else { return nil }
            if parameters.isEmpty {
                // An empty parameter list is chopped off.
                end = semicolon
            }
            for (name, valueRange) in parameters {
                for position in name { lowered[position] = Self.lower(lowered[position]) }
                if Array(lowered[name]) == Array("charset".utf8) {
                    for position in valueRange { lowered[position] = Self.lower(lowered[position]) }
                }
            }
        }
        let subtypeEnd = plus ?? essenceEnd
        normalized = String(decoding: lowered[..<end], as: UTF8.self)
        type = String(decoding: lowered[..<slash], as: UTF8.self)
        subtype = String(decoding: lowered[(slash + 1)..<subtypeEnd], as: UTF8.self)
        suffix = plus.map { String(decoding: lowered[($0 + 1)..<essenceEnd], as: UTF8.self) }
    }

    /// axum's test for a JSON body: `application/json`, or any `application/*+json`.
    var isJSON: Bool {
        type == "application" && (subtype == "json" || suffix == "json")
    }

    /// The `name=value` pairs after the `;`, as ranges of `bytes`, or nil when malformed.
    /// Names may be led by one space; values are tokens or quoted strings, and a quoted value
    /// may be followed by spaces.
    private static func parameters(_ bytes: [UInt8], after semicolon: Int) -> [(name: Range<Int>, value: Range<Int>)]? {
        var result: [(name: Range<Int>, value: Range<Int>)] = []
        var start = semicolon + 1
        var index = start
        parameters: while start < bytes.count {
            var name = start..<start
            while true {
                guard index < bytes.count else { return nil }
                let byte = bytes[index]
                if byte == UInt8(ascii: " ") && index == start {
                    start = index + 1
                    index += 1
                    continue parameters
                } else if byte == UInt8(ascii: "=") && index > start {
                    name = start..<index
                    start = index + 1
                    index += 1
                    break
                } else if !isToken(byte) {
                    return nil
                }
                index += 1
            }
            var quoted = false
            var value = start..<start
            while true {
                guard index < bytes.count else {
                    if quoted { return nil }
                    value = start..<bytes.count
                    start = bytes.count
                    break
                }
                let byte = bytes[index]
                if quoted {
                    if byte == UInt8(ascii: "\"") && index > start {
                        value = start..<index
                        index += 1
                        break
                    }
                    guard byte > 31 && byte != 127 else { return nil }
                } else if byte == UInt8(ascii: "\"") && index == start {
                    quoted = true
                    start = index + 1
                } else if byte == UInt8(ascii: ";") && index > start {
                    value = start..<index
                    start = index + 1
                    index += 1
                    result.append((name, value))
                    continue parameters
                } else if !isToken(byte) {
                    return nil
                }
                index += 1
            }
            if quoted {
                while index < bytes.count && bytes[index] == UInt8(ascii: " ") { index += 1 }
                guard index == bytes.count || bytes[index] == UInt8(ascii: ";") else { return nil }
                index += 1
                start = min(index, bytes.count)
            }
            result.append((name, value))
        }
        return result
    }

    /// RFC 9110 token characters.
    private static func isToken(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
        default: Array("!#$%&'*+-.^_`|~".utf8).contains(byte)
        }
    }

    private static func lower(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte + 32 : byte
    }
}
