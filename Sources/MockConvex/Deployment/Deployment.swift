import EventHTTP

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one emulated deployment every listener and loop serves. Its state sits behind a mutex:
/// with several loops, access is serialised. With a data directory, every write is committed
/// there before it is applied and acknowledged.
public final class Deployment: Sendable {
    public let settings: DeploymentSettings
    public let blobs: any BlobStore
    private let uploadTokens: UploadTokens
    private let scheduler = JobScheduler()
    /// Unix seconds; tests move it to expire upload tokens.
    private let clock: @Sendable () -> Int64
    /// What `reset()` goes back to.
    private let initialConfig: DeploymentConfig
    private let seedFiles: [SeedFile]

    struct State {
        var config: DeploymentConfig
        var store = DocumentStore()
        var allocator = IdAllocator()
        /// Nanoseconds since the epoch of the latest commit; what `/api/query_ts` reports.
        var latestTimestamp: UInt64
        var directory: DataDirectory?
        /// Outcomes of mutations that action callbacks identified, so that a retry returns the
        /// first result instead of running again.
        var identifiedMutations = IdentifiedMutations()
    }

    private let state: Locked<State>
    /// The port the site listener got, for the default site origin.
    private let sitePort = Locked(3211)

    /// A config file's seed file, read by the caller.
    public struct SeedFile: Sendable {
        public let bytes: [UInt8]
        public let contentType: String?

        public init(bytes: [UInt8], contentType: String?) {
            self.bytes = bytes
            self.contentType = contentType
        }
    }

    /// Everything in memory, seeded from the config.
    public convenience init(settings: DeploymentSettings, config: DeploymentConfig, seedFiles: [SeedFile] = [],
                            clock: @escaping @Sendable () -> Int64 = Deployment.unixSeconds) {
        // Memory cannot fail to take a write.
        try! self.init(settings: settings, config: config, seedFiles: seedFiles, directory: nil, clock: clock)
    }

    /// With `directory`, what it holds is loaded and the config's seeds are written only the
    /// first time.
    public init(settings: DeploymentSettings, config: DeploymentConfig, seedFiles: [SeedFile] = [], directory: sending DataDirectory?,
                clock: @escaping @Sendable () -> Int64 = Deployment.unixSeconds) throws(PersistenceError) {
        self.settings = settings
        self.clock = clock
        initialConfig = config
        self.seedFiles = seedFiles
        blobs = directory?.blobs ?? MemoryBlobStore()
        uploadTokens = UploadTokens(instanceSecret: settings.instanceSecret, instanceName: settings.instanceName)
        var initial = State(config: config, latestTimestamp: Self.nowNanoseconds(), directory: directory)
        let contents = try directory?.load() ?? DataDirectory.Contents()
        for (name, number) in contents.tableNumbers { initial.store.restoreTableNumber(name, number: number) }
        for table in config.tables where initial.store.tableNumbers.number(of: table) == nil {
            initial.store.declareTable(table)
            try directory?.saveTableNumber(table, initial.store.tableNumbers.number(of: table)!)
        }
        var restored: [StoreWrite] = contents.documents.map { .insertDocument(table: $0.table, $0.document) }
        restored += contents.files.map(StoreWrite.insertFile)
        restored += contents.jobs.map(StoreWrite.putJob)
        initial.store.apply(restored)
        for write in restored { initial.allocator.noteExisting(write.creationTime) }
        state = Locked(initial)
        scheduler.setRunner { [weak self] id, loop in self?.runJob(id, on: loop) }
        armPending(restored)
        if !contents.seeded {
            try seed(config: config, files: seedFiles)
            try state.withLock { (state) throws(PersistenceError) in try state.directory?.saveMeta("seeded", "true") }
        }
    }

    private func seed(config: DeploymentConfig, files: [SeedFile]) throws(PersistenceError) {
        for (table, documents) in config.documents {
            for fields in documents {
                try commit { state in
                    let (id, creationTime) = state.allocator.next(tableNumber: state.store.tableNumbers.number(of: table)!)
                    return [.insertDocument(table: table, Document(id: id, creationTime: creationTime, fields: fields))]
                }
            }
        }
        for file in files {
            do {
                _ = try storeUpload(RequestBody(file.bytes), contentType: file.contentType, expectedSHA256: nil)
            } catch {
                throw PersistenceError("cannot store a seed file: \(error.message)")
            }
        }
    }

    /// Makes the writes `produce` returns durable, then applies them; all under the lock.
    private func commit(_ produce: (inout State) -> [StoreWrite]) throws(PersistenceError) {
        let writes = try state.withLock { (state) throws(PersistenceError) -> [StoreWrite] in
            let writes = produce(&state)
            try state.directory?.commit(writes)
            state.store.apply(writes)
            return writes
        }
        armPending(writes)
    }

