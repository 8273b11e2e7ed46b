/// Strict JSON parsing that fails exactly where and how the backend's serde_json 1.0.145
/// fails, since those messages (text, line and column) reach clients in 400 responses.
/// Hand-written because no library at hand reproduces serde_json's error texts and
/// positions (and Sources avoid Foundation), and because request bodies are parsed on every
/// call: it works on raw bytes and builds each string once from a byte range.
enum JSONReader {
    /// Parses one complete document, as `serde_json::from_slice::<serde_json::Value>` with
    /// `preserve_order` does; only whitespace may follow it ("trailing characters").
    ///
    /// `maxDepth` is serde_json's recursion budget: opening the `maxDepth`-th nested array or
    /// object fails with "recursion limit exceeded", so the default 128 admits 127 levels,
    /// as the backend does.
    static func parse(_ bytes: some Collection<UInt8>, maxDepth: Int = 128) throws(JSONError) -> JSON {
        try withContiguousBytes(bytes) { buffer throws(JSONError) in
            var reader = JSONTreeReader(cursor: JSONCursor(buffer), maxDepth: maxDepth)
            return try reader.readDocument()
        }
    }

    /// Checks a document without building it, as `serde_json::from_slice::<&RawValue>` does:
    /// any nesting depth and any number size pass, strings are checked for escapes only, and
    /// the text as a whole must be UTF-8.
    static func validate(_ bytes: some Collection<UInt8>) throws(JSONError) {
        try withContiguousBytes(bytes) { buffer throws(JSONError) in
            var cursor = JSONCursor(buffer)
            _ = try cursor.skipRawValue()
            if cursor.skipWhitespace() != nil { throw cursor.peekError(.trailingCharacters) }
        }
    }

    /// Runs `body` over the bytes in place, copying them only when the collection does not
    /// store them contiguously.
    private static func withContiguousBytes<Value>(
        _ bytes: some Collection<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) throws(JSONError) -> Value
    ) throws(JSONError) -> Value {
        let outcome = bytes.withContiguousStorageIfAvailable { buffer in
            Result { () throws(JSONError) -> Value in try body(buffer) }
        } ?? Array(bytes).withUnsafeBufferPointer { buffer in
            Result { () throws(JSONError) -> Value in try body(buffer) }
        }
        return try outcome.get()
    }
}
