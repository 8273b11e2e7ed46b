/// A failure as the JavaScript runtime reports it: the message (`Uncaught Error: boom`), the
/// stack frames under it, and the data of a ConvexError.
struct JSFailure: Sendable, Equatable, Error {
    var message: String
    /// Without the `    at ` lead: `handler (../convex/messages.ts:1:1)`.
    var frames: [String]
    var data: ConvexValue?

    init(message: String, frames: [String] = [], data: ConvexValue? = nil) {
        self.message = message
        self.frames = frames
        self.data = data
    }

    /// An exception the function did not catch, named as the backend names it
    /// (`format_uncaught_error`): `Uncaught Error: boom`, or just `Uncaught Error` when the
    /// message is empty.
    static func uncaught(_ name: String, _ message: String, frames: [String], data: ConvexValue? = nil) -> JSFailure {
        JSFailure(message: message.isEmpty ? "Uncaught \(name)" : "Uncaught \(name): \(message)", frames: frames, data: data)
    }

    /// The backend's rendering (its `JsError` debug form): message, then one line per frame,
    /// every line ending in a newline.
    var rendered: String {
        var text = message + "\n"
        for frame in frames { text += "    at \(frame)\n" }
        return text
    }
}

/// What running a function produced, before it is wrapped for a particular caller.
struct FunctionOutcome: Sendable, Equatable {
    var result: Result<ConvexValue, JSFailure>
    /// Already formatted: `[LOG] 'hello'`.
    var logLines: [String]

    init(_ result: Result<ConvexValue, JSFailure>, logLines: [String] = []) {
        self.result = result
        self.logLines = logLines
    }
}
