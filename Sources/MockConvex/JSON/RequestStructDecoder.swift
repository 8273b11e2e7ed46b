/// A decoding error together with the path serde_path_to_error would attach to it.
struct RequestDecodingFailure: Error {
    let error: JSONError
    let path: SerdePath
}

/// Decodes request structs step by step as serde's derived `Deserialize`, driven by
/// serde_json's `Deserializer` and watched by serde_path_to_error, would: same acceptance
/// (an object or an array in field order; unknown fields skipped but checked), same first
/// error, same position and same path.
struct RequestStructDecoder {
    var cursor: JSONCursor

    /// serde_json's `deserialize_struct`.
    mutating func decodeStruct<Target: Sendable>(_ shape: RequestStruct<Target>, at path: SerdePath) throws(RequestDecodingFailure) -> Target {
        guard let next = cursor.skipWhitespace() else { throw failure(cursor.peekError(.eofWhileParsingValue), path) }
        switch next {
        case JSONByte.openBrace:
            cursor.index += 1
            return try decodeMembers(shape, at: path)
        case JSONByte.openBracket:
            cursor.index += 1
            let target = try decodeElements(shape, at: path)
            try finishStructList(at: path)
            return target
        default:
            throw failure(cursor.invalidType(expected: "struct \(shape.name)"), path)
        }
    }

    /// The derived `visit_map`, then serde_json's `end_map`.
    private mutating func decodeMembers<Target: Sendable>(_ shape: RequestStruct<Target>, at path: SerdePath) throws(RequestDecodingFailure) -> Target {
        var target = shape.empty
        var seen = [Bool](repeating: false, count: shape.fields.count)
        var isFirst = true
        // Errors between members happen when no key is held, which serde_path_to_error shows as `?`.
        let betweenMembers = path.appending(.unknownKey)
        while true {
            guard let next = cursor.skipWhitespace() else {
                throw failure(cursor.peekError(.eofWhileParsingObject), betweenMembers)
            }
            if next == JSONByte.closeBrace { break }
            if isFirst {
                isFirst = false
                guard next == JSONByte.quote else { throw failure(cursor.peekError(.keyMustBeAString), betweenMembers) }
            } else {
                guard next == JSONByte.comma else {
                    throw failure(cursor.peekError(.expectedObjectCommaOrEnd), betweenMembers)
                }
                cursor.index += 1
                switch cursor.skipWhitespace() {
                case JSONByte.quote?: break
                case JSONByte.closeBrace?: throw failure(cursor.peekError(.trailingComma), betweenMembers)
                case nil: throw failure(cursor.peekError(.eofWhileParsingValue), betweenMembers)
                case .some: throw failure(cursor.peekError(.keyMustBeAString), betweenMembers)
                }
            }
            cursor.index += 1
            let key: String
            do throws(JSONError) { key = try cursor.readString() } catch { throw failure(error, betweenMembers) }
            let fieldIndex = shape.fields.firstIndex { $0.name == key }
            if let fieldIndex, seen[fieldIndex] {
                throw failure(dataErrorBeforeClosing(JSONByte.closeBrace, "duplicate field `\(key)`"), path)
            }
            switch cursor.skipWhitespace() {
            case JSONByte.colon?: cursor.index += 1
            case nil: throw failure(cursor.peekError(.eofWhileParsingObject), path)
            case .some: throw failure(cursor.peekError(.expectedColon), path)
            }
            let valuePath = path.appending(.key(key))
            if let fieldIndex {
                seen[fieldIndex] = true
                try decodeField(shape.fields[fieldIndex], into: &target, at: valuePath)
            } else {
                do throws(JSONError) { try cursor.skipValue() } catch { throw failure(error, valuePath) }
            }
        }
        for (fieldIndex, field) in shape.fields.enumerated() where !seen[fieldIndex] && !field.isOptional {
            throw failure(dataErrorBeforeClosing(JSONByte.closeBrace, "missing field `\(field.name)`"), path)
        }
        cursor.index += 1
        return target
    }

    /// The derived `visit_seq`: every field, optional or not, must be there, in order.
    private mutating func decodeElements<Target: Sendable>(_ shape: RequestStruct<Target>, at path: SerdePath) throws(RequestDecodingFailure) -> Target {
        var target = shape.empty
        let count = shape.fields.count
        for (position, field) in shape.fields.enumerated() {
            guard let next = cursor.skipWhitespace() else { throw failure(cursor.peekError(.eofWhileParsingList), path) }
            if next == JSONByte.closeBracket {
                let expected = "struct \(shape.name) with \(count) element\(count == 1 ? "" : "s")"
                throw failure(dataErrorBeforeClosing(JSONByte.closeBracket, "invalid length \(position), expected \(expected)"), path)
            }
            if position > 0 { try expectListComma(at: path) }
            try decodeField(field, into: &target, at: path.appending(.index(position)))
        }
        return target
    }