    /// Starts the timers of scheduled functions that `writes` made pending.
    private func armPending(_ writes: [StoreWrite]) {
        let now = Self.nowMilliseconds()
        for case .putJob(let job) in writes where job.state == .pending {
            scheduler.arm(job, now: now)
        }
    }

    /// Stops running scheduled functions (at shutdown).
    public func stopScheduler() {
        scheduler.stop()
    }

    deinit {
        // The last reference may go on the scheduler's own thread, which must not wait for itself.
        scheduler.stop(wait: false)
    }

    /// `--convex-site`, or the site listener's own address.
    public var siteOrigin: String {
        settings.siteOrigin ?? "http://127.0.0.1:\(sitePort.withLock { $0 })"
    }

    /// Called once the site listener is bound.
    public func noteSitePort(_ port: Int) {
        sitePort.withLock { $0 = port }
    }

    // MARK: Control

    /// Back to the start, in one step: every document, file and scheduled function gone (and
    /// durably so), then the config's functions, routes and seeds restored.
    public func reset() throws(PersistenceError) {
        var removed: [StoredFile] = []
        try commit { state in
            removed = state.store.allFiles
            state.config = initialConfig
            state.identifiedMutations = IdentifiedMutations()
            for table in initialConfig.tables where state.store.tableNumbers.number(of: table) == nil {
                state.store.declareTable(table)
            }
            return [.clearAll]
        }
        for file in removed { blobs.remove(uuid: file.uuid) }
        try state.withLock { (state) throws(PersistenceError) in
            for table in initialConfig.tables {
                try state.directory?.saveTableNumber(table, state.store.tableNumbers.number(of: table)!)
            }
        }
        try seed(config: initialConfig, files: seedFiles)
    }

    /// Declares or replaces a function at run time; its tables get numbers now.
    public func setFunction(_ path: FunctionPath, _ spec: FunctionSpec, source: JSON) throws(PersistenceError) {
        try state.withLock { (state) throws(PersistenceError) in
            state.config.setFunction(path, spec, source: source)
            if let table = spec.behaviour.table, !FunctionSpec.readableSystemTables.contains(table),
               state.store.tableNumbers.number(of: table) == nil {
                state.store.declareTable(table)
                try state.directory?.saveTableNumber(table, state.store.tableNumbers.number(of: table)!)
            }
        }
    }

    /// Removes a function declared by the config or at run time; false if there was none.
    public func removeFunction(_ path: FunctionPath) -> Bool {
        state.withLock { $0.config.removeFunction(path) }
    }

    /// The declared functions as they were declared, in order.
    public var functionDeclarations: [(path: FunctionPath, source: JSON)] {
        state.withLock { state in state.config.functionPaths.map { ($0, state.config.functionSources[$0] ?? .null) } }
    }

    /// Replaces every HTTP route at run time.
    public func setHTTPRoutes(_ routes: [HTTPRouteSpec], sources: [JSON]) {
        state.withLock { state in
            state.config.httpRoutes = routes
            state.config.httpRouteSources = sources
        }
    }

    /// The HTTP routes as they were declared.
    public var httpRouteDeclarations: [JSON] {
        state.withLock { $0.config.httpRouteSources }
    }

    /// Every document by table, every file's metadata and every scheduled function, as they are now.
    public func contents() -> (tables: [(name: String, documents: [Document])], files: [StoredFile], jobs: [ScheduledJob]) {
        state.withLock { state in
            (state.store.tableNames.map { ($0, state.store.list($0)) }, state.store.allFiles, state.store.allJobs)
        }
    }

    // MARK: Credentials

    /// Checks credentials the way the backend does after reading the body: a wrong admin key
    /// is 401 everywhere; a JWT cannot be accepted since no auth provider is configured.
    public func authenticate(_ credentials: Credentials) throws(ConvexAPIError) -> Identity {
        switch credentials {
        case .none:
            return .anonymous
        case .adminKey(let key):
            guard SecretComparison.equal(Array(key.utf8), Array(settings.adminKey.utf8)) else {
                throw ConvexAPIError.unauthenticated("BadAdminKey", "The provided admin key was invalid for this instance")
            }
            return .admin
        case .bearer(let token):
            throw JWTCheck.rejection(for: token)
        }
    }

    // MARK: Functions

    /// A function the config declares, or a built-in one.
    public func function(_ path: FunctionPath) -> FunctionSpec? {
        state.withLock { $0.config.functions[path] } ?? BuiltInFunctions.specs[path]
    }

    public var httpRoutes: [HTTPRouteSpec] {
        state.withLock { $0.config.httpRoutes }
    }

