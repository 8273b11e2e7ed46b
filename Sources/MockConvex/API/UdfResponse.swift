/// The body every function call answers with (always HTTP 200): success with the value, or
/// error with the message, ConvexError data and log lines.
enum UdfResponse {
    /// `requestId` nil leaves out the `[Request ID: ...] Server Error` prefix, as action
    /// callbacks do.
    static func json(_ outcome: FunctionOutcome, format: ValueFormat, requestId: String?) -> JSON {
        var members: [(key: String, value: JSON)] = []
        switch outcome.result {
        case .success(let value):
            members.append(("status", .string("success")))
            members.append(("value", value.exported(format)))
        case .failure(let failure):
            members.append(("status", .string("error")))
            let prefix = requestId.map { "[Request ID: \($0)] Server Error\n" } ?? ""
            members.append(("errorMessage", .string(prefix + failure.rendered)))
            if let data = failure.data { members.append(("errorData", data.exported(format))) }
        }
        if !outcome.logLines.isEmpty {
            members.append(("logLines", .array(outcome.logLines.map(JSON.string))))
        }
        return .object(members)
    }
}
