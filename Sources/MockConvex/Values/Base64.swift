/// Standard-alphabet base64 exactly as the backend's `base64` crate (0.13.1, `STANDARD` config)
/// writes and reads it. Hand-written rather than taken from a library because the crate's
/// decoding quirks (which lengths and paddings it accepts, which offset an error names) and its
/// error texts reach clients verbatim inside "Invalid arguments" messages.
enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    private static let pad = UInt8(ascii: "=")
    private static let invalid: UInt8 = 0xFF

    /// Each byte's 6-bit value, or `invalid`; `=` counts as invalid, padding is handled apart.
    private static let sextets: [UInt8] = {
        var table = [UInt8](repeating: invalid, count: 256)
        for (value, symbol) in alphabet.enumerated() { table[Int(symbol)] = UInt8(value) }
        return table
    }()

    /// Padded, as the crate always writes it.
    static func encode<Bytes: Collection>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        let length = (bytes.count + 2) / 3 * 4
        return String(unsafeUninitializedCapacity: length) { output in
            var written = 0
            var iterator = bytes.makeIterator()
            while let first = iterator.next() {
                let second = iterator.next()
                let third = iterator.next()
                let group = UInt32(first) << 16 | UInt32(second ?? 0) << 8 | UInt32(third ?? 0)
                output[written] = alphabet[Int(group >> 18 & 0x3F)]
                output[written + 1] = alphabet[Int(group >> 12 & 0x3F)]
                output[written + 2] = second == nil ? pad : alphabet[Int(group >> 6 & 0x3F)]
                output[written + 3] = third == nil ? pad : alphabet[Int(group & 0x3F)]
                written += 4
            }
            return written
        }
    }

    /// Accepts what the crate's `decode` accepts: padding is optional, but where present it must
    /// sit in the final 8-character block, at the third or fourth position of a quad, with
    /// nothing after it; unused bits of the last symbol must be zero.
    static func decode(_ text: String) throws(Base64Error) -> [UInt8] {
        let input = Array(text.utf8)
        let count = input.count
        if count == 0 { return [] }

        // A length of 1 or 5 modulo 8 leaves a lone 6-bit symbol. The crate blames a stray
        // trailing character (typically whitespace) before blaming the length.
        if count % 8 == 1 || count % 8 == 5 {
            let last = input[count - 1]
            if last != pad && sextets[Int(last)] == invalid {
                throw .invalidByte(offset: count - 1, byte: last)
            }
            throw .invalidLength
        }

        // The crate decodes in blocks of 8 characters and only looks for padding in the last,
        // possibly partial, block; anywhere earlier `=` is an invalid byte like any other.
        let lastBlockStart = (count - 1) / 8 * 8
        var output: [UInt8] = []
        output.reserveCapacity(count / 4 * 3 + 2)
        var accumulator: UInt32 = 0
        for offset in 0..<lastBlockStart {
            let value = sextets[Int(input[offset])]
            if value == invalid { throw .invalidByte(offset: offset, byte: input[offset]) }
            accumulator = accumulator << 6 | UInt32(value)
            if offset % 4 == 3 {
                output.append(UInt8(truncatingIfNeeded: accumulator >> 16))
                output.append(UInt8(truncatingIfNeeded: accumulator >> 8))
                output.append(UInt8(truncatingIfNeeded: accumulator))
                accumulator = 0
            }
        }
        try decodeLastBlock(input[lastBlockStart...], into: &output)
        return output
    }

    private static func decodeLastBlock(_ block: ArraySlice<UInt8>, into output: inout [UInt8]) throws(Base64Error) {
        var bits: UInt64 = 0
        var symbolCount = 0
        var lastSymbol: UInt8 = 0
        var firstPadOffset: Int?
        for (position, byte) in zip(0..., block) {
            let offset = block.startIndex + position
            if byte == pad {
                // Padding may only fill the last two places of a quad; a misplaced `=` is
                // reported at the first `=` of the run.
                if position % 4 < 2 { throw .invalidByte(offset: firstPadOffset ?? offset, byte: byte) }
                if firstPadOffset == nil { firstPadOffset = offset }
                continue
            }
            if let firstPadOffset { throw .invalidByte(offset: firstPadOffset, byte: pad) }
            let value = sextets[Int(byte)]
            if value == invalid { throw .invalidByte(offset: offset, byte: byte) }
            bits = bits << 6 | UInt64(value)
            symbolCount += 1
            lastSymbol = byte
        }
        // 2, 3 and 4 symbols make 1, 2 and 3 bytes; 6, 7 and 8 make 4, 5 and 6. The placement
        // rules above make 1 and 5 symbols impossible here.
        let byteCount = symbolCount * 6 / 8
        let spareBits = symbolCount * 6 - byteCount * 8
        if bits & ((1 << spareBits) - 1) != 0 {
            throw .invalidLastSymbol(offset: block.startIndex + symbolCount - 1, byte: lastSymbol)
        }
        bits >>= spareBits
        for index in stride(from: byteCount - 1, through: 0, by: -1) {
            output.append(UInt8(truncatingIfNeeded: bits >> (index * 8)))
        }
    }
}

/// Why base64 text was rejected; `description` is the crate's own wording.
enum Base64Error: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidByte(offset: Int, byte: UInt8)
    case invalidLength
    case invalidLastSymbol(offset: Int, byte: UInt8)

    var description: String {
        switch self {
        case .invalidByte(let offset, let byte): "Invalid byte \(byte), offset \(offset)."
        case .invalidLength: "Encoded text cannot have a 6-bit remainder."
        case .invalidLastSymbol(let offset, let byte): "Invalid last symbol \(byte), offset \(offset)."
        }
    }
}