    /// The config's faults, for the control API to install at start and after a reset.
    public var initialFaults: [JSON] { initialConfig.faults }

    /// Whether the port-80 debug routes answer (`"debugRoutes": false` turns them off).
    public var debugRoutesEnabled: Bool {
        state.withLock { $0.config.debugRoutes }
    }

    private var environment: FunctionRunner.Environment {
        let tokens = uploadTokens
        let clock = self.clock
        return FunctionRunner.Environment(origin: settings.convexOrigin) { tokens.issue(issuedAt: clock()) }
    }

    /// Runs a function's behaviour under the lock. Its writes are committed (durably, with a
    /// data directory) before they are applied; if that fails, nothing changed and the caller
    /// gets the storage error instead of the outcome.
    ///
    /// A mutation with an `identifier` (an action callback's `mutationIdentifier`) that already
    /// succeeded is not run again: its first outcome is returned.
    public func run(_ spec: FunctionSpec, path: FunctionPath, arguments: [ConvexValue], identifier: String? = nil) throws(ConvexAPIError) -> FunctionOutcome {
        let environment = self.environment
        let (outcome, writes): (FunctionOutcome, [StoreWrite]) = try state.withLock { (state) throws(ConvexAPIError) in
            if let identifier, let earlier = state.identifiedMutations[identifier] { return (earlier, []) }
            let (outcome, writes) = FunctionRunner.run(spec, path: path, arguments: arguments, store: state.store,
                                                       allocator: &state.allocator, environment: environment)
            do throws(PersistenceError) {
                try state.directory?.commit(writes)
            } catch {
                throw StorageFailure.response(for: error)
            }
            state.store.apply(writes)
            if !writes.isEmpty {
                state.latestTimestamp = max(state.latestTimestamp + 1, Self.nowNanoseconds())
            }
            if let identifier, case .success = outcome.result { state.identifiedMutations[identifier] = outcome }
            return (outcome, writes)
        }
        // A deleted file's bytes go once its row is gone for good.
        for case .deleteFile(let file) in writes { blobs.remove(uuid: file.uuid) }
        armPending(writes)
        return outcome
    }

    /// The store as it is now: what a query starting now reads, however long it then takes.
    public func snapshot() -> DocumentStore {
        state.withLock { $0.store }
    }

    /// Runs a query on a store read earlier (`snapshot()`); a query cannot write.
    public func runQuery(_ spec: FunctionSpec, path: FunctionPath, arguments: [ConvexValue], on snapshot: DocumentStore) -> FunctionOutcome {
        precondition(!spec.behaviour.writes, "a query cannot write")
        var allocator = IdAllocator()
        return FunctionRunner.run(spec, path: path, arguments: arguments, store: snapshot, allocator: &allocator, environment: environment).outcome
    }

    public var latestTimestamp: UInt64 {
        state.withLock { $0.latestTimestamp }
    }

    /// A read of the store, for tests and the control API.
    public func withStore<T>(_ body: (DocumentStore) -> T) -> T {
        state.withLock { body($0.store) }
    }

    // MARK: Scheduling

    /// `schedule_job`: checks the function as the backend does, then stores the job; its
    /// timer starts once it is durable.
    public func scheduleJob(_ path: FunctionPath, arguments: [ConvexValue], at seconds: Double) throws(ConvexAPIError) -> ScheduledJob {
        guard function(path) != nil else {
            let moduleExists = state.withLock { state in state.config.functionPaths.contains { $0.module == path.module } }
                || BuiltInFunctions.paths.contains { $0.module == path.module }
            throw .badRequest("InvalidScheduledFunction", moduleExists
                ? "Attempted to schedule function, but no exported function \(path.function) found in the file: \(path.module). Did you forget to export it?"
                : "Attempted to schedule function at nonexistent path: \(path.module)")
        }
        var scheduled: ScheduledJob?
        do {
            try commit { state in
                let (id, creationTime) = state.allocator.next(tableNumber: TableNumbers.system[DocumentStore.scheduledFunctionsTable]!)
                let job = ScheduledJob(id: id, creationTime: creationTime, path: path, arguments: arguments, scheduledTime: seconds * 1000)
                scheduled = job
                return [.putJob(job)]
            }
        } catch {
            throw StorageFailure.response(for: error)
        }
        return scheduled!
    }

    /// `cancel_job`: a pending job will not run; one that finished stays as it ended.
    public func cancelJob(_ id: DocumentId) throws(ConvexAPIError) {
        do {
            try commit { state in
                guard var job = state.store.job(id), !job.state.isFinished else { return [] }
                job.state = .canceled
                job.completedTime = Self.nowMilliseconds()
                return [.putJob(job)]
            }
        } catch {
            throw StorageFailure.response(for: error)
        }
    }

