/// A function scheduled to run later (`ctx.scheduler.runAfter`, `schedule_job`), as a row of
/// `_scheduled_functions`.
struct ScheduledJob: Sendable, Equatable {
    enum State: Sendable, Equatable {
        case pending
        case inProgress
        case success
        case failed(String)
        case canceled

        var isFinished: Bool {
            switch self {
            case .pending, .inProgress: false
            case .success, .failed, .canceled: true
            }
        }

        /// `{kind: "pending"}`, `{kind: "failed", error: "..."}`, ...
        var document: ConvexObject {
            switch self {
            case .pending: ConvexObject([("kind", .string("pending"))])
            case .inProgress: ConvexObject([("kind", .string("inProgress"))])
            case .success: ConvexObject([("kind", .string("success"))])
            case .failed(let error): ConvexObject([("kind", .string("failed")), ("error", .string(error))])
            case .canceled: ConvexObject([("kind", .string("canceled"))])
            }
        }
    }

    /// A `_scheduled_functions` id (table 539, `kc2...`).
    let id: DocumentId
    let creationTime: Double
    let path: FunctionPath
    let arguments: [ConvexValue]
    /// Milliseconds since the epoch.
    let scheduledTime: Double
    var state: State = .pending
    var completedTime: Double?

    /// The `_scheduled_functions` document as functions read it.
    var document: ConvexObject {
        var fields: [(String, ConvexValue)] = [
            ("_id", .string(id.encoded)),
            ("_creationTime", .float64(creationTime)),
            ("name", .string(path.canonical)),
            ("args", .array(arguments)),
            ("state", .object(state.document)),
            ("scheduledTime", .float64(scheduledTime)),
        ]
        if let completedTime { fields.append(("completedTime", .float64(completedTime))) }
        return ConvexObject(fields)
    }
}
