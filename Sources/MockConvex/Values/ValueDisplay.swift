extension ConvexValue {
    /// The backend's Rust `Display` of a value, as validator and argument errors quote it:
    /// `{a: 1.0, b: "x", c: [5, b"AQI="]}`. Floats in Rust debug form (`5.0`, `NaN`, `inf`),
    /// int64 bare, strings Rust-debug-quoted, bytes as `b"<base64>"`, field names unquoted.
    var rustDisplay: String {
        var output = ""
        appendRustDisplay(to: &output)
        return output
    }

    private func appendRustDisplay(to output: inout String) {
        switch self {
        case .null: output.append("null")
        case .int64(let number): output.append(String(number))
        case .float64(let number): output.append(NumberText.rustDebug(number))
        case .boolean(let flag): output.append(flag ? "true" : "false")
        case .string(let text): RustText.appendDebugQuoted(text, to: &output)
        case .bytes(let bytes):
            output.append("b\"")
            output.append(Base64.encode(bytes))
            output.append("\"")
        case .array(let items):
            output.append("[")
            for (position, item) in items.enumerated() {
                if position > 0 { output.append(", ") }
                item.appendRustDisplay(to: &output)
            }
            output.append("]")
        case .object(let object):
            output.append("{")
            for (position, field) in object.fields.enumerated() {
                if position > 0 { output.append(", ") }
                output.append(field.name)
                output.append(": ")
                field.value.appendRustDisplay(to: &output)
            }
            output.append("}")
        }
    }

    /// `JSON.stringify` of the value as the function runtime holds it, with the Convex client's
    /// replacer that turns a bigint into `"5n"`: NaN and infinities become `null`, -0 becomes
    /// `0`, bytes (an ArrayBuffer, which has no enumerable fields) become `{}`.
    var javaScriptJSON: String {
        var output = ""
        appendJavaScriptJSON(to: &output)
        return output
    }

    /// The message of `new ConvexError(data)`: the string itself, or `javaScriptJSON` cut to
    /// 16384 UTF-16 units (ending in `[...truncated]`, never splitting a surrogate pair).
    var convexErrorMessage: String {
        if case .string(let text) = self { return text }
        let json = javaScriptJSON
        let limit = 16384
        let marker = "[...truncated]"
        let units = json.utf16
        guard units.count > limit else { return json }
        var cut = limit - marker.utf16.count
        if UTF16.isLeadSurrogate(units[units.index(units.startIndex, offsetBy: cut - 1)]) { cut -= 1 }
        return String(json[..<units.index(units.startIndex, offsetBy: cut)]) + marker
    }

    private func appendJavaScriptJSON(to output: inout String) {
        switch self {
        case .null: output.append("null")
        case .int64(let number):
            output.append("\"")
            output.append(String(number))
            output.append("n\"")
        case .float64(let number): output.append(number.isFinite ? NumberText.javaScript(number) : "null")
        case .boolean(let flag): output.append(flag ? "true" : "false")
        case .string(let text): JavaScriptJSON.appendQuoted(text, to: &output)
        case .bytes: output.append("{}")
        case .array(let items):
            output.append("[")
            for (position, item) in items.enumerated() {
                if position > 0 { output.append(",") }
                item.appendJavaScriptJSON(to: &output)
            }
            output.append("]")
        case .object(let object):
            output.append("{")
            for (position, field) in object.javaScriptOrderedFields.enumerated() {
                if position > 0 { output.append(",") }
                JavaScriptJSON.appendQuoted(field.name, to: &output)
                output.append(":")
                field.value.appendJavaScriptJSON(to: &output)
            }
            output.append("}")
        }
    }
}
