/// Builds a `JSON` tree the way serde_json's `Value` visitor does, including its nesting
/// budget and its one oddity: an object whose first key is serde_json's private RawValue
/// token stands for the JSON text in that key's string value.
struct JSONTreeReader {
    var cursor: JSONCursor
    let maxDepth: Int
    private var remainingDepth: Int

    init(cursor: JSONCursor, maxDepth: Int) {
        self.cursor = cursor
        self.maxDepth = maxDepth
        remainingDepth = maxDepth
    }

    private static let rawValueToken = "$serde_json::private::RawValue"

    mutating func readDocument() throws(JSONError) -> JSON {
        let value = try readValue()
        if cursor.skipWhitespace() != nil { throw cursor.peekError(.trailingCharacters) }
        return value
    }

    private mutating func readValue() throws(JSONError) -> JSON {
        guard let next = cursor.skipWhitespace() else { throw cursor.peekError(.eofWhileParsingValue) }
        switch next {
        case JSONByte.lowerN:
            cursor.index += 1
            try cursor.expectIdent("ull")
            return .null
        case JSONByte.lowerT:
            cursor.index += 1
            try cursor.expectIdent("rue")
            return .bool(true)
        case JSONByte.lowerF:
            cursor.index += 1
            try cursor.expectIdent("alse")
            return .bool(false)
        case JSONByte.minus:
            let start = cursor.index
            cursor.index += 1
            return .number(try cursor.readNumber(negative: true, start: start).doubleValue)
        case JSONByte.zero...JSONByte.nine:
            return .number(try cursor.readNumber(negative: false, start: cursor.index).doubleValue)
        case JSONByte.quote:
            cursor.index += 1
            return .string(try cursor.readString())
        case JSONByte.openBracket:
            try enterContainer()
            let elements = try readArrayElements()
            remainingDepth += 1
            return .array(elements)
        case JSONByte.openBrace:
            try enterContainer()
            let object = try readObject()
            remainingDepth += 1
            return object
        default:
            throw cursor.peekError(.expectedSomeValue)
        }
    }

    /// Spends one level of the budget and consumes the opening bracket.
    private mutating func enterContainer() throws(JSONError) {
        remainingDepth -= 1
        if remainingDepth <= 0 { throw cursor.peekError(.recursionLimitExceeded) }
        cursor.index += 1
    }

    private mutating func readArrayElements() throws(JSONError) -> [JSON] {
        var elements: [JSON] = []
        while true {
            guard let next = cursor.skipWhitespace() else { throw cursor.peekError(.eofWhileParsingList) }
            if next == JSONByte.closeBracket { break }
            if !elements.isEmpty {
                guard next == JSONByte.comma else { throw cursor.peekError(.expectedListCommaOrEnd) }
                cursor.index += 1
                switch cursor.skipWhitespace() {
                case JSONByte.closeBracket?: throw cursor.peekError(.trailingComma)
                case nil: throw cursor.peekError(.eofWhileParsingValue)
                case .some: break
                }
            }
            elements.append(try readValue())
        }
        cursor.index += 1
        return elements
    }

    private mutating func readObject() throws(JSONError) -> JSON {
        var members = ObjectMembers()
        while let key = try readKey(isFirst: members.isEmpty) {
            if members.isEmpty && key == Self.rawValueToken { return try readRawValueTokenObject() }
            try readColon()
            members.insert(key, try readValue())
        }
        cursor.index += 1
        return .object(members.list)
    }

    /// Reads the next member's key, or returns nil at the closing brace (not consumed).
    private mutating func readKey(isFirst: Bool) throws(JSONError) -> String? {
        guard let next = cursor.skipWhitespace() else { throw cursor.peekError(.eofWhileParsingObject) }
        if next == JSONByte.closeBrace { return nil }
        if !isFirst {
            guard next == JSONByte.comma else { throw cursor.peekError(.expectedObjectCommaOrEnd) }
            cursor.index += 1
            switch cursor.skipWhitespace() {
            case JSONByte.quote?: break
            case JSONByte.closeBrace?: throw cursor.peekError(.trailingComma)
            case nil: throw cursor.peekError(.eofWhileParsingValue)
            case .some: throw cursor.peekError(.keyMustBeAString)
            }
        } else if next != JSONByte.quote {
            throw cursor.peekError(.keyMustBeAString)
        }
        cursor.index += 1
        return try cursor.readString()
    }

    private mutating func readColon() throws(JSONError) {
        switch cursor.skipWhitespace() {
        case JSONByte.colon?: cursor.index += 1
        case nil: throw cursor.peekError(.eofWhileParsingObject)
        case .some: throw cursor.peekError(.expectedColon)
        }
    }

    /// `{"$serde_json::private::RawValue": "<json text>"}`: serde_json parses the string as
    /// a document of its own (with a fresh budget) and reports its errors as data errors at
    /// the inner position. Nothing may follow the one member.
    private mutating func readRawValueTokenObject() throws(JSONError) -> JSON {
        try readColon()
        guard let next = cursor.skipWhitespace() else { throw cursor.peekError(.eofWhileParsingValue) }
        guard next == JSONByte.quote else { throw cursor.invalidType(expected: "raw value") }
        cursor.index += 1
        let text = try cursor.readString()
        let value: JSON
        do throws(JSONError) {
            value = try JSONReader.parse(text.utf8, maxDepth: maxDepth)
        } catch {
            throw JSONError(category: .data, message: error.message, line: error.line, column: error.column)
        }
        switch cursor.skipWhitespace() {
        case JSONByte.closeBrace?: cursor.index += 1
        case JSONByte.comma?: throw cursor.peekError(.trailingComma)
        case nil: throw cursor.peekError(.eofWhileParsingObject)
        case .some: throw cursor.peekError(.trailingCharacters)
        }
        return value
    }
}

/// An object's members in written order, where a repeated name replaces the value but keeps
/// the first position (IndexMap's `insert`). Small objects are searched linearly; larger
/// ones get a name index so that wide objects stay linear to build.
private struct ObjectMembers {
    var list: [(key: String, value: JSON)] = []
    private var positions: [String: Int] = [:]
    private static let indexThreshold = 16

    var isEmpty: Bool { list.isEmpty }

    mutating func insert(_ key: String, _ value: JSON) {
        if list.count < Self.indexThreshold {
            if let position = list.firstIndex(where: { $0.key == key }) {
                list[position].value = value
                return
            }
            list.append((key, value))
            if list.count == Self.indexThreshold {
                for (position, member) in list.enumerated() { positions[member.key] = position }
            }
            return
        }
        if let position = positions[key] {
            list[position].value = value
        } else {
            positions[key] = list.count
            list.append((key, value))
        }
    }
}
