/// An upstream's answer to a function call (`{"status": "success", "value": ...}` or
/// `{"status": "error", "errorMessage": ..., "errorData": ...}`) read back into the outcome
/// mockconvex would have produced, for sync clients served from it and for the recording.
enum UpstreamOutcome {
    /// The outcome in `body`; nil when it is not such an answer. Values in the encoded format
    /// import as they are; a `json` (clean) answer imports as plain JSON, with as much of the
    /// type as it kept (an int64 came as a string).
    static func parse(_ body: JSON) -> FunctionOutcome? {
        guard let members = body.objectMembers, case .string(let status)? = members.value("status") else { return nil }
        let logLines: [String] = if case .array(let lines)? = members.value("logLines") {
            lines.compactMap { if case .string(let line) = $0 { line } else { nil } }
        } else { [] }
        switch status {
        case "success":
            guard let value = members.value("value"), let converted = try? ConvexValue.importing(value) else { return nil }
            return FunctionOutcome(.success(converted), logLines: logLines)
        case "error":
            guard case .string(let rendered)? = members.value("errorMessage") else { return nil }
            var failure = failure(rendered)
            if let data = members.value("errorData") {
                guard let converted = try? ConvexValue.importing(data) else { return nil }
                failure.data = converted
            }
            return FunctionOutcome(.failure(failure), logLines: logLines)
        default:
            return nil
        }
    }

    /// `[Request ID: …] Server Error\nUncaught Error: boom\n    at handler (…)\n` → the message
    /// and its frames, as `JSFailure.rendered` wrote them.
    static func failure(_ rendered: String) -> JSFailure {
        var text = Substring(rendered)
        if text.hasPrefix("[Request ID: "), let end = text.firstIndex(of: "\n") { text = text[text.index(after: end)...] }
        if text.hasSuffix("\n") { text = text.dropLast() }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        var frames: [String] = []
        while let last = lines.last, last.hasPrefix("    at "), lines.count > 1 {
            frames.insert(String(last.dropFirst("    at ".count)), at: 0)
            lines.removeLast()
        }
        return JSFailure(message: lines.joined(separator: "\n"), frames: frames)
    }
}
