import EventHTTP

/// One request as the journal keeps it: enough to check what a client sent and what it got.
public struct JournalEntry: Sendable {
    /// Increasing per server run, so a test can ask what came after a given point.
    public var sequence: Int
    /// Unix milliseconds when the request arrived.
    public var time: Double
    public var listener: String
    public var method: HTTPMethod
    public var path: String
    public var query: String?
    public var headers: [(name: String, value: String)]
    public var bodySize: Int
    /// The body's first `RequestJournal.previewBytes` bytes, as UTF-8 (invalid bytes replaced).
    public var bodyPreview: String
    /// Nil when no HTTP answer was given (a reset, close or garbage fault).
    public var status: Int?
    /// The fault that acted on it, if any.
    public var fault: String?
    public var durationMs: Double

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
