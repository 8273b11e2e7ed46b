import EventHTTP

/// Running config functions: mutations and actions as transactions, queries against what
/// readers see.
extension Deployment {
    /// A function the config declares, or a built-in one, as the registry says now.
    func function(_ path: FunctionPath) -> FunctionSpec? {
        registry.registry.function(path)
    }

    var environment: FunctionRunner.Environment {
        let files = self.files
        return FunctionRunner.Environment(origin: settings.convexOrigin) { files.issueUploadToken() }
    }

    func environment(for identity: Identity) -> FunctionRunner.Environment {
        var environment = self.environment
        environment.identity = identity
        return environment
    }

    /// Runs a function's behaviour as a transaction and answers once its writes are durable;
    /// if they cannot be made durable, nothing changed and the reply gets the storage error
    /// instead of the outcome.
    ///
    /// A mutation with an `identifier` (an action callback's `mutationIdentifier`) that already
    /// succeeded is not run again: its first outcome is returned.
    func run(_ spec: FunctionSpec, path: FunctionPath, arguments: [ConvexValue], identity: Identity = .anonymous, identifier: String? = nil,
             _ reply: Reply<Result<FunctionOutcome, ConvexAPIError>>) {
        runCommitted(spec, path: path, arguments: arguments, identity: identity, identifier: identifier, reply.map { $0.map(\.value) })
    }

    /// `run`, with the commit's timestamp (the latest commit's, for one that wrote nothing):
    /// what a sync client's `MutationResponse` carries.
    func runCommitted(_ spec: FunctionSpec, path: FunctionPath, arguments: [ConvexValue], identity: Identity = .anonymous,
                      identifier: String? = nil, _ reply: Reply<Result<Committed<FunctionOutcome>, ConvexAPIError>>) {
        let environment = self.environment(for: identity)
        let files = self.files
        database.transact(reply.map { $0.mapError(StorageFailure.response) }) { store, identified, allocator in
            if let identifier, let earlier = identified[identifier] { return Change(earlier) }
            let (outcome, writes) = FunctionRunner.run(spec, path: path, arguments: arguments, store: store,
                                                       allocator: &allocator, environment: environment)
            var change = Change(outcome, writes: writes)
            change.afterCommit = files.removals(of: writes)
            if let identifier, case .success = outcome.result { change.identified = (identifier, outcome) }
            return change
        }
    }

    /// The durable state as it is now: what a query starting now reads, however long it then
    /// takes.
    func snapshot() -> DocumentStore {
        database.snapshot().store
    }

    /// Runs a query now, on the durable state, under the database's lock (no copy of it).
    func runQuery(_ spec: FunctionSpec, path: FunctionPath, arguments: [ConvexValue], identity: Identity = .anonymous) -> FunctionOutcome {
        let environment = self.environment(for: identity)
        return database.read { store in Self.query(spec, path: path, arguments: arguments, store: store, environment: environment) }
    }

    /// Runs a query on a store read earlier (`snapshot()`).
    func runQuery(_ spec: FunctionSpec, path: FunctionPath, arguments: [ConvexValue], identity: Identity = .anonymous,
                  on snapshot: DocumentStore) -> FunctionOutcome {
        Self.query(spec, path: path, arguments: arguments, store: snapshot, environment: environment(for: identity))
    }

    /// A query cannot write (the config refuses write behaviours on queries); whatever writes
    /// it produced would be dropped here.
    private static func query(_ spec: FunctionSpec, path: FunctionPath, arguments: [ConvexValue], store: DocumentStore,
                              environment: FunctionRunner.Environment) -> FunctionOutcome {
        var allocator = IdAllocator()
        return FunctionRunner.run(spec, path: path, arguments: arguments, store: store, allocator: &allocator, environment: environment).outcome
    }

    /// The latest durable commit's timestamp.
    var latestTimestamp: UInt64 { database.latestTimestamp }

    /// A read of the durable state, for tests and the control API.
    func withStore<T>(_ body: (DocumentStore) -> T) -> T {
        database.read(body)
    }
}
