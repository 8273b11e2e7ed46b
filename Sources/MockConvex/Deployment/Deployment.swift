import EventHTTP

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one emulated deployment every listener and loop serves, made of parts that each keep
/// their own state: the function registry (swapped whole, read without a lock), the database
/// (documents, file rows and scheduled functions, with its own writer), file storage and the
/// scheduler. Routes reach the parts through here.
public final class Deployment: Sendable {
    public let settings: DeploymentSettings
    let registry: RegistryCell
    let database: Database
    let files: FileStorage
    let scheduler: JobScheduler
    let callbackTokens: ActionCallbackTokens
    /// User tokens: the config's auth providers and the test issuer.
    let authenticator: Authenticator
    /// The sync sessions of every loop, for the control API.
    let syncSessions = SyncDirectory()
    /// Unix seconds; tests move it to expire tokens.
    let clock: @Sendable () -> Int64
    /// What `reset()` goes back to.
    let initialConfig: DeploymentConfig
    let seedFiles: [SeedFile]
    /// Rows of the data directory that could not be read and were left out, for the start-up
    /// report.
    public let unreadableRows: [String]
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
    /// first time. The directory then belongs to the database's writer.
    public init(settings: DeploymentSettings, config: DeploymentConfig, seedFiles: [SeedFile] = [], directory: sending DataDirectory?,
                clock: @escaping @Sendable () -> Int64 = Deployment.unixSeconds) throws(PersistenceError) {
        self.settings = settings
        self.clock = clock
        initialConfig = config
        self.seedFiles = seedFiles
        let testIssuer = settings.testIssuerEnabled ? TestIssuer(issuer: settings.convexOrigin + "/_mock/auth", dataDirectory: directory?.path) : nil
        authenticator = Authenticator(providers: config.authProviders, testIssuer: testIssuer, tls: settings.outboundTLS)
        let contents = try directory?.load() ?? DataDirectory.Contents()
        unreadableRows = contents.unreadable
        let blobs: any BlobStore = directory?.blobs ?? MemoryBlobStore()
        database = try Database(contents: contents, directory: directory)
        registry = RegistryCell(FunctionRegistry(config))
        files = FileStorage(blobs: blobs, database: database, settings: settings, clock: clock)
        callbackTokens = ActionCallbackTokens(instanceSecret: settings.instanceSecret, instanceName: settings.instanceName)
        // Started now, so that arming a job later cannot fail.
        let scheduler: JobScheduler
        do {
            scheduler = try JobScheduler()
        } catch {
            throw PersistenceError("cannot start the scheduler's thread: \(error)")
        }
        self.scheduler = scheduler
        // Timers follow the jobs once their commits are durable, whoever made them.
        database.feed.subscribe { record in
            for write in record.writes {
                switch write {
                case .putJob(let job) where job.state == .pending: scheduler.arm(job.id, at: job.scheduledTime)
                case .putJob(let job): scheduler.disarm(job.id)
                case .deleteJob(let id): scheduler.disarm(id)
                case .clearAll: scheduler.disarmAll()
                default: break
                }
            }
        }
        scheduler.setRunner { [weak self] id, loop in self?.runJob(id, on: loop) }
        try start(seeded: contents.seeded)
    }

    /// One transaction at start: the config's tables get their numbers, the seeds are written
    /// (the first time, with a data directory), and jobs a stop interrupted are settled. Then
    /// every pending job gets its timer.
    private func start(seeded: Bool) throws(PersistenceError) {
        let seeds = seeded ? [] : try stageSeeds()
        let registry = registry.registry
        let result = database.transactAndWait { store, _, allocator in
            var change = Change((), writes: store.declarations(for: initialConfig.tables))
            if !seeded {
                let seeding = Self.seedChange(initialConfig, seeds, tables: store.tableNumbers, declared: change.writes, allocator: &allocator)
                change.writes += seeding.writes
                change.blobs = seeding.blobs
                change.meta = [("seeded", "true")]
            }
            change.writes += Self.interruptedJobs(in: store, registry: registry, now: JobScheduler.unixMilliseconds())
            return change
        }
        if case .failure(let error) = result {
            seeds.forEach { $0.staged.staged.discard() }
            throw error
        }
        for job in database.read({ $0.allJobs }) where job.state == .pending {
            scheduler.arm(job.id, at: job.scheduledTime)
        }
    }

