/// Runs a config function's behaviour, producing what the JavaScript runtime would have: a
/// value or a failure, the log lines, and the writes to make. Nothing is changed here; the
/// deployment applies the writes once they are durable.
enum FunctionRunner {
    /// What a behaviour may use besides the store.
    struct Environment {
        /// `--convex-origin`: the base of storage URLs.
        let origin: String
        /// Makes an upload token valid from now.
        let issueUploadToken: () -> String
        /// Who called: what `ctx.auth.getUserIdentity()` sees.
        var identity: Identity = .anonymous
    }

    /// The stack frame config functions report: the handler of the function's module, since
    /// there is no source to point into.
    static func frame(_ moduleName: String) -> String {
        "handler (../convex/\(moduleName).ts:1:1)"
    }

    static func run(
        _ spec: FunctionSpec, path: FunctionPath, arguments: [ConvexValue], store: DocumentStore,
        allocator: inout IdAllocator, environment: Environment
    ) -> (outcome: FunctionOutcome, writes: [StoreWrite]) {
        let logLines = spec.logs.map { LogLine.format(level: $0.level, arguments: [.string($0.message)]) }
        var writes: [StoreWrite] = []
        let result = ArgumentRules.singleObject(arguments).flatMap { args -> Result<ConvexValue, JSFailure> in
            let user = environment.identity.user
            // What `if (!(await ctx.auth.getUserIdentity())) throw new Error("Unauthenticated")` gives.
            if user == nil && (spec.requiresAuth || spec.ownerField != nil) {
                return .failure(JSFailure.uncaught("Error", "Unauthenticated", frames: [frame(path.moduleName)]))
            }
            var owner: OwnerRule?
            if let field = spec.ownerField, let user { owner = OwnerRule(field: field, tokenIdentifier: user.tokenIdentifier) }
            return perform(spec.behaviour, args: args, path: path, store: store, allocator: &allocator,
                           environment: environment, owner: owner, writes: &writes)
        }
        if case .failure = result { writes = [] }
        return (FunctionOutcome(result, logLines: logLines), writes)
    }

    /// `ownerField` for a signed-in caller: their documents carry their token identifier there.
    struct OwnerRule {
        let field: String
        let tokenIdentifier: String

        func owns(_ document: Document) -> Bool { document.fields[field] == .string(tokenIdentifier) }
        func stamp(_ fields: inout ConvexObject) { fields[field] = .string(tokenIdentifier) }
    }

