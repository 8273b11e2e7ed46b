/// What the control API changes: resets and runtime declarations.
extension Deployment {
    /// Back to the start, in one transaction: every document, file and scheduled function
    /// gone, the config's seeds written, remembered mutation outcomes forgotten; once that is
    /// durable, the config's functions and routes are restored, their sequences rewound. A
    /// kill at any moment leaves either everything before or everything after.
    func reset(_ reply: Reply<Result<Void, PersistenceError>>) {
        let seeds: [(staged: StagedUpload, contentType: String?)]
        do {
            seeds = try stageSeeds()
        } catch {
            return reply.now(.failure(error))
        }
        let config = initialConfig.withRewoundSequences()
        let files = self.files
        let registry = self.registry
        database.transact(reply.map { (result: Result<Committed<Void>, PersistenceError>) in
            switch result {
            case .success:
                registry.replace(with: FunctionRegistry(config))
                return .success(())
            case .failure(let error):
                seeds.forEach { $0.staged.staged.discard() }
                return .failure(error)
            }
        }) { store, _, allocator in
            let declared = store.declarations(for: config.tables)
            let seeding = Self.seedChange(config, seeds, tables: store.tableNumbers, declared: declared, allocator: &allocator)
            var change = Change((), writes: [.clearAll] + declared + seeding.writes)
            change.blobs = seeding.blobs
            change.forgetsIdentified = true
            // The old files' bytes go once nothing names them any more.
            change.afterCommit = files.removals(of: store.allFiles.map(StoreWrite.deleteFile))
            return change
        }
    }

    /// Declares or replaces a function at run time. A table it names for the first time gets
    /// its number first (durably); the registry changes once that is done.
    func setFunction(_ path: FunctionPath, _ spec: FunctionSpec, source: JSON, _ reply: Reply<Result<Void, PersistenceError>>) {
        let registry = self.registry
        let tables = spec.behaviour.table.map { FunctionSpec.readableSystemTables.contains($0) ? [] : [$0] } ?? []
        database.transact(reply.map { (result: Result<Committed<Void>, PersistenceError>) in
            result.map { _ in registry.update { $0.setFunction(path, spec, source: source) } }
        }) { store, _, _ in
            Change((), writes: store.declarations(for: tables))
        }
    }

    /// Removes a function declared by the config or at run time; false if there was none.
    func removeFunction(_ path: FunctionPath) -> Bool {
        registry.update { $0.removeFunction(path) }
    }

    /// The declared functions as they were declared, in order.
    var functionDeclarations: [(path: FunctionPath, source: JSON)] {
        registry.registry.functionDeclarations
    }

    /// Replaces every HTTP route at run time.
    func setHTTPRoutes(_ routes: [HTTPRouteSpec], sources: [JSON]) {
        registry.update { config in
            config.httpRoutes = routes
            config.httpRouteSources = sources
        }
    }

    /// The HTTP routes as they were declared.
    var httpRouteDeclarations: [JSON] {
        registry.registry.config.httpRouteSources
    }

    var httpRoutes: [HTTPRouteSpec] { registry.registry.httpRoutes }

    /// Whether the port-80 debug routes answer (`"debugRoutes": false` turns them off).
    var debugRoutesEnabled: Bool { registry.registry.debugRoutes }

    /// Every document by table, every file's metadata and every scheduled function, as readers
    /// see them now.
    func contents() -> (tables: [(name: String, documents: [Document])], files: [StoredFile], jobs: [ScheduledJob]) {
        database.read { store in
            (store.tableNames.map { ($0, store.list($0)) }, store.allFiles, store.allJobs)
        }
    }
}
