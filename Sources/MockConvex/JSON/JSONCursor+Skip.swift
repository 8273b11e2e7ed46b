/// Passing over a value without building it, as serde_json's `ignore_value` does for unknown
/// struct fields and `RawValue`s. Its checks differ from the reader's on purpose: there is
/// no nesting limit, strings are not UTF-8 checked and surrogate escapes need not pair,
/// and a misplaced byte inside a container is "expected `,` or `]`" rather than a trailing
/// character or trailing comma.
extension JSONCursor {
    /// Skips one value, leaving the index just after it. Nesting is tracked on an explicit
    /// stack because a 16 MiB request body may nest millions of levels deep.
    mutating func skipValue() throws(JSONError) {
        var openContainers: [UInt8] = []
        // The container whose member was just started, not yet pushed on the stack.
        var enclosing: UInt8?

        while true {
            guard let next = skipWhitespace() else { throw peekError(.eofWhileParsingValue) }
            var opened: UInt8?
            switch next {
            case JSONByte.lowerN:
                index += 1
                try expectIdent("ull")
            case JSONByte.lowerT:
                index += 1
                try expectIdent("rue")
            case JSONByte.lowerF:
                index += 1
                try expectIdent("alse")
            case JSONByte.minus:
                index += 1
                try skipNumber()
            case JSONByte.zero...JSONByte.nine:
                try skipNumber()
            case JSONByte.quote:
                index += 1
                try skipString()
            case JSONByte.openBracket, JSONByte.openBrace:
                if let container = enclosing.take() { openContainers.append(container) }
                index += 1
                opened = next
            default:
                throw peekError(.expectedSomeValue)
            }

            var container: UInt8
            var acceptsComma: Bool
            if let opened {
                container = opened
                acceptsComma = false
            } else if let member = enclosing.take() {
                container = member
                acceptsComma = true
            } else if let outer = openContainers.popLast() {
                container = outer
                acceptsComma = true
            } else {
                return
            }

            // Close as many containers as end here, then stop before the next member.
            closing: while true {
                let isList = container == JSONByte.openBracket
                switch skipWhitespace() {
                case JSONByte.comma? where acceptsComma:
                    index += 1
                    break closing
                case JSONByte.closeBracket? where isList, JSONByte.closeBrace? where !isList:
                    index += 1
                    guard let outer = openContainers.popLast() else { return }
                    container = outer
                    acceptsComma = true
                case .some:
                    guard acceptsComma else { break closing }
                    throw peekError(isList ? .expectedListCommaOrEnd : .expectedObjectCommaOrEnd)
                case nil:
                    throw peekError(isList ? .eofWhileParsingList : .eofWhileParsingObject)
                }
            }

            if container == JSONByte.openBrace {
                switch skipWhitespace() {
                case JSONByte.quote?: index += 1
                case .some: throw peekError(.keyMustBeAString)
                case nil: throw peekError(.eofWhileParsingObject)
                }
                try skipString()
                switch skipWhitespace() {
                case JSONByte.colon?: index += 1
                case .some: throw peekError(.expectedColon)
                case nil: throw peekError(.eofWhileParsingObject)
                }
            }
            enclosing = container
        }
    }

    /// Skips a `RawValue` (leading whitespace first) and returns the range of its text,
    /// which serde_json requires to be UTF-8 as a whole. An invalid byte is reported at the
    /// end of the value, where serde_json checks.
    mutating func skipRawValue() throws(JSONError) -> Range<Int> {
        _ = skipWhitespace()
        let start = index
        try skipValue()
        guard UTF8Check.isValid(UnsafeBufferPointer(rebasing: bytes[start..<index])) else {
            throw error(.invalidUnicodeCodePoint)
        }
        return start..<index
    }
}
