/// A read position in a JSON text, with the primitive steps serde_json's `Deserializer` is
/// built from. The reader, the skipper and the request-body decoder all walk the bytes
/// through these steps in the same order serde_json does, because serde_json reports an
/// error at whichever byte it happened to be looking at, and clients see that position.
///
/// The cursor only borrows the bytes; it must not outlive the buffer it was made from.
struct JSONCursor {
    let bytes: UnsafeBufferPointer<UInt8>
    /// The next byte to read.
    var index = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    var isAtEnd: Bool { index >= bytes.count }

    /// The next byte without consuming it, or nil at the end.
    var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    /// The next byte, or 0 at the end (serde_json's `peek_or_null`).
    var peekOrNull: UInt8 { index < bytes.count ? bytes[index] : 0 }

    /// Skips JSON whitespace and returns the first other byte, not consumed.
    mutating func skipWhitespace() -> UInt8? {
        while index < bytes.count {
            switch bytes[index] {
            case JSONByte.space, JSONByte.newline, JSONByte.tab, JSONByte.carriageReturn: index += 1
            case let byte: return byte
            }
        }
        return nil
    }

    /// Consumes `rest` of a literal whose first byte was already consumed (`ull` of `null`).
    mutating func expectIdent(_ rest: StaticString) throws(JSONError) {
        for offset in 0..<rest.utf8CodeUnitCount {
            guard index < bytes.count else { throw error(.eofWhileParsingValue) }
            let byte = bytes[index]
            index += 1
            if byte != rest.utf8Start[offset] { throw error(.expectedSomeIdent) }
        }
    }

    // MARK: Errors

    /// An error about the byte just consumed (serde_json's `error`): reported at `index`.
    func error(_ code: JSONSyntaxCode) -> JSONError {
        error(category: code.category, message: code.message, at: index)
    }

    /// An error about the byte only peeked at (serde_json's `peek_error`): one byte further.
    func peekError(_ code: JSONSyntaxCode) -> JSONError {
        error(category: code.category, message: code.message, at: min(bytes.count, index + 1))
    }

    /// A data error (a serde `custom` message) placed where serde_json's `fix_position` puts
    /// errors that arrive without a position: at the current index.
    func dataError(_ message: String) -> JSONError {
        error(category: .data, message: message, at: index)
    }

    /// serde_json counts the line from the newlines before `offset` and the column as the
    /// number of bytes after the last of them.
    private func error(category: JSONError.Category, message: String, at offset: Int) -> JSONError {
        var line = 1
        var startOfLine = 0
        for position in 0..<offset where bytes[position] == JSONByte.newline {
            line += 1
            startOfLine = position + 1
        }
        return JSONError(category: category, message: message, line: line, column: offset - startOfLine)
    }
}

/// The bytes JSON's grammar is written in.
enum JSONByte {
    static let tab: UInt8 = 0x09
    static let newline: UInt8 = 0x0A
    static let carriageReturn: UInt8 = 0x0D
    static let space: UInt8 = 0x20
    static let quote: UInt8 = 0x22
    static let plus: UInt8 = 0x2B
    static let comma: UInt8 = 0x2C
    static let minus: UInt8 = 0x2D
    static let dot: UInt8 = 0x2E
    static let slash: UInt8 = 0x2F
    static let zero: UInt8 = 0x30
    static let nine: UInt8 = 0x39
    static let colon: UInt8 = 0x3A
    static let upperE: UInt8 = 0x45
    static let openBracket: UInt8 = 0x5B
    static let backslash: UInt8 = 0x5C
    static let closeBracket: UInt8 = 0x5D
    static let lowerE: UInt8 = 0x65
    static let lowerF: UInt8 = 0x66
    static let lowerN: UInt8 = 0x6E
    static let lowerT: UInt8 = 0x74
    static let lowerU: UInt8 = 0x75
    static let openBrace: UInt8 = 0x7B
    static let closeBrace: UInt8 = 0x7D

    static func isDigit(_ byte: UInt8) -> Bool { byte &- zero < 10 }
}
