/// What a subscribed query read, precisely enough that a commit wakes only the queries it can
/// change: a `list` reads its table, a `get` (and a storage lookup by id) the one id it named,
/// a storage lookup by UUID the `_storage` table; `returns`, `echo`, `identity` and `throws`
/// read nothing (the identity changes only with an Authenticate, which reruns every query).
struct ReadSet: Equatable, Sendable {
    var tables: Set<String> = []
    var ids: Set<DocumentId> = []

    /// What `spec` reads when called with `arguments` (already checked to be one object).
    init(_ spec: FunctionSpec, arguments: [ConvexValue]) {
        let args: ConvexObject? = if arguments.count == 1, case .object(let object) = arguments[0] { object } else { nil }
        self.init(spec.behaviour, args: args)
    }

    private init(_ behaviour: FunctionSpec.Behaviour, args: ConvexObject?) {
        switch behaviour {
        case .list(let table, _):
            tables = [table]
        case .get:
            if case .string(let text)? = args?["id"], let id = try? DocumentId(decoding: text) { ids = [id] }
        case .storage(.getUrl), .storage(.getMetadata):
            guard case .string(let text)? = args?["storageId"] else { break }
            if let id = try? DocumentId(decoding: text) { ids = [id] } else { tables = [DocumentStore.storageTable] }
        case .insert, .patch, .replace, .delete, .returns, .echo, .throwsError, .storage, .schedule, .identity:
            break
        case .stubs(let stubs):
            // A stubbed answer reads nothing (docs/stubs.md); a call no case matches reads what
            // the fallback reads. A sequence entry is never taken here: only running the query
            // takes one.
            if let fallback = stubs.readingBehaviour(for: args) { self = ReadSet(fallback, args: args) }
        }
    }

    init() {}

    /// Whether `record` wrote anything this read.
    func isAffected(by record: CommitRecord) -> Bool {
        record.replacesEverything || !tables.isDisjoint(with: record.tables) || !ids.isDisjoint(with: record.documentIds)
    }
}
