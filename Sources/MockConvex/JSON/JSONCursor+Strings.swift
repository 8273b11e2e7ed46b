/// String literals, read as serde_json's `SliceRead` reads them. Two modes exist because
/// serde_json has two: values and keys are decoded and must be valid UTF-8 with paired
/// surrogate escapes; skipped values (unknown fields, raw values) are only checked for
/// escape syntax, and report a control character one byte earlier.
extension JSONCursor {
    /// Reads the rest of a string whose opening quote was consumed. Unescaped strings are
    /// made straight from the input bytes; escapes are decoded into a scratch buffer.
    mutating func readString() throws(JSONError) -> String {
        var start = index
        var decoded: [UInt8] = []
        var hasEscapes = false
        while true {
            skipPlainStringBytes()
            guard index < bytes.count else { throw error(.eofWhileParsingString) }
            switch bytes[index] {
            case JSONByte.quote:
                let end = index
                index += 1
                // serde_json validates UTF-8 once the whole string is read, so an invalid
                // byte is reported after the closing quote, and only if nothing failed first.
                let text: String?
                if hasEscapes {
                    decoded.append(contentsOf: bytes[start..<end])
                    text = String(validating: decoded, as: UTF8.self)
                } else {
                    text = String(validating: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
                }
                guard let text else { throw error(.invalidUnicodeCodePoint) }
                return text
            case JSONByte.backslash:
                decoded.append(contentsOf: bytes[start..<index])
                hasEscapes = true
                index += 1
                try readEscape(into: &decoded)
                start = index
            default:
                index += 1
                throw error(.controlCharacterWhileParsingString)
            }
        }
    }

    /// Skips the rest of a string whose opening quote was consumed, without decoding it.
    mutating func skipString() throws(JSONError) {
        while true {
            skipPlainStringBytes()
            guard index < bytes.count else { throw error(.eofWhileParsingString) }
            switch bytes[index] {
            case JSONByte.quote:
                index += 1
                return
            case JSONByte.backslash:
                index += 1
                try skipEscape()
            default:
                throw error(.controlCharacterWhileParsingString)
            }
        }
    }

    /// Advances to the next quote, backslash or control byte (or the end), eight bytes at a
    /// time: a byte-wise "has zero byte" test finds the first match exactly, since its false
    /// positives only ever follow a true one.
    private mutating func skipPlainStringBytes() {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highBits: UInt64 = 0x8080_8080_8080_8080
        if let base = bytes.baseAddress {
            while index + 8 <= bytes.count {
                let chunk = UInt64(littleEndian: UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self))
                let control = (chunk &- ones &* 0x20) & ~chunk
                let quotes = chunk ^ (ones &* UInt64(JSONByte.quote))
                let backslashes = chunk ^ (ones &* UInt64(JSONByte.backslash))
                let found = (control | ((quotes &- ones) & ~quotes) | ((backslashes &- ones) & ~backslashes)) & highBits
                if found != 0 {
                    index += found.trailingZeroBitCount / 8
                    return
                }
                index += 8
            }
        }
        while index < bytes.count {
            let byte = bytes[index]
            if byte == JSONByte.quote || byte == JSONByte.backslash || byte < 0x20 { return }
            index += 1
        }
    }

    /// Decodes the escape after a consumed backslash.
    private mutating func readEscape(into decoded: inout [UInt8]) throws(JSONError) {
        guard index < bytes.count else { throw error(.eofWhileParsingString) }
        let byte = bytes[index]
        index += 1
        switch byte {
        case JSONByte.quote, JSONByte.backslash, JSONByte.slash: decoded.append(byte)
        case UInt8(ascii: "b"): decoded.append(0x08)
        case UInt8(ascii: "f"): decoded.append(0x0C)
        case UInt8(ascii: "n"): decoded.append(0x0A)
        case UInt8(ascii: "r"): decoded.append(0x0D)
        case UInt8(ascii: "t"): decoded.append(0x09)
        case JSONByte.lowerU: try readUnicodeEscape(into: &decoded)
        default: throw error(.invalidEscape)
        }
    }

    /// Decodes `XXXX` after `\u`, and the trailing `\uXXXX` a leading surrogate needs.
    private mutating func readUnicodeEscape(into decoded: inout [UInt8]) throws(JSONError) {
        let first = try readHexQuad()
        // serde_json calls a lone trailing surrogate a "lone leading surrogate" too.
        if (0xDC00...0xDFFF).contains(first) { throw error(.loneLeadingSurrogateInHexEscape) }
        guard (0xD800...0xDBFF).contains(first) else {
            appendUTF8(UInt32(first), to: &decoded)
            return
        }
        for expected in [JSONByte.backslash, JSONByte.lowerU] {
            guard index < bytes.count else { throw error(.eofWhileParsingString) }
            let byte = bytes[index]
            index += 1
            if byte != expected { throw error(.unexpectedEndOfHexEscape) }
        }
        let second = try readHexQuad()
        guard (0xDC00...0xDFFF).contains(second) else { throw error(.loneLeadingSurrogateInHexEscape) }
        appendUTF8(0x10000 + (UInt32(first - 0xD800) << 10 | UInt32(second - 0xDC00)), to: &decoded)
    }

    /// Checks the escape after a consumed backslash without decoding it; any `\uXXXX` is
    /// accepted, paired or not.
    private mutating func skipEscape() throws(JSONError) {
        guard index < bytes.count else { throw error(.eofWhileParsingString) }
        let byte = bytes[index]
        index += 1
        switch byte {
        case JSONByte.quote, JSONByte.backslash, JSONByte.slash,
             UInt8(ascii: "b"), UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            return
        case JSONByte.lowerU: _ = try readHexQuad()
        default: throw error(.invalidEscape)
        }
    }

    /// Reads four hex digits. With fewer than four bytes left serde_json jumps to the end and
    /// reports EOF; otherwise it consumes all four before judging them.
    private mutating func readHexQuad() throws(JSONError) -> UInt16 {
        guard bytes.count - index >= 4 else {
            index = bytes.count
            throw error(.eofWhileParsingString)
        }
        var value: UInt16 = 0
        var valid = true
        for offset in 0..<4 {
            let byte = bytes[index + offset]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default:
                digit = 0
                valid = false
            }
            value = value << 4 | UInt16(digit)
        }
        index += 4
        guard valid else { throw error(.invalidEscape) }
        return value
    }

    private func appendUTF8(_ scalar: UInt32, to decoded: inout [UInt8]) {
        switch scalar {
        case ..<0x80:
            decoded.append(UInt8(scalar))
        case ..<0x800:
            decoded.append(0xC0 | UInt8(scalar >> 6))
            decoded.append(0x80 | UInt8(scalar & 0x3F))
        case ..<0x10000:
            decoded.append(0xE0 | UInt8(scalar >> 12))
            decoded.append(0x80 | UInt8(scalar >> 6 & 0x3F))
            decoded.append(0x80 | UInt8(scalar & 0x3F))
        default:
            decoded.append(0xF0 | UInt8(scalar >> 18))
            decoded.append(0x80 | UInt8(scalar >> 12 & 0x3F))
            decoded.append(0x80 | UInt8(scalar >> 6 & 0x3F))
            decoded.append(0x80 | UInt8(scalar & 0x3F))
        }
    }
}
