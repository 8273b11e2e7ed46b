/// A function call that passed through `mockconvex record`, as the recording keeps it: which
/// function, with which arguments, and what the upstream answered.
struct RecordedCall: Sendable, Equatable {
    /// `module:function` as the recording's config names it.
    var path: String
    /// Known from the route (`/api/query`, a sync `Mutation`, ...); nil for `/api/run` and
    /// `/api/function`, which take any type.
    var kind: FunctionSpec.Kind?
    var args: ConvexObject
    var answer: RecordedAnswer
}

/// What a stub can answer with again: a value, or an error thrown by the function (with the
/// data of a ConvexError).
enum RecordedAnswer: Sendable, Equatable {
    case returns(ConvexValue)
    case throwsError(message: String?, data: ConvexValue?)

    /// The answer a function outcome stands for, or nil when a stub could not give it back:
    /// an error that is not an uncaught `Error` or `ConvexError` (a `TypeError`, a system
    /// error) would come back as another text.
    init?(_ outcome: FunctionOutcome) {
        switch outcome.result {
        case .success(let value):
            self = .returns(value)
        case .failure(let failure):
            if let data = failure.data {
                guard let message = Self.thrown(failure.message, name: "ConvexError") else { return nil }
                // A ConvexError's message is its data unless the function gave one.
                self = .throwsError(message: message == data.convexErrorMessage ? nil : message, data: data)
            } else {
                guard let message = Self.thrown(failure.message, name: "Error") else { return nil }
                self = .throwsError(message: message, data: nil)
            }
        }
    }

    /// `Uncaught Error: boom` → `boom`; `Uncaught Error` → the empty message.
    private static func thrown(_ message: String, name: String) -> String? {
        if message == "Uncaught \(name)" { return "" }
        let lead = "Uncaught \(name): "
        return message.hasPrefix(lead) ? String(message.dropFirst(lead.count)) : nil
    }

    /// As a stub's answer in the config: `{"returns": ...}` or `{"throws": {...}}`.
    var members: [(key: String, value: JSON)] {
        switch self {
        case .returns(let value):
            return [("returns", value.exported(.encoded))]
        case .throwsError(let message, let data):
            var fields: [(key: String, value: JSON)] = []
            if let message { fields.append(("message", .string(message))) }
            if let data { fields.append(("data", data.exported(.encoded))) }
            return [("throws", .object(fields))]
        }
    }
}
