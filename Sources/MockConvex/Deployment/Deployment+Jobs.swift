import EventHTTP

/// Scheduled functions: scheduling and cancelling them, and running them at their time, as the
/// backend does. A mutation's writes and its job's final state commit together, so it runs
/// exactly once across crashes; an action is marked in progress before it runs and is not run
/// again after a crash (at most once), as the backend marks it failed instead.
extension Deployment {
    /// What a stop leaves of a job that was running: an action failed, as the backend settles
    /// it; anything else runs again.
    static let interruptedActionMessage = "Transient error while executing action"

    /// `schedule_job`: checks the function as the backend does, then stores the job; its timer
    /// starts once it is durable. `milliseconds` is the Unix time it is due.
    func scheduleJob(_ path: FunctionPath, arguments: [ConvexValue], at milliseconds: Double, _ reply: Reply<Result<ScheduledJob, ConvexAPIError>>) {
        let registry = registry.registry
        guard registry.function(path) != nil else {
            return reply.now(.failure(.badRequest("InvalidScheduledFunction", registry.hasModule(of: path)
                ? "Attempted to schedule function, but no exported function \(path.function) found in the file: \(path.module). Did you forget to export it?"
                : "Attempted to schedule function at nonexistent path: \(path.module)")))
        }
        database.transact(reply.map { $0.map(\.value).mapError(StorageFailure.response) }) { _, _, allocator in
            let (id, creationTime) = allocator.next(tableNumber: TableNumbers.scheduledFunctions)
            let job = ScheduledJob(id: id, creationTime: creationTime, path: path, arguments: arguments, scheduledTime: milliseconds)
            return Change(job, writes: [.putJob(job)])
        }
    }

    /// `cancel_job`: a job not yet finished will not run (or its result is not recorded); one
    /// that finished stays as it ended.
    func cancelJob(_ id: DocumentId, _ reply: Reply<Result<Void, ConvexAPIError>>) {
        database.transact(reply.map { $0.map { _ in () }.mapError(StorageFailure.response) }) { store, _, _ in
            guard var job = store.job(id), !job.state.isFinished else { return Change(()) }
            let now = Self.nowMilliseconds()
            job.state = .canceled
            job.completedTime = now
            return Change((), writes: [.putJob(job)] + JobRetention.writes(store, newlyFinished: 1, now: now))
        }
    }

    /// Runs a job whose time has come, on the scheduler's loop.
    func runJob(_ id: DocumentId, on loop: EventLoop) {
        guard let job = database.read({ $0.job(id) }), job.state == .pending else { return }
        guard let spec = function(job.path) else {
            return finishJob(id, expecting: .pending, .failed("Could not find function for '\(job.path.stripped)'"), on: loop)
        }
        switch spec.kind {
        case .action:
            // Marked in progress first, durably: after a crash it is failed, not run again.
            database.transact(Reply(on: loop) { [weak self] (result: Result<Committed<Bool>, PersistenceError>) in
                guard let self else { return }
                switch result {
                case .success(let committed) where committed.value:
                    after(spec.delayMs, on: loop) { self.completeJob(id, spec, expecting: .inProgress, on: loop) }
                case .success:
                    break
                case .failure:
                    retryLater(on: loop) { $0.runJob(id, on: loop) }
                }
            }) { store, _, _ in
                guard var current = store.job(id), current.state == .pending else { return Change(false) }
                current.state = .inProgress
                return Change(true, writes: [.putJob(current)])
            }
        case .mutation, .query:
            after(spec.delayMs, on: loop) { self.completeJob(id, spec, expecting: .pending, on: loop) }
        }
    }