    /// serde_json's `end_seq` after the struct took all the elements it wanted.
    private mutating func finishStructList(at path: SerdePath) throws(RequestDecodingFailure) {
        switch cursor.skipWhitespace() {
        case JSONByte.closeBracket?:
            cursor.index += 1
        case JSONByte.comma?:
            cursor.index += 1
            let code: JSONSyntaxCode = cursor.skipWhitespace() == JSONByte.closeBracket ? .trailingComma : .trailingCharacters
            throw failure(cursor.peekError(code), path)
        case nil:
            throw failure(cursor.peekError(.eofWhileParsingList), path)
        case .some:
            throw failure(cursor.peekError(.trailingCharacters), path)
        }
    }

    /// The separator before a list element after the first.
    private mutating func expectListComma(at path: SerdePath) throws(RequestDecodingFailure) {
        guard cursor.peek == JSONByte.comma else { throw failure(cursor.peekError(.expectedListCommaOrEnd), path) }
        cursor.index += 1
        switch cursor.skipWhitespace() {
        case JSONByte.closeBracket?: throw failure(cursor.peekError(.trailingComma), path)
        case nil: throw failure(cursor.peekError(.eofWhileParsingValue), path)
        case .some: break
        }
    }

    private mutating func decodeField<Target: Sendable>(_ field: RequestField<Target>, into target: inout Target, at path: SerdePath) throws(RequestDecodingFailure) {
        switch field {
        case .string(_, let keyPath):
            target[keyPath: keyPath] = try decodeString(at: path)
        case .optionalString(_, let keyPath):
            if cursor.skipWhitespace() == JSONByte.lowerN {
                cursor.index += 1
                do throws(JSONError) { try cursor.expectIdent("ull") } catch { throw failure(error, path) }
                target[keyPath: keyPath] = nil
            } else {
                target[keyPath: keyPath] = try decodeString(at: path)
            }
        case .rawJSON(_, let keyPath):
            do throws(JSONError) {
                let range = try cursor.skipRawValue()
                target[keyPath: keyPath] = Array(cursor.bytes[range])
            } catch {
                throw failure(error, path)
            }
        case .optionalRawJSON(_, let keyPath):
            do throws(JSONError) {
                let range = try cursor.skipRawValue()
                let text = Array(cursor.bytes[range])
                target[keyPath: keyPath] = text == Array("null".utf8) ? nil : text
            } catch {
                throw failure(error, path)
            }
        case .double(_, let keyPath):
            target[keyPath: keyPath] = try decodeDouble(at: path)
        case .udfPostRequests(_, let keyPath):
            target[keyPath: keyPath] = try decodeUdfPostRequests(at: path)
        }
    }

    /// serde_json's `deserialize_str` for a `String`.
    private mutating func decodeString(at path: SerdePath) throws(RequestDecodingFailure) -> String {
        guard let next = cursor.skipWhitespace() else { throw failure(cursor.peekError(.eofWhileParsingValue), path) }
        guard next == JSONByte.quote else { throw failure(cursor.invalidType(expected: "a string"), path) }
        cursor.index += 1
        do throws(JSONError) { return try cursor.readString() } catch { throw failure(error, path) }
    }

    /// serde_json's `deserialize_f64`: any number.
    private mutating func decodeDouble(at path: SerdePath) throws(RequestDecodingFailure) -> Double {
        guard let next = cursor.skipWhitespace() else { throw failure(cursor.peekError(.eofWhileParsingValue), path) }
        guard next == JSONByte.minus || (JSONByte.zero...JSONByte.nine).contains(next) else {
            throw failure(cursor.invalidType(expected: "f64"), path)
        }
        let start = cursor.index
        let negative = next == JSONByte.minus
        if negative { cursor.index += 1 }
        do throws(JSONError) { return try cursor.readNumber(negative: negative, start: start).doubleValue } catch { throw failure(error, path) }
    }

    /// serde_json's `deserialize_seq` for `Vec<UdfPostRequest>`.
    private mutating func decodeUdfPostRequests(at path: SerdePath) throws(RequestDecodingFailure) -> [UdfCallBody] {
        guard let next = cursor.skipWhitespace() else { throw failure(cursor.peekError(.eofWhileParsingValue), path) }
        guard next == JSONByte.openBracket else { throw failure(cursor.invalidType(expected: "a sequence"), path) }
        cursor.index += 1
        var requests: [UdfCallBody] = []
        while true {
            guard let next = cursor.skipWhitespace() else { throw failure(cursor.peekError(.eofWhileParsingList), path) }
            if next == JSONByte.closeBracket { break }
            if !requests.isEmpty { try expectListComma(at: path) }
            requests.append(try decodeStruct(.udfPostRequest, at: path.appending(.index(requests.count))))
        }
        cursor.index += 1
        return requests
    }

    /// A message the derived visitor raises itself carries no position; serde_json's
    /// `deserialize_struct` first runs `end_map`/`end_seq` (which consume the closing bracket
    /// if it is next) and then places the error at the index reached.
    private mutating func dataErrorBeforeClosing(_ closer: UInt8, _ message: String) -> JSONError {
        if cursor.skipWhitespace() == closer { cursor.index += 1 }
        return cursor.dataError(message)
    }

    private func failure(_ error: JSONError, _ path: SerdePath) -> RequestDecodingFailure {
        RequestDecodingFailure(error: error, path: path)
    }
}
