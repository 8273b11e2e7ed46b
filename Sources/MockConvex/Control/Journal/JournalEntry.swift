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
    /// Set for a message of a sync session (then `path` is the session's, `bodySize` and
    /// `bodyPreview` the message's, and there is no method or status).
    var sync: SyncDetails?

    struct SyncDetails: Sendable {
        let session: Int
        let direction: String
        let messageType: String
    }

    var json: JSON {
        var members: [(key: String, value: JSON)] = [
            ("sequence", .integer(Int64(sequence))),
            ("time", .number(time)),
            ("kind", .string(sync == nil ? "http" : "sync")),
            ("listener", .string(listener)),
        ]
        if let sync {
            members += [
                ("session", .integer(Int64(sync.session))),
                ("direction", .string(sync.direction)),
                ("messageType", .string(sync.messageType)),
                ("path", .string(path)),
                ("size", .integer(Int64(bodySize))),
                ("preview", .string(bodyPreview)),
            ]
            return .object(members)
        }
        return .object(members + [
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

    /// A sync message as the journal keeps it.
    static func sync(_ event: SyncEvent, session: Int, listener: String, path: String) -> JournalEntry {
        let preview = event.preview.prefix(RequestJournal.previewBytes)
        return JournalEntry(
            sequence: 0, time: Deployment.nowMilliseconds(), listener: listener, method: .GET, path: path, query: nil, headers: [],
            bodySize: event.size, bodyPreview: String(decoding: preview, as: UTF8.self), status: nil, fault: nil, durationMs: 0,
            sync: SyncDetails(session: session, direction: event.direction.rawValue, messageType: event.type))
    }
}