    /// Runs the job's function and records how it ended, in one transaction; nothing if the
    /// job moved on meanwhile (cancelled).
    private func completeJob(_ id: DocumentId, _ spec: FunctionSpec, expecting: ScheduledJob.State, on loop: EventLoop) {
        let environment = self.environment
        let files = self.files
        database.transact(Reply(on: loop) { [weak self] (result: Result<Committed<Void>, PersistenceError>) in
            // Nothing of it was kept: the job is as it was (pending, or an action in progress).
            if case .failure = result { self?.retryLater(on: loop) { $0.completeJob(id, spec, expecting: expecting, on: loop) } }
        }) { store, _, allocator in
            guard var job = store.job(id), job.state == expecting else { return Change(()) }
            let (outcome, writes) = FunctionRunner.run(spec, path: job.path, arguments: job.arguments, store: store,
                                                       allocator: &allocator, environment: environment)
            let now = Self.nowMilliseconds()
            switch outcome.result {
            case .success: job.state = .success
            case .failure(let failure): job.state = .failed(failure.message)
            }
            job.completedTime = now
            let all = writes + [.putJob(job)] + JobRetention.writes(store, newlyFinished: 1, now: now)
            var change = Change((), writes: all)
            change.afterCommit = files.removals(of: writes)
            return change
        }
    }

    /// Records a job's end without running anything (its function is gone).
    private func finishJob(_ id: DocumentId, expecting: ScheduledJob.State, _ state: ScheduledJob.State, on loop: EventLoop) {
        database.transact(Reply(on: loop) { [weak self] (result: Result<Committed<Void>, PersistenceError>) in
            if case .failure = result { self?.retryLater(on: loop) { $0.finishJob(id, expecting: expecting, state, on: loop) } }
        }) { store, _, _ in
            guard var job = store.job(id), job.state == expecting else { return Change(()) }
            let now = Self.nowMilliseconds()
            job.state = state
            job.completedTime = now
            return Change((), writes: [.putJob(job)] + JobRetention.writes(store, newlyFinished: 1, now: now))
        }
    }

    /// A job step whose transaction could not be made durable (a full disk) is tried again a
    /// second later: nothing of it was kept, so the job is where it was before the step.
    private func retryLater(on loop: EventLoop, _ step: @escaping (Deployment) -> Void) {
        loop.schedule(after: .seconds(1)) { [weak self] in
            if let self { step(self) }
        }
    }

    private func after(_ milliseconds: Int, on loop: EventLoop, _ work: @escaping () -> Void) {
        if milliseconds > 0 { loop.schedule(after: .milliseconds(milliseconds), work) } else { work() }
    }

    /// How a start settles jobs a stop interrupted: actions in progress failed (they may have
    /// run), anything else in progress (written by an older version) pending again.
    static func interruptedJobs(in store: DocumentStore, registry: FunctionRegistry, now: Double) -> [StoreWrite] {
        var writes: [StoreWrite] = []
        var settled = 0
        for var job in store.allJobs where job.state == .inProgress {
            if registry.function(job.path)?.kind == .action {
                job.state = .failed(interruptedActionMessage)
                job.completedTime = now
                settled += 1
            } else {
                job.state = .pending
            }
            writes.append(.putJob(job))
        }
        return writes + JobRetention.writes(store, newlyFinished: settled, now: now)
    }
}

/// How many finished scheduled functions are kept. The backend deletes them a week after they
/// finish; a mock kept in memory also needs a bound on how many, or a function that schedules
/// itself with no delay grows the process (and the data directory) without end.
enum JobRetention {
    static let maxFinished = 10_000
    static let maxAgeMilliseconds = 7 * 24 * 3600 * 1000.0
    /// Looked at per transaction for age: enough to keep up, little enough to stay quick.
    private static let ageBatch = 16

    /// The deletions that keep the finished jobs within bounds once `newlyFinished` more finish.
    static func writes(_ store: DocumentStore, newlyFinished: Int, now: Double) -> [StoreWrite] {
        guard newlyFinished > 0 else { return [] }
        let excess = max(0, store.finishedJobCount + newlyFinished - maxFinished)
        let candidates = store.oldestFinishedJobs(excess + ageBatch)
        var expired = Array(candidates.prefix(excess))
        for id in candidates.dropFirst(excess) {
            guard let completed = store.job(id)?.completedTime, completed < now - maxAgeMilliseconds else { break }
            expired.append(id)
        }
        return expired.map(StoreWrite.deleteJob)
    }
}