    private static func perform(
        _ behaviour: FunctionSpec.Behaviour, args: ConvexObject, path: FunctionPath, store: DocumentStore,
        allocator: inout IdAllocator, environment: Environment, owner: OwnerRule?, writes: inout [StoreWrite]
    ) -> Result<ConvexValue, JSFailure> {
        let module = path.moduleName
        /// Another user's document is as good as absent.
        func visible(_ id: DocumentId) -> Document? {
            store.get(id).flatMap { document in owner.map { $0.owns(document) } ?? true ? document : nil }
        }
        func uncaught(_ message: String) -> JSFailure {
            JSFailure.uncaught("Error", message, frames: [frame(module)])
        }
        switch behaviour {
        case .insert(let table):
            return ArgumentRules.userFields(args, module: module).flatMap { fields in
                var fields = fields
                owner?.stamp(&fields)
                // Every table a config or a declaration names is numbered before it is served.
                guard let number = store.tableNumbers.number(of: table) else {
                    return .failure(uncaught("Table \(table) has no number yet; declare the function again"))
                }
                let (id, creationTime) = allocator.next(tableNumber: number)
                let document = Document(id: id, creationTime: creationTime, fields: fields)
                if let problem = DocumentLimits.problem(with: document) { return .failure(uncaught(problem)) }
                writes.append(.insertDocument(table: table, document))
                return .success(.string(id.encoded))
            }
        case .get(DocumentStore.storageTable):
            return ArgumentRules.documentId(in: args, table: DocumentStore.storageTable, onlyId: true, tables: store.tableNumbers).map { id in
                store.file(id).map { .object($0.document) } ?? .null
            }
        case .get(DocumentStore.scheduledFunctionsTable):
            return ArgumentRules.documentId(in: args, table: DocumentStore.scheduledFunctionsTable, onlyId: true, tables: store.tableNumbers).map { id in
                store.job(id).map { .object($0.document) } ?? .null
            }
        case .get(let table):
            return ArgumentRules.documentId(in: args, table: table, onlyId: true, tables: store.tableNumbers).map { id in
                visible(id).map { .object($0.value) } ?? .null
            }
        case .list(DocumentStore.storageTable, let order):
            return .success(matching(store.allFiles.map(\.document), args, order))
        case .list(DocumentStore.scheduledFunctionsTable, let order):
            return .success(matching(store.allJobs.map(\.document), args, order))
        case .list(let table, let order):
            var filter = args
            owner?.stamp(&filter)
            let documents = store.list(table, matching: filter)
            let ordered = order == .asc ? documents : documents.reversed()
            return .success(.array(ordered.map { .object($0.value) }))
        case .patch(let table), .replace(let table):
            let isPatch = if case .patch = behaviour { true } else { false }
            return ArgumentRules.documentId(in: args, table: table, onlyId: false, tables: store.tableNumbers).flatMap { id in
                var changes = args
                changes["id"] = nil
                return ArgumentRules.userFields(changes, module: module).flatMap { changes in
                    guard var document = visible(id) else {
                        return .failure(uncaught("\(isPatch ? "Update" : "Replace") on nonexistent document ID \(id.encoded)"))
                    }
                    if isPatch {
                        for change in changes { document.fields[change.name] = change.value }
                    } else {
                        document.fields = changes
                    }
                    owner?.stamp(&document.fields)
                    if let problem = DocumentLimits.problem(with: document) { return .failure(uncaught(problem)) }
                    writes.append(.updateDocument(table: table, document))
                    return .success(.null)
                }
            }
        case .delete(let table):
            return ArgumentRules.documentId(in: args, table: table, onlyId: true, tables: store.tableNumbers).flatMap { id in
                guard visible(id) != nil else { return .failure(uncaught("Delete on nonexistent document ID \(id.encoded)")) }
                writes.append(.deleteDocument(table: table, id))
                return .success(.null)
            }
        case .returns(let value):
            return .success(value)
        case .echo:
            return .success(.object(args))
        case .identity:
            return .success(environment.identity.user.map { .object($0.object) } ?? .null)
        case .throwsError(let message, nil):
            return .failure(uncaught(message ?? ""))
        case .throwsError(let message, let data?):
            // A ConvexError's message is its data, as JSON.stringify writes it, unless the
            // config gives one.
            return .failure(JSFailure.uncaught("ConvexError", message ?? data.convexErrorMessage, frames: [frame(module)], data: data))
        case .storage(let call):
            return StorageCalls.perform(call, args: args, module: module, store: store, environment: environment, writes: &writes)
        case .schedule(let target, let delayMs):
            let (id, creationTime) = allocator.next(tableNumber: TableNumbers.scheduledFunctions)
            let job = ScheduledJob(id: id, creationTime: creationTime, path: target, arguments: [.object(args)],
                                   scheduledTime: creationTime + Double(delayMs))
            writes.append(.putJob(job))
            return .success(.string(id.encoded))
        case .stubs(let stubs):
            return stubs.behaviour(for: args, path: path).flatMap { chosen in
                perform(chosen, args: args, path: path, store: store, allocator: &allocator, environment: environment, owner: owner,
                        writes: &writes)
            }
        }
    }

    /// System-table documents whose fields equal every arg, in creation order or reversed.
    private static func matching(_ documents: [ConvexObject], _ filter: ConvexObject, _ order: FunctionSpec.Order) -> ConvexValue {
        let matched = documents.filter { document in filter.allSatisfy { document[$0.name] == $0.value } }
        return .array((order == .asc ? matched : matched.reversed()).map(ConvexValue.object))
    }
}
