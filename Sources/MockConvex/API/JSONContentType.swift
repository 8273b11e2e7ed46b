/// Whether a `Content-Type` value lets the backend read a JSON body: it must parse as a media
/// type the way the `mime` crate (0.3.17) parses one, with type `application` and subtype
/// `json` or a `+json` suffix. The parser's quirks decide edge cases such as a space before
/// `;` (refused) or a trailing `;` (accepted), so they are followed here.
enum JSONContentType {
    static func accepts(_ value: String) -> Bool {
        let bytes = Array(value.utf8)
        // `HeaderValue::to_str`: visible ASCII, space and tab only.
        guard bytes.allSatisfy({ ($0 >= 0x20 && $0 < 0x7F) || $0 == 0x09 }),
              let parts = parse(bytes)
        else { return false }
        let subtypeEnd = parts.plus ?? parts.semicolon ?? bytes.count
        let subtype = bytes[(parts.slash + 1)..<subtypeEnd]
        let suffix = parts.plus.map { bytes[($0 + 1)..<(parts.semicolon ?? bytes.count)] }
        return lowercased(bytes[..<parts.slash]) == "application"
            && (lowercased(subtype) == "json" || suffix.map(lowercased) == "json")
    }

    private struct Parts {
        var slash: Int
        /// The last `+` of the subtype, when it is not the subtype's first byte.
        var plus: Int?
        /// Where parameters start, if there are any.
        var semicolon: Int?
    }

    private static func parse(_ bytes: [UInt8]) -> Parts? {
        guard let slash = bytes.firstIndex(of: UInt8(ascii: "/")), slash > 0,
              bytes[..<slash].allSatisfy(isToken)
        else { return nil }
        var parts = Parts(slash: slash)
        let subtypeStart = slash + 1
        var index = subtypeStart
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "+") && index > subtypeStart {
                parts.plus = index
            } else if byte == UInt8(ascii: ";") && index > subtypeStart {
                parts.semicolon = index
                return parametersAreValid(bytes, from: index + 1) ? parts : nil
            } else if !isToken(byte) {
                return nil
            }
            index += 1
        }
        return parts
    }

    /// `name=value` pairs after the `;`: spaces may lead a name, values are tokens or quoted
    /// strings, and a quoted value may be followed by spaces.
    private static func parametersAreValid(_ bytes: [UInt8], from first: Int) -> Bool {
        var start = first
        var index = first
        parameters: while start < bytes.count {
            // The name.
            while true {
                guard index < bytes.count else { return false }
                let byte = bytes[index]
                if byte == UInt8(ascii: " ") && index == start {
                    start = index + 1
                    index += 1
                    continue parameters
                } else if byte == UInt8(ascii: "=") && index > start {
                    start = index + 1
                    index += 1
                    break
                } else if !isToken(byte) {
                    return false
                }
                index += 1
            }
            // The value.
            var quoted = false
            while true {
                guard index < bytes.count else {
                    if quoted { return false }
                    start = bytes.count
                    continue parameters
                }
                let byte = bytes[index]
                if quoted {
                    if byte == UInt8(ascii: "\"") && index > start {
                        index += 1
                        break
                    }
                    guard byte > 31 && byte != 127 else { return false }
                } else if byte == UInt8(ascii: "\"") && index == start {
                    quoted = true
                    start = index + 1
                } else if byte == UInt8(ascii: ";") && index > start {
                    start = index + 1
                    index += 1
                    continue parameters
                } else if !isToken(byte) {
                    return false
                }
                index += 1
            }
            // After a quoted value: spaces, then `;` or the end.
            while index < bytes.count && bytes[index] == UInt8(ascii: " ") { index += 1 }
            guard index == bytes.count || bytes[index] == UInt8(ascii: ";") else { return false }
            index += 1
            start = min(index, bytes.count)
        }
        return true
    }

    /// RFC 9110 token characters.
    private static func isToken(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
        default: Array("!#$%&'*+-.^_`|~".utf8).contains(byte)
        }
    }

    private static func lowercased(_ bytes: ArraySlice<UInt8>) -> String {
        String(decoding: bytes, as: UTF8.self).lowercased()
    }
}
