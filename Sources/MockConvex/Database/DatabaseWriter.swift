import EventHTTP

/// The one thread that writes to the data directory. It takes every commit queued since its
/// last group, makes their staged blobs durable (fsync, rename, one directory fsync), writes
/// them in one SQLite transaction (one fsync), and only then shows them to readers, announces
/// them and answers their transactions. Writers arriving meanwhile form the next group: the
/// more concurrent writers, the more commits per fsync.
///
/// If a group cannot be made durable, it and everything queued after it (which may have read
/// it) fail, and the working state goes back to the durable one.
final class DatabaseWriter: Sendable {
    private let thread: EventLoopThread
    /// Reached only on the writer's thread.
    private let directory: LoopBound<DataDirectory>
    /// Set once the thread was told to stop (and joined or detached).
    private let stopped = Locked(false)
    /// How many groups (SQLite transactions) were written, and how many commits they held.
    let counts = Locked((groups: 0, commits: 0))

    init(directory: sending DataDirectory) throws(PersistenceError) {
        let loop: EventLoop
        do {
            loop = try EventLoop()
        } catch {
            throw PersistenceError("cannot start the data directory's writer: \(error)")
        }
        self.directory = LoopBound(directory, on: loop.handle)
        do {
            thread = try EventLoopThread(running: loop)
        } catch {
            throw PersistenceError("cannot start the data directory's writer: \(error)")
        }
    }

    /// Called (outside the database's lock) when the queue became non-empty while idle.
    func wake(_ database: Database) {
        let queued = directory.run { [self] directory in drain(database, directory) }
        if !queued { Self.failEverything(database, .closed) }
    }

    /// Finishes what is queued, then ends the thread. Never call it on the writer's thread.
    func stop() {
        guard stopped.withLock({ stopped in defer { stopped = true }; return !stopped }) else { return }
        thread.execute { $0.stop() }
        thread.join()
    }

    deinit {
        // A database dropped without `close()` (tests): the thread ends on its own once it has
        // written what was queued, and lets go of the directory and its lock.
        if stopped.withLock({ stopped in defer { stopped = true }; return !stopped }) {
            thread.execute { $0.stop() }
            thread.detach()
        }
    }

    /// Runs `work` on the writer's thread, between groups: tests use it to hold the writer (as
    /// a slow disk would) and see that readers go on.
    func onWriterThread(_ work: @escaping @Sendable () -> Void) {
        thread.execute { _ in work() }
    }

    private func drain(_ database: Database, _ directory: DataDirectory) {
        while true {
            let group: [PendingCommit]? = database.state.withLock { state in
                guard !state.queue.isEmpty else {
                    state.writerBusy = false
                    return nil
                }
                defer { state.queue = [] }
                return state.queue
            }
            guard let group else { return }
            let outcome = Result { () throws(GroupFailure) in try Self.makeDurable(group, in: directory) }
            switch outcome {
            case .success:
                let written = group.filter { !$0.orderingOnly }.count
                if written > 0 { counts.withLock { $0.groups += 1; $0.commits += written } }
                let timestamp: UInt64 = database.state.withLock { state in
                    for commit in group where !commit.orderingOnly {
                        state.durable?.apply(commit)
                        database.feed.publish(CommitRecord(timestamp: commit.timestamp, writes: commit.writes))
                    }
                    return state.durable?.timestamp ?? state.workingTimestamp
                }
                for commit in group {
                    commit.afterCommit.forEach { $0() }
                    commit.complete(.success(commit.orderingOnly ? timestamp : commit.timestamp))
                }
            case .failure(let failure):
                let queuedAfter: [PendingCommit] = database.state.withLock { state in
                    defer { state.queue = [] }
                    if let durable = state.durable {
                        state.working = durable.store
                        state.identified = durable.identified
                    }
                    return state.queue
                }
                // A commit SQLite may still replay (an I/O error at COMMIT: its frames may be in
                // the WAL) keeps its blobs: a restart removes those no row names. Otherwise
                // nothing of the group was kept and its bytes go now.
                if !failure.commitMayHaveHappened { group.forEach { $0.blobs.forEach { $0.discard() } } }
                queuedAfter.forEach { $0.blobs.forEach { $0.discard() } }
                for commit in group + queuedAfter { commit.complete(.failure(failure.error)) }
            }
        }
    }

    /// Why a group failed, and whether SQLite may have committed it all the same.
    struct GroupFailure: Error {
        let error: PersistenceError
        let commitMayHaveHappened: Bool
    }

    /// Blobs first (so that a committed row always has its bytes), then the rows.
    private static func makeDurable(_ group: [PendingCommit], in directory: DataDirectory) throws(GroupFailure) {
        do {
            var directories: Set<String> = []
            for commit in group {
                for blob in commit.blobs {
                    if let parent = try blob.makeDurable() { directories.insert(parent) }
                }
            }
            for parent in directories.sorted() { try DataDirectory.syncDirectory(parent) }
        } catch {
            throw GroupFailure(error: error, commitMayHaveHappened: false)
        }
        let commits = group.filter { !$0.orderingOnly }
        guard let latest = commits.last?.timestamp else { return }
        do {
            try directory.commit(commits, latestTimestamp: latest)
        } catch {
            // SQLite rolls back a transaction it could not grow (a full disk) or that broke a
            // constraint; after an I/O error at COMMIT the outcome is not known.
            throw GroupFailure(error: error, commitMayHaveHappened: error.ioError)
        }
    }

    /// The writer's thread is gone (shutdown): nothing queued can become durable.
    private static func failEverything(_ database: Database, _ error: PersistenceError) {
        let failed: [PendingCommit] = database.state.withLock { state in
            defer {
                state.queue = []
                state.writerBusy = false
            }
            return state.queue
        }
        for commit in failed {
            commit.blobs.forEach { $0.discard() }
            commit.complete(.failure(error))
        }
    }
}

extension Database.Durable {
    /// Applies a commit that has become durable to what readers see (in place: the optional
    /// holding this is mutated through, never copied).
    mutating func apply(_ commit: PendingCommit) {
        store.apply(commit.writes)
        if commit.forgetsIdentified { identified = IdentifiedMutations() }
        if let remembered = commit.identified { identified[remembered.identifier] = remembered.outcome }
        timestamp = commit.timestamp
    }
}
