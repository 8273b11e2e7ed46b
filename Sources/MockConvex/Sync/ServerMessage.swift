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
        case updated(queryId: UInt32, answer: QueryAnswer, journal: String?)
        case removed(queryId: UInt32)

        var queryId: UInt32 {
            switch self {
            case .updated(let id, _, _), .removed(let id): id
            }
        }

        /// `{"type":"QueryUpdated"|"QueryFailed","queryId":…, <the answer's members>, "journal":…}`:
        /// the answer's part was serialized once for every session that sends it.
        func append(to output: inout [UInt8]) {
            switch self {
            case .removed(let id):
                JSONWriter.append(.object([("type", .string("QueryRemoved")), ("queryId", .integer(Int64(id)))]), to: &output)
            case .updated(let id, let answer, let journal):
                output.append(contentsOf: #"{"type":"#.utf8)
                output.append(contentsOf: (answer.succeeded ? #""QueryUpdated""# : #""QueryFailed""#).utf8)
                output.append(contentsOf: #","queryId":"#.utf8)
                JSONWriter.append(.integer(Int64(id)), to: &output)
                output.append(JSONByte.comma)
                output.append(contentsOf: answer.members)
                output.append(contentsOf: #","journal":"#.utf8)
                JSONWriter.append(journal.map(JSON.string) ?? .null, to: &output)
                output.append(JSONByte.closeBrace)
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

    /// The message as the client reads it.
    var serialized: [UInt8] {
        switch self {
        case .transition(let start, let end, let modifications, let skew, let serverTs):
            return Self.transition(start, end, modifications, skew, serverTs)
        case .mutationResponse(let requestId, let outcome, let timestamp, let requestIdText):
            var members = Self.response("MutationResponse", requestId, outcome, requestIdText)
            members.insert(("ts", timestamp.map { .string(Timestamp.encode($0)) } ?? .null), at: members.count - 1)
            return JSON.object(members).serialized
        case .actionResponse(let requestId, let outcome, let requestIdText):
            return JSON.object(Self.response("ActionResponse", requestId, outcome, requestIdText)).serialized
        case .authError(let error, let baseVersion, let attempted):
            return JSON.object([("type", .string("AuthError")), ("error", .string(error)),
                                ("baseVersion", .integer(Int64(baseVersion))), ("authUpdateAttempted", .bool(attempted))]).serialized
        case .fatalError(let error):
            return JSON.object([("type", .string("FatalError")), ("error", .string(error))]).serialized
        case .ping:
            return JSON.object([("type", .string("Ping"))]).serialized
        }
    }

    /// Written around its modifications, whose answers were serialized once for every session.
    private static func transition(_ start: StateVersion, _ end: StateVersion, _ modifications: [QueryModification],
                                   _ skew: Int64?, _ serverTs: UInt64) -> [UInt8] {
        var output: [UInt8] = []
        output.append(contentsOf: #"{"type":"Transition","startVersion":"#.utf8)
        JSONWriter.append(start.json, to: &output)
        output.append(contentsOf: #","endVersion":"#.utf8)
        JSONWriter.append(end.json, to: &output)
        output.append(contentsOf: #","modifications":["#.utf8)
        for (position, modification) in modifications.enumerated() {
            if position > 0 { output.append(JSONByte.comma) }
            modification.append(to: &output)
        }
        output.append(contentsOf: #"],"clientClockSkew":"#.utf8)
        JSONWriter.append(skew.map(JSON.integer) ?? .null, to: &output)
        output.append(contentsOf: #","serverTs":"#.utf8)
        JSONWriter.append(.integer(Int64(clamping: serverTs)), to: &output)
        output.append(JSONByte.closeBrace)
        return output
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
