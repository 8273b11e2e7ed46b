/// A subscribed query's answer at one snapshot: its outcome, what it read, and the part of its
/// `QueryUpdated`/`QueryFailed` that every session sends alike, serialized once.
final class QueryAnswer {
    let outcome: FunctionOutcome
    let reads: ReadSet
    /// `"value":…` (or `"errorMessage":…` and, for a ConvexError, `"errorData":…`), then
    /// `"logLines":[…]`: the members between a modification's `queryId` and its `journal`.
    let members: [UInt8]

    init(outcome: FunctionOutcome, reads: ReadSet) {
        self.outcome = outcome
        self.reads = reads
        var members: [(key: String, value: JSON)]
        switch outcome.result {
        case .success(let value):
            members = [("value", value.exported(.encoded))]
        case .failure(let failure):
            // One request id per execution, as the backend has: the sessions sharing this
            // answer shared its run.
            members = [("errorMessage", .string(ServerMessage.errorMessage(failure, requestId: RequestId.fresh())))]
            if let data = failure.data { members.append(("errorData", data.exported(.encoded))) }
        }
        members.append(("logLines", .array(outcome.logLines.map(JSON.string))))
        // An object's serialization without its braces.
        self.members = Array(JSONWriter.serialize(.object(members)).dropFirst().dropLast())
    }

    var succeeded: Bool {
        if case .success = outcome.result { return true }
        return false
    }

    /// Runs `path` as `/api/query` would for `identity`, on `store` as `registry` declares it.
    static func run(_ path: FunctionPath, arguments: [JSON], identity: Identity, store: DocumentStore,
                    registry: FunctionRegistry, deployment: Deployment) -> QueryAnswer {
        switch FunctionCaller.prepare(path, arguments: arguments, identity: identity, lookup: .publicAPI(expected: .query),
                                      registry: registry) {
        case .failure(let failure):
            return QueryAnswer(outcome: FunctionOutcome(.failure(failure)), reads: ReadSet())
        case .success(let (spec, values)):
            // A query's `delayMs` stands for time spent computing; a subscription reports its
            // result as of the snapshot at once.
            return QueryAnswer(outcome: deployment.runQuery(spec, path: path, arguments: values, identity: identity, on: store),
                               reads: ReadSet(spec, arguments: values))
        }
    }
}

/// The answers a loop's sessions got at the latest snapshot, so that a commit that wakes a
/// thousand subscriptions to one query runs it and encodes its value once, not a thousand
/// times. Answers stay good while the snapshot's timestamp and the registry stay the same:
/// every change to the data is a commit with a new timestamp, and every redeclaration a new
/// registry. They are held weakly: the sessions whose queries got an answer keep it, and once
/// none does it goes, so what a client subscribed to and left does not stay behind.
/// Confined to its loop.
final class QueryAnswers {
    private struct Question: Hashable {
        let path: FunctionPath
        let arguments: [UInt8]
        let identity: Identity
    }

    private struct Held {
        weak var answer: QueryAnswer?
    }

    private var timestamp: UInt64?
    private var registry: FunctionRegistry?
    private var answers: [Question: Held] = [:]
    /// Entries past which the ones whose answer went are swept out (twice the live ones).
    private var sweepAt = 64

    func answer(_ path: FunctionPath, arguments: [JSON], identity: Identity, store: DocumentStore, timestamp: UInt64,
                deployment: Deployment) -> QueryAnswer {
        let registry = deployment.registry.registry
        if timestamp != self.timestamp || registry !== self.registry {
            answers.removeAll(keepingCapacity: true)
            self.timestamp = timestamp
            self.registry = registry
        }
        let question = Question(path: path, arguments: JSONWriter.serialize(.array(arguments)), identity: identity)
        if let known = answers[question]?.answer { return known }
        let answer = QueryAnswer.run(path, arguments: arguments, identity: identity, store: store, registry: registry,
                                     deployment: deployment)
        answers[question] = Held(answer: answer)
        if answers.count >= sweepAt {
            answers = answers.filter { $0.value.answer != nil }
            sweepAt = max(64, answers.count * 2)
        }
        return answer
    }

    /// Questions remembered, answered or not (for tests).
    var count: Int { answers.count }
}
