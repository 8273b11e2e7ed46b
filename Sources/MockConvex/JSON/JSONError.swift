/// A JSON input the backend would refuse, described as serde_json 1.0.145 describes it: the
/// same message text, the same category (which decides axum's "parse" or "deserialize"
/// prefix) and the same line and column, because clients see all three in 400 responses.
struct JSONError: Error, Equatable, CustomStringConvertible, Sendable {
    /// serde_json's `Category`, minus `Io`, which reading from memory never produces.
    enum Category: Sendable {
        case syntax, eof, data
    }

    let category: Category
    /// serde's text without the position, e.g. "expected value".
    let message: String
    /// One-based line of the byte where the problem was detected.
    let line: Int
    /// Bytes (not characters) from the start of that line; 0 when the problem is at a line start.
    let column: Int

    init(category: Category, message: String, line: Int, column: Int) {
        self.category = category
        self.message = message
        self.line = line
        self.column = column
    }

    var description: String { "\(message) at line \(line) column \(column)" }
}

/// serde_json's fixed `ErrorCode`s. Their texts are part of the wire format.
enum JSONSyntaxCode {
    case eofWhileParsingList
    case eofWhileParsingObject
    case eofWhileParsingString
    case eofWhileParsingValue
    case expectedColon
    case expectedListCommaOrEnd
    case expectedObjectCommaOrEnd
    case expectedSomeIdent
    case expectedSomeValue
    case invalidEscape
    case invalidNumber
    case numberOutOfRange
    case invalidUnicodeCodePoint
    case controlCharacterWhileParsingString
    case keyMustBeAString
    case loneLeadingSurrogateInHexEscape
    case trailingComma
    case trailingCharacters
    case unexpectedEndOfHexEscape
    case recursionLimitExceeded

    var message: String {
        switch self {
        case .eofWhileParsingList: "EOF while parsing a list"
        case .eofWhileParsingObject: "EOF while parsing an object"
        case .eofWhileParsingString: "EOF while parsing a string"
        case .eofWhileParsingValue: "EOF while parsing a value"
        case .expectedColon: "expected `:`"
        case .expectedListCommaOrEnd: "expected `,` or `]`"
        case .expectedObjectCommaOrEnd: "expected `,` or `}`"
        case .expectedSomeIdent: "expected ident"
        case .expectedSomeValue: "expected value"
        case .invalidEscape: "invalid escape"
        case .invalidNumber: "invalid number"
        case .numberOutOfRange: "number out of range"
        case .invalidUnicodeCodePoint: "invalid unicode code point"
        case .controlCharacterWhileParsingString: "control character (\\u0000-\\u001F) found while parsing a string"
        case .keyMustBeAString: "key must be a string"
        case .loneLeadingSurrogateInHexEscape: "lone leading surrogate in hex escape"
        case .trailingComma: "trailing comma"
        case .trailingCharacters: "trailing characters"
        case .unexpectedEndOfHexEscape: "unexpected end of hex escape"
        case .recursionLimitExceeded: "recursion limit exceeded"
        }
    }

    var category: JSONError.Category {
        switch self {
        case .eofWhileParsingList, .eofWhileParsingObject, .eofWhileParsingString, .eofWhileParsingValue: .eof
        default: .syntax
        }
    }
}