    /// Runs a job whose time has come, on the scheduler's loop, and records how it ended.
    private func runJob(_ id: DocumentId, on loop: EventLoop) {
        guard let job = state.withLock({ $0.store.job(id) }), job.state == .pending else { return }
        guard let spec = function(job.path) else {
            finish(id, .failed("Could not find function for '\(job.path.stripped)'"))
            return
        }
        finish(id, .inProgress)
        let execute = { [self] in
            do throws(ConvexAPIError) {
                let outcome = try run(spec, path: job.path, arguments: job.arguments)
                switch outcome.result {
                case .success: finish(id, .success)
                case .failure(let failure): finish(id, .failed(failure.message))
                }
            } catch {
                finish(id, .failed(error.message))
            }
        }
        if spec.delayMs > 0 { loop.schedule(after: .milliseconds(spec.delayMs), execute) } else { execute() }
    }

    /// Records a job's new state; a cancelled job stays cancelled.
    private func finish(_ id: DocumentId, _ newState: ScheduledJob.State) {
        try? commit { state in
            guard var job = state.store.job(id), job.state != .canceled else { return [] }
            job.state = newState
            if newState.isFinished { job.completedTime = Self.nowMilliseconds() }
            return [.putJob(job)]
        }
    }

    // MARK: Storage

    /// Nil when an upload token is good now; otherwise the backend's 401.
    public func checkUploadToken(_ token: String) -> ConvexAPIError? {
        uploadTokens.check(token, now: clock())
    }

    /// Stores an upload: the bytes first (durably, with a data directory), then the `_storage`
    /// row. A digest that does not match leaves nothing behind.
    public func storeUpload(_ body: RequestBody, contentType: String?, expectedSHA256: [UInt8]?) throws(ConvexAPIError) -> StoredFile {
        let uuid = state.withLock { $0.allocator.uuid() }
        let written: (sha256: [UInt8], size: Int)
        do {
            written = try blobs.write(body, uuid: uuid)
        } catch {
            throw StorageFailure.response(for: error)
        }
        if let expectedSHA256, expectedSHA256 != written.sha256 {
            blobs.remove(uuid: uuid)
            throw .badRequest("Sha256Mismatch", "Sha256 mismatch. Expected: \(Base64.encode(expectedSHA256)) Actual: \(Base64.encode(written.sha256))")
        }
        var stored: StoredFile?
        do {
            try commit { state in
                let (id, creationTime) = state.allocator.next(tableNumber: TableNumbers.system[DocumentStore.storageTable]!)
                let file = StoredFile(id: id, uuid: uuid, creationTime: creationTime, sha256: written.sha256, size: written.size, contentType: contentType)
                stored = file
                return [.insertFile(file)]
            }
        } catch {
            blobs.remove(uuid: uuid)
            throw StorageFailure.response(for: error)
        }
        return stored!
    }

    /// A new upload URL, as `generateUploadUrl` makes them.
    public func uploadURL() -> String {
        StorageCalls.uploadURL(origin: settings.convexOrigin, token: uploadTokens.issue(issuedAt: clock()))
    }

    /// Deletes a file (a storage callback); its bytes go once the row is gone.
    public func deleteFile(_ file: StoredFile) throws(ConvexAPIError) {
        do {
            try commit { state in state.store.file(file.id) == nil ? [] : [.deleteFile(file)] }
        } catch {
            throw StorageFailure.response(for: error)
        }
        blobs.remove(uuid: file.uuid)
    }

    /// The file a download URL names, by its normalised UUID.
    public func file(uuid: String) -> StoredFile? {
        state.withLock { $0.store.file(uuid: uuid) }
    }

    // MARK: Helpers

    public static let unixSeconds: @Sendable () -> Int64 = {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec)
    }

    static func nowMilliseconds() -> Double {
        Double(nowNanoseconds()) / 1e6
    }

    static func nowNanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }
}

extension StoreWrite {
    var creationTime: Double {
        switch self {
        case .insertDocument(_, let document), .updateDocument(_, let document): document.creationTime
        case .insertFile(let file), .deleteFile(let file): file.creationTime
        case .putJob(let job): job.creationTime
        case .deleteDocument, .clearAll: 0
        }
    }
}

/// How a failure to make a write durable reaches the client.
enum StorageFailure {
    static func response(for error: PersistenceError) -> ConvexAPIError {
        if error.diskFull {
            return ConvexAPIError(status: 507, code: "InsufficientStorage",
                                  message: "The disk holding the data directory is full, so nothing was stored: \(error.description). Free some space and retry.")
        }
        return ConvexAPIError(status: 500, code: "StorageFailure", message: "The data directory could not store this: \(error.description)")
    }
}