    /// The config's seed files staged, ready for a seeding transaction.
    func stageSeeds() throws(PersistenceError) -> [(staged: StagedUpload, contentType: String?)] {
        var staged: [(staged: StagedUpload, contentType: String?)] = []
        for file in seedFiles {
            do {
                staged.append((try files.stageSeed(file.bytes), file.contentType))
            } catch {
                staged.forEach { $0.staged.staged.discard() }
                throw PersistenceError("cannot store a seed file: \(error.description)", diskFull: error.diskFull)
            }
        }
        return staged
    }

    /// The seed documents and file rows of `config`, with ids in tables numbered by `tables`
    /// plus the `declared` writes of the same transaction.
    static func seedChange(_ config: DeploymentConfig, _ seeds: [(staged: StagedUpload, contentType: String?)], tables: TableNumbers,
                           declared: [StoreWrite], allocator: inout IdAllocator) -> (writes: [StoreWrite], blobs: [any StagedBlob]) {
        var numbers = tables
        for case .declareTable(let name, let number) in declared { numbers.restore(name, number: number) }
        var writes: [StoreWrite] = []
        for (table, documents) in config.documents {
            guard let number = numbers.number(of: table) else { continue }
            for fields in documents {
                let (id, creationTime) = allocator.next(tableNumber: number)
                writes.append(.insertDocument(table: table, Document(id: id, creationTime: creationTime, fields: fields)))
            }
        }
        for seed in seeds {
            let (id, creationTime) = allocator.next(tableNumber: TableNumbers.storage)
            writes.append(.insertFile(StoredFile(id: id, uuid: seed.staged.uuid, creationTime: creationTime, sha256: seed.staged.sha256,
                                                 size: seed.staged.size, contentType: seed.contentType)))
        }
        return (writes, seeds.map(\.staged.staged))
    }

    /// Stops running scheduled functions and lets the database finish writing what it
    /// acknowledged (at shutdown, once no request is left).
    public func close() {
        scheduler.stop()
        database.close()
    }

    deinit {
        // The last reference may go on the scheduler's own thread, which must not wait for itself.
        scheduler.stop(wait: false)
    }

    // MARK: Settings

    /// `--convex-site`, or the site listener's own address.
    public var siteOrigin: String {
        settings.siteOrigin ?? "http://127.0.0.1:\(sitePort.withLock { $0 })"
    }

    /// Called once the site listener is bound.
    func noteSitePort(_ port: Int) {
        sitePort.withLock { $0 = port }
    }

    /// The config's faults, for the control API to install at start and after a reset.
    var initialFaults: [JSON] { initialConfig.faults }

    // MARK: Credentials

    /// Checks credentials the way the backend does after reading the body: a wrong admin key
    /// is 401 everywhere; a user token must satisfy an auth provider. `completion` runs on
    /// `loop`, before this returns unless a provider's keys had to be fetched.
    func authenticate(_ credentials: Credentials, on loop: EventLoop, _ completion: @escaping (Result<Identity, ConvexAPIError>) -> Void) {
        switch credentials {
        case .none:
            completion(.success(.anonymous))
        case .adminKey(let key):
            guard SecretComparison.equal(Array(key.utf8), Array(settings.adminKey.utf8)) else {
                return completion(.failure(ConvexAPIError.unauthenticated("BadAdminKey", "The provided admin key was invalid for this instance")))
            }
            completion(.success(.admin))
        case .bearer(let token):
            authenticator.validate(token, now: clock(), on: loop) { completion($0.map(Identity.user)) }
        }
    }

    /// A callback token for a Node action of this deployment (the emulation, or a test).
    func issueCallbackToken() -> String {
        callbackTokens.issue(issuedAt: clock())
    }

    /// Nil when `token` is a callback token this deployment issued and still honours.
    func checkCallbackToken(_ token: String?) -> ConvexAPIError? {
        callbackTokens.check(token, now: clock())
    }

    public static let unixSeconds: @Sendable () -> Int64 = {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec)
    }

    static func nowMilliseconds() -> Double {
        JobScheduler.unixMilliseconds()
    }
}
