import EventHTTP

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The deployment's documents, file rows and scheduled functions, with a monotonic commit
/// timestamp and a change feed.
///
/// Transactions run one at a time under a short lock against the *working* state: every commit,
/// durable or not yet. Readers see the *durable* state only. In memory the two are the same
/// and a commit is durable at once. With a data directory, commits queue for one writer thread
/// (`DatabaseWriter`) that makes each group durable with a single SQLite commit, then applies it
/// to what readers see, announces it on the change feed and answers each transaction on its
/// caller's loop. So no lock is ever held across an fsync: reads never wait for the disk, and
/// writers that arrive while one group is being written share the next group's fsync.
///
/// A transaction that only read still waits for the commits queued before it, since it may
/// have read them: nothing is acknowledged before what it saw is durable.
final class Database: Sendable {
    struct State {
        /// What transactions read and change.
        var working: DocumentStore
        var allocator = IdAllocator()
        var identified = IdentifiedMutations()
        var workingTimestamp: UInt64
        /// What readers see, with a data directory; nil in memory, where `working` is durable.
        var durable: Durable?
        /// Commits handed to the writer and not yet durable, oldest first.
        var queue: [PendingCommit] = []
        /// The writer has a group in hand, or is about to take one.
        var writerBusy = false
        /// Closed at shutdown: transactions are refused from then on.
        var closed = false
    }

    struct Durable {
        var store: DocumentStore
        var identified = IdentifiedMutations()
        var timestamp: UInt64
    }

    let state: Locked<State>
    let feed = ChangeFeed()
    /// Nil in memory.
    let writer: DatabaseWriter?

    /// `contents` is what a data directory held (empty in memory); `directory` is handed to the
    /// writer's thread, which from now on is the only one to touch it.
    init(contents: DataDirectory.Contents = DataDirectory.Contents(), directory: sending DataDirectory?) throws(PersistenceError) {
        var store = DocumentStore()
        var restored: [StoreWrite] = contents.tableNumbers.map { .declareTable(name: $0.name, number: $0.number) }
        restored += contents.documents.map { .insertDocument(table: $0.table, $0.document) }
        restored += contents.files.map(StoreWrite.insertFile)
        restored += contents.jobs.map(StoreWrite.putJob)
        store.apply(restored)
        var allocator = IdAllocator()
        for write in restored { allocator.noteExisting(write.creationTime) }
        // Monotonic across restarts, so that a client holding a timestamp never sees time go back.
        let timestamp = max(contents.latestTimestamp, Self.nowNanoseconds())
        var initial = State(working: store, workingTimestamp: timestamp)
        initial.allocator = allocator
        for (identifier, outcome) in contents.identified { initial.identified[identifier] = outcome }
        if let directory {
            initial.durable = Durable(store: store, identified: initial.identified, timestamp: timestamp)
            state = Locked(initial)
            writer = try DatabaseWriter(directory: directory)
        } else {
            state = Locked(initial)
            writer = nil
        }
    }

    // MARK: Reading

    /// Runs `body` on the durable state, under the lock: keep it short.
    func read<T>(_ body: (DocumentStore) throws -> T) rethrows -> T {
        try state.withLock { state in try body(state.durable?.store ?? state.working) }
    }

    /// The durable state as it is now, to read later (a copy shares storage until either
    /// changes) and its timestamp.
    func snapshot() -> (store: DocumentStore, timestamp: UInt64) {
        state.withLock { state in
            if let durable = state.durable { return (durable.store, durable.timestamp) }
            return (state.working, state.workingTimestamp)
        }
    }

    /// The latest durable commit's timestamp (`/api/query_ts`).
    var latestTimestamp: UInt64 {
        state.withLock { $0.durable?.timestamp ?? $0.workingTimestamp }
    }

    // MARK: Writing

    typealias Body<Value: Sendable> = (_ store: DocumentStore, _ identified: IdentifiedMutations, _ allocator: inout IdAllocator) -> Change<Value>

