/// What the server sends a sync client, written as the backend writes it (convex-rs
/// `sync_types` json.rs): ids and versions as JSON integers, timestamps as base64 of the
/// little-endian u64 (`serverTs` as a plain integer), values in the encoded format, `journal`
/// always present, `errorData` only for a ConvexError.
enum ServerMessage {
    case transition(start: StateVersion, end: StateVersion, modifications: [QueryModification], clientClockSkew: Int64?, serverTs: UInt64)
    case mutationResponse(requestId: UInt32, outcome: FunctionOutcome, timestamp: UInt64?, requestIdText: String)
    case actionResponse(requestId: UInt32, outcome: FunctionOutcome, requestIdText: String)
    case authError(error: String, baseVersion: UInt32, authUpdateAttempted: Bool)
    case fatalError(String)
    case ping

    enum QueryModification {
        case updated(queryId: UInt32, outcome: FunctionOutcome, journal: String?)
        case removed(queryId: UInt32)

        var queryId: UInt32 {
            switch self {
            case .updated(let id, _, _), .removed(let id): id
            }
        }

        var json: JSON {
            switch self {
            case .removed(let id):
                return .object([("type", .string("QueryRemoved")), ("queryId", .integer(Int64(id)))])
            case .updated(let id, let outcome, let journal):
                var members: [(key: String, value: JSON)]
                switch outcome.result {
                case .success(let value):
                    members = [("type", .string("QueryUpdated")), ("queryId", .integer(Int64(id))), ("value", value.exported(.encoded))]
                case .failure(let failure):
                    members = [("type", .string("QueryFailed")), ("queryId", .integer(Int64(id))),
                               ("errorMessage", .string(ServerMessage.errorMessage(failure, requestId: RequestId.fresh())))]
                    if let data = failure.data { members.append(("errorData", data.exported(.encoded))) }
                }
                members.append(("logLines", .array(outcome.logLines.map(JSON.string))))
                members.append(("journal", journal.map(JSON.string) ?? .null))
                return .object(members)
            }
        }
    }

    var typeName: String {
        switch self {
        case .transition: "Transition"
        case .mutationResponse: "MutationResponse"
        case .actionResponse: "ActionResponse"
        case .authError: "AuthError"
        case .fatalError: "FatalError"
        case .ping: "Ping"
        }
    }

    var json: JSON {
        switch self {
        case .transition(let start, let end, let modifications, let skew, let serverTs):
            return .object([
                ("type", .string("Transition")),
                ("startVersion", start.json),
                ("endVersion", end.json),
                ("modifications", .array(modifications.map(\.json))),
                ("clientClockSkew", skew.map(JSON.integer) ?? .null),
                ("serverTs", .integer(Int64(clamping: serverTs))),
            ])
        case .mutationResponse(let requestId, let outcome, let timestamp, let requestIdText):
            var members = Self.response("MutationResponse", requestId, outcome, requestIdText)
            members.insert(("ts", timestamp.map { .string(Timestamp.encode($0)) } ?? .null), at: members.count - 1)
            return .object(members)
        case .actionResponse(let requestId, let outcome, let requestIdText):
            return .object(Self.response("ActionResponse", requestId, outcome, requestIdText))
        case .authError(let error, let baseVersion, let attempted):
            return .object([("type", .string("AuthError")), ("error", .string(error)),
                            ("baseVersion", .integer(Int64(baseVersion))), ("authUpdateAttempted", .bool(attempted))])
        case .fatalError(let error):
            return .object([("type", .string("FatalError")), ("error", .string(error))])
        case .ping:
            return .object([("type", .string("Ping"))])
        }
    }

    /// `success`, then `result` (the value, or the error message as a string) and `errorData`
    /// for a ConvexError, then `logLines` last.
    private static func response(_ type: String, _ requestId: UInt32, _ outcome: FunctionOutcome, _ requestIdText: String) -> [(key: String, value: JSON)] {
        var members: [(key: String, value: JSON)] = [("type", .string(type)), ("requestId", .integer(Int64(requestId)))]
        switch outcome.result {
        case .success(let value):
            members += [("success", .bool(true)), ("result", value.exported(.encoded))]
        case .failure(let failure):
            members += [("success", .bool(false)), ("result", .string(errorMessage(failure, requestId: requestIdText)))]
            if let data = failure.data { members.append(("errorData", data.exported(.encoded))) }
        }
        members.append(("logLines", .array(outcome.logLines.map(JSON.string))))
        return members
    }

    /// The backend's `RedactedJsError`: `[Request ID: <id>] Server Error` and the JS error.
    static func errorMessage(_ failure: JSFailure, requestId: String) -> String {
        "[Request ID: \(requestId)] Server Error\n" + failure.rendered
    }

    var serialized: [UInt8] { json.serialized }
}

/// Where a client's view stands: its query set's version, its identity's version, and the
/// timestamp its results were read at. Every connection starts at zero.
struct StateVersion: Equatable, Sendable {
    var querySet: UInt32 = 0
    var identity: UInt32 = 0
    var timestamp: UInt64 = 0

    var json: JSON {
        .object([("querySet", .integer(Int64(querySet))), ("identity", .integer(Int64(identity))), ("ts", .string(Timestamp.encode(timestamp)))])
    }
}
