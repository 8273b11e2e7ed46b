/// UUIDs as the backend reads and writes them (the `uuid` crate): written lowercase and
/// hyphenated; read in the hyphenated, simple, `{braced}` and `urn:uuid:` forms, any case.
enum UUIDText {
    static func format(_ bytes: [UInt8]) -> String {
        let hex = Hex.encode(bytes)
        let groups = [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { range in
            hex.utf8.dropFirst(range.lowerBound).prefix(range.count)
        }
        return groups.map { String(decoding: $0, as: UTF8.self) }.joined(separator: "-")
    }

    /// The lowercase hyphenated form of any accepted spelling, so that spellings of one UUID
    /// compare equal; `text` itself when it is not a UUID.
    static func canonical(_ text: String) -> String {
        parse(text).map(format) ?? text
    }

    /// The 16 bytes, or nil when `text` is none of the accepted forms.
    static func parse(_ text: String) -> [UInt8]? {
        var body = Substring(text)
        if body.hasPrefix("urn:uuid:") {
            body = body.dropFirst("urn:uuid:".count)
        } else if body.hasPrefix("{") && body.hasSuffix("}") && body.count == 38 {
            body = body.dropFirst().dropLast()
        }
        let digits: Substring
        switch body.utf8.count {
        case 32:
            digits = body
        case 36:
            let dashes = [8, 13, 18, 23]
            let bytes = Array(body.utf8)
            guard dashes.allSatisfy({ bytes[$0] == UInt8(ascii: "-") }) else { return nil }
            digits = Substring(body.filter { $0 != "-" })
            guard digits.utf8.count == 32 else { return nil }
        default:
            return nil
        }
        var result: [UInt8] = []
        var high: UInt8?
        for byte in digits.utf8 {
            guard let value = Hex.value(byte) else { return nil }
            if let first = high {
                result.append(first << 4 | value)
                high = nil
            } else {
                high = value
            }
        }
        return result
    }

    /// The lowercase hyphenated form of any accepted spelling.
    static func normalize(_ text: String) -> String? {
        parse(text).map(format)
    }
}

extension UUIDText {
    /// A random UUID (version 4, RFC 4122 variant), lowercase and hyphenated.
    static func random() -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
        bytes[6] = bytes[6] & 0x0F | 0x40
        bytes[8] = bytes[8] & 0x3F | 0x80
        return format(bytes)
    }
}
