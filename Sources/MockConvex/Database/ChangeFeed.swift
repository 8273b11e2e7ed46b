import EventHTTP

/// One durable commit as the change feed announces it: its timestamp and what it wrote.
struct CommitRecord: Sendable {
    let timestamp: UInt64
    let writes: [StoreWrite]

    /// Everything was replaced (`/_mock/reset`): every reader is affected.
    var replacesEverything: Bool {
        writes.contains { if case .clearAll = $0 { true } else { false } }
    }

    /// The tables whose contents changed, `_storage` and `_scheduled_functions` included.
    var tables: Set<String> {
        Set(writes.compactMap { write -> String? in
            switch write {
            case .insertDocument(let table, _), .updateDocument(let table, _), .deleteDocument(let table, _): table
            case .insertFile, .deleteFile: DocumentStore.storageTable
            case .putJob, .deleteJob: DocumentStore.scheduledFunctionsTable
            case .declareTable, .clearAll: nil
            }
        })
    }

    /// The ids of the documents (and file and job rows) written.
    var documentIds: Set<DocumentId> {
        Set(writes.compactMap { write -> DocumentId? in
            switch write {
            case .insertDocument(_, let document), .updateDocument(_, let document): document.id
            case .deleteDocument(_, let id), .deleteJob(let id): id
            case .insertFile(let file), .deleteFile(let file): file.id
            case .putJob(let job): job.id
            case .declareTable, .clearAll: nil
            }
        })
    }
}

/// Who hears of every durable commit, in commit order: the scheduler (to start the timers of
/// new jobs) and, later, live-query sessions. Handlers run while the database is locked, so
/// each only hands the record on (to its own loop or thread) and returns.
final class ChangeFeed: Sendable {
    typealias Handler = @Sendable (CommitRecord) -> Void

    private struct State {
        var handlers: [Int: Handler] = [:]
        var nextToken = 0
    }

    private let state = Locked(State())

    /// Starts delivering commits to `handler`; the token stops it.
    @discardableResult
    func subscribe(_ handler: @escaping Handler) -> Int {
        state.withLock { state in
            defer { state.nextToken += 1 }
            state.handlers[state.nextToken] = handler
            return state.nextToken
        }
    }

    func unsubscribe(_ token: Int) {
        state.withLock { _ = $0.handlers.removeValue(forKey: token) }
    }

    func publish(_ record: CommitRecord) {
        let handlers = state.withLock { Array($0.handlers.values) }
        for handler in handlers { handler(record) }
    }
}
