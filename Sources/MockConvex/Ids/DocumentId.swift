/// A document id as the backend writes it: `base32(VInt(table number) ++ internal id ++
/// Fletcher-16 footer)`. The internal id is 14 random bytes followed by the day it was made
/// (days since the Unix epoch, big-endian), which keeps ids roughly time-ordered.
struct DocumentId: Sendable, Hashable, CustomStringConvertible {
    let tableNumber: UInt32
    /// 16 bytes.
    let internalId: [UInt8]

    init(tableNumber: UInt32, internalId: [UInt8]) {
        precondition(internalId.count == 16, "an internal id has 16 bytes")
        precondition(tableNumber > 0, "table number 0 is invalid")
        self.tableNumber = tableNumber
        self.internalId = internalId
    }

    /// A new id for `tableNumber`, made at `unixSeconds`.
    static func generate<R: RandomNumberGenerator>(tableNumber: UInt32, unixSeconds: Int64, using generator: inout R) -> DocumentId {
        var bytes = (0..<14).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let days = UInt16(clamping: max(0, unixSeconds / 86_400))
        bytes.append(UInt8(days >> 8))
        bytes.append(UInt8(days & 0xFF))
        return DocumentId(tableNumber: tableNumber, internalId: bytes)
    }

    var description: String { encoded }

    /// `encoded.utf8.count`, counted rather than made: base32 of the table number's VInt, the
    /// 16 bytes and the 2-byte footer.
    var encodedLength: Int {
        var vintBytes = 1
        var rest = tableNumber >> 7
        while rest != 0 {
            vintBytes += 1
            rest >>= 7
        }
        return ((vintBytes + 18) * 8 + 4) / 5
    }

    var encoded: String {
        var bytes = VInt.encode(tableNumber)
        bytes += internalId
        let footer = Fletcher16.checksum(bytes)
        bytes.append(UInt8(footer & 0xFF))
        bytes.append(UInt8(footer >> 8))
        return Base32.encode(bytes)
    }

    /// Decodes strictly, checking in the backend's order so the same input gets the same
    /// message (`Unable to decode ID: ...`).
    init(decoding text: String) throws(DocumentIdError) {
        let length = text.utf8.count
        guard (31...37).contains(length) else { throw DocumentIdError.invalidLength(length) }
        guard let bytes = Base32.decode(text) else { throw DocumentIdError.notBase32 }
        guard let (tableNumber, used) = VInt.decode(bytes), tableNumber > 0 else {
            throw DocumentIdError.invalidTableNumber
        }
        guard bytes.count >= used + 18 else { throw DocumentIdError.invalidLength(length) }
        let stored = UInt16(bytes[used + 16]) | UInt16(bytes[used + 17]) << 8
        let expected = Fletcher16.checksum(Array(bytes[0..<(used + 16)]))
        guard stored == expected else { throw DocumentIdError.badChecksum(found: stored, expected: expected) }
        guard bytes.count == used + 18 else { throw DocumentIdError.invalidLength(length) }
        self.init(tableNumber: tableNumber, internalId: Array(bytes[used..<(used + 16)]))
        // Only the canonical spelling of these bytes is an id.
        guard encoded == text else { throw DocumentIdError.invalidLength(length) }
    }

}

enum DocumentIdError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidLength(Int)
    case notBase32
    case invalidTableNumber
    case badChecksum(found: UInt16, expected: UInt16)

    var description: String {
        switch self {
        case .invalidLength(let length): "Unable to decode ID: Invalid ID length \(length)"
        case .notBase32: "Unable to decode ID: ID wasn't valid base32"
        case .invalidTableNumber: "Unable to decode ID: Invalid table number"
        case .badChecksum(let found, let expected): "Unable to decode ID: Invalid ID version \(found) (expected \(expected))"
        }
    }
}

/// Table numbers as little-endian base-128: 7 bits a byte, high bit set when more follow.
enum VInt {
    static func encode(_ value: UInt32) -> [UInt8] {
        var bytes: [UInt8] = []
        var rest = value
        repeat {
            var byte = UInt8(rest & 0x7F)
            rest >>= 7
            if rest != 0 { byte |= 0x80 }
            bytes.append(byte)
        } while rest != 0
        return bytes
    }

    /// The value and how many bytes it used; nil when truncated or longer than 5 bytes. Bits
    /// shifted past 32 are dropped, as the backend's decoder drops them.
    static func decode(_ bytes: [UInt8]) -> (UInt32, Int)? {
        var value: UInt32 = 0
        for (index, byte) in bytes.prefix(5).enumerated() {
            value |= UInt32(byte & 0x7F) &<< UInt32(7 * index)
            if byte & 0x80 == 0 { return (value, index + 1) }
        }
        return nil
    }
}

enum Fletcher16 {
    static func checksum(_ bytes: [UInt8]) -> UInt16 {
        var c0: UInt8 = 0
        var c1: UInt8 = 0
        for byte in bytes {
            c0 = c0 &+ byte
            c1 = c1 &+ c0
        }
        return UInt16(c1) << 8 | UInt16(c0)
    }
}

/// The backend's id alphabet (Crockford's, lowercase), most significant bits first, no padding.
enum Base32 {
    static let alphabet: [UInt8] = Array("0123456789abcdefghjkmnpqrstvwxyz".utf8)
    private static let values: [Int8] = {
        var table = [Int8](repeating: -1, count: 256)
        for (index, symbol) in alphabet.enumerated() { table[Int(symbol)] = Int8(index) }
        return table
    }()

    static func encode(_ bytes: [UInt8]) -> String {
        var output: [UInt8] = []
        output.reserveCapacity((bytes.count * 8 + 4) / 5)
        var buffer: UInt32 = 0
        var bits = 0
        for byte in bytes {
            buffer = buffer << 8 | UInt32(byte)
            bits += 8
            while bits >= 5 {
                output.append(alphabet[Int((buffer >> UInt32(bits - 5)) & 0x1F)])
                bits -= 5
            }
        }
        if bits > 0 { output.append(alphabet[Int((buffer << UInt32(5 - bits)) & 0x1F)]) }
        return String(decoding: output, as: UTF8.self)
    }

    /// Lowercase only. Produces `count * 5 / 8` bytes; trailing bits that do not fill a byte
    /// are dropped (the caller checks that re-encoding gives back the same text).
    static func decode(_ text: String) -> [UInt8]? {
        var output: [UInt8] = []
        var buffer: UInt32 = 0
        var bits = 0
        for symbol in text.utf8 {
            let value = values[Int(symbol)]
            guard value >= 0 else { return nil }
            buffer = buffer << 5 | UInt32(value)
            bits += 5
            if bits >= 8 {
                output.append(UInt8((buffer >> UInt32(bits - 8)) & 0xFF))
                bits -= 8
            }
        }
        return output
    }
}
