import EventHTTP

/// One request as the journal keeps it: enough to check what a client sent and what it got.
struct JournalEntry: Sendable {
    /// Increasing per server run, so a test can ask what came after a given point.
    var sequence: Int
    /// Unix milliseconds when the request arrived.
    var time: Double
    var listener: String
    var method: HTTPMethod
    var path: String
    var query: String?
    var headers: [(name: String, value: String)]
    var bodySize: Int
    /// The body's first `RequestJournal.previewBytes` bytes, as UTF-8 (invalid bytes replaced).
    var bodyPreview: String
    /// Nil when no HTTP answer was given (a reset, close or garbage fault).
    var status: Int?
    /// The fault that acted on it, if any.
    var fault: String?
    var durationMs: Double

    var json: JSON {
        .object([
            ("sequence", .integer(Int64(sequence))),
            ("time", .number(time)),
            ("listener", .string(listener)),
            ("method", .string(method.rawValue)),
            ("path", .string(path)),
            ("query", query.map(JSON.string) ?? .null),
            ("headers", .array(headers.map { .array([.string($0.name), .string($0.value)]) })),
            ("bodySize", .integer(Int64(bodySize))),
            ("bodyPreview", .string(bodyPreview)),
            ("status", status.map { .integer(Int64($0)) } ?? .null),
            ("fault", fault.map(JSON.string) ?? .null),
            ("durationMs", .number(durationMs)),
        ])
    }
}