    /// Runs `body` against the working state, then answers `reply` once its change is durable:
    /// at once in memory (within this call), else from the writer, on the caller's loop. If
    /// making it durable fails, nothing of it (or of any later commit) stays, and `reply` gets
    /// the error.
    func transact<Value: Sendable>(_ reply: Reply<Result<Committed<Value>, PersistenceError>>, _ body: Body<Value>) {
        let next: TransactionNext<Value> = state.withLock { state in
            guard !state.closed else { return .answer(.failure(.closed), afterCommit: []) }
            let change = body(state.working, state.identified, &state.allocator)
            let idle = state.queue.isEmpty && !state.writerBusy
            if change.isReadOnly {
                if state.durable == nil || idle {
                    return .answer(.success(Committed(value: change.value, timestamp: state.durable?.timestamp ?? state.workingTimestamp)), afterCommit: [])
                }
                state.queue.append(PendingCommit(orderingOnly: { result in reply.later(result.map { Committed(value: change.value, timestamp: $0) }) }))
                return .queued(wakeWriter: false)
            }
            state.workingTimestamp = max(state.workingTimestamp &+ 1, Self.nowNanoseconds())
            let timestamp = state.workingTimestamp
            Self.apply(change, to: &state.working, &state.identified)
            guard state.durable != nil else {
                // In memory a commit is durable once applied; announced here, under the lock, so
                // that the feed sees commits in timestamp order whichever loop made them.
                feed.publish(CommitRecord(timestamp: timestamp, writes: change.writes))
                return .answer(.success(Committed(value: change.value, timestamp: timestamp)), afterCommit: change.afterCommit)
            }
            state.queue.append(PendingCommit(timestamp: timestamp, change: change) { result in
                reply.later(result.map { Committed(value: change.value, timestamp: $0) })
            })
            if idle { state.writerBusy = true }
            return .queued(wakeWriter: idle)
        }
        switch next {
        case .answer(let result, let afterCommit):
            afterCommit.forEach { $0() }
            reply.now(result)
        case .queued(let wakeWriter):
            if wakeWriter { writer?.wake(self) }
        }
    }

    /// `transact` for callers that are not event loops (start-up, tests): blocks until durable.
    func transactAndWait<Value: Sendable>(_ body: Body<Value>) -> Result<Committed<Value>, PersistenceError> {
        Reply.wait { reply in transact(reply, body) }
    }

    static func apply<Value>(_ change: Change<Value>, to store: inout DocumentStore, _ identified: inout IdentifiedMutations) {
        store.apply(change.writes)
        if change.forgetsIdentified { identified = IdentifiedMutations() }
        if let remembered = change.identified { identified[remembered.identifier] = remembered.outcome }
    }

    /// Refuses new transactions, lets the writer finish what is queued, and stops it. Returns
    /// once everything acknowledged is durable.
    func close() {
        state.withLock { $0.closed = true }
        writer?.stop()
    }

    static func nowNanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return UInt64(max(0, now.tv_sec)) * 1_000_000_000 + UInt64(max(0, now.tv_nsec))
    }
}

/// What a transaction leads to once its lock is released.
private enum TransactionNext<Value: Sendable> {
    case answer(Result<Committed<Value>, PersistenceError>, afterCommit: [@Sendable () -> Void])
    case queued(wakeWriter: Bool)
}

/// A change queued for the writer, with the way to answer its transaction.
struct PendingCommit: Sendable {
    let timestamp: UInt64
    /// Empty for a read-only transaction that only waits for the commits before it.
    let writes: [StoreWrite]
    let blobs: [any StagedBlob]
    let afterCommit: [@Sendable () -> Void]
    let meta: [(key: String, value: String)]
    let identified: (identifier: String, outcome: FunctionOutcome)?
    let forgetsIdentified: Bool
    /// The commit's timestamp, or why it could not be made durable.
    let complete: @Sendable (Result<UInt64, PersistenceError>) -> Void
    let orderingOnly: Bool

    init<Value>(timestamp: UInt64, change: Change<Value>, complete: @escaping @Sendable (Result<UInt64, PersistenceError>) -> Void) {
        self.timestamp = timestamp
        writes = change.writes
        blobs = change.blobs
        afterCommit = change.afterCommit
        meta = change.meta
        identified = change.identified
        forgetsIdentified = change.forgetsIdentified
        self.complete = complete
        orderingOnly = false
    }

    init(orderingOnly complete: @escaping @Sendable (Result<UInt64, PersistenceError>) -> Void) {
        timestamp = 0
        writes = []
        blobs = []
        afterCommit = []
        meta = []
        identified = nil
        forgetsIdentified = false
        self.complete = complete
        orderingOnly = true
    }
}

extension StoreWrite {
    /// The creation time of what the write stores, for the id allocator to stay ahead of.
    var creationTime: Double {
        switch self {
        case .insertDocument(_, let document), .updateDocument(_, let document): document.creationTime
        case .insertFile(let file), .deleteFile(let file): file.creationTime
        case .putJob(let job): job.creationTime
        case .deleteDocument, .deleteJob, .declareTable, .clearAll: 0
        }
    }
}
