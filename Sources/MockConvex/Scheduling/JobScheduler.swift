import EventHTTP

/// Timers for scheduled functions, on an event loop of its own so that no listener's loop is
/// needed (the deployment may serve on several, or none in tests). One timer per pending job:
/// arming a job again replaces its timer, and a job that is cancelled, finished, deleted or
/// reset away has its timer cancelled, so timers never outlive their jobs.
///
/// A timer never waits more than a day: a job due later is looked at again then. So no time,
/// however far off (up to the year 2262 the backend allows), becomes an out-of-range timer.
final class JobScheduler: Sendable {
    static let longestTimer: Double = 86_400_000

    private let thread: EventLoopThread
    /// The timers, reached only on the scheduler's loop.
    private let timers: LoopBound<JobTimers>
    private let stopped = Locked(false)
    /// Unix milliseconds; tests may move it.
    private let now: @Sendable () -> Double

    init(now: @escaping @Sendable () -> Double = JobScheduler.unixMilliseconds) throws {
        self.now = now
        let loop = try EventLoop()
        timers = LoopBound(JobTimers(loop: loop), on: loop.handle)
        thread = try EventLoopThread(running: loop)
    }

    /// Set once by the deployment, which the scheduler must not keep alive; called on the
    /// scheduler's loop when a job's time has come.
    func setRunner(_ run: @escaping @Sendable (DocumentId, EventLoop) -> Void) {
        timers.run { $0.run = run }
    }

    /// Starts (or restarts) the timer of job `id`, due at `scheduledTime` (Unix ms; at once
    /// if it has passed).
    func arm(_ id: DocumentId, at scheduledTime: Double) {
        let now = self.now
        timers.run { $0.arm(id, at: scheduledTime, now: now) }
    }

    /// The job no longer waits (cancelled, finished, deleted): its timer goes.
    func disarm(_ id: DocumentId) {
        timers.run { $0.disarm(id) }
    }

    /// Every job went (a reset).
    func disarmAll() {
        timers.run { $0.disarmAll() }
    }

    /// How many timers are armed, asked of the scheduler's loop (for tests; never call it from
    /// that loop). Nil once the loop has stopped.
    var armedTimerCount: Int? {
        Reply<Int?>.wait { reply in
            if !timers.run({ reply.now($0.count) }) { reply.now(nil) }
        }
    }

    /// Stops the loop; jobs not yet run stay pending (and run after a restart, with a data
    /// directory). With `wait`, returns once the loop's thread has ended; never wait from the
    /// scheduler's own thread.
    func stop(wait: Bool = true) {
        guard stopped.withLock({ stopped in defer { stopped = true }; return !stopped }) else { return }
        thread.execute { $0.stop() }
        if wait { thread.join() } else { thread.detach() }
    }

    static let unixMilliseconds: @Sendable () -> Double = {
        Double(Database.nowNanoseconds()) / 1e6
    }
}

/// The scheduler loop's timers, one per pending job.
private final class JobTimers {
    let loop: EventLoop
    var run: (@Sendable (DocumentId, EventLoop) -> Void)?
    private var timers: [DocumentId: ScheduledTimer] = [:]

    init(loop: EventLoop) {
        self.loop = loop
    }

    func arm(_ id: DocumentId, at scheduledTime: Double, now: @escaping @Sendable () -> Double) {
        timers.removeValue(forKey: id)?.cancel()
        let remaining = scheduledTime - now()
        // `!(remaining > 0)` also takes NaN as due.
        guard remaining > 0 else {
            timers[id] = loop.schedule(after: .zero) { [weak self] in self?.fire(id) }
            return
        }
        let delay = min(remaining.rounded(.up), JobScheduler.longestTimer)
        timers[id] = loop.schedule(after: .milliseconds(Int64(delay))) { [weak self] in
            guard let self else { return }
            timers[id] = nil
            if scheduledTime - now() > 0 { arm(id, at: scheduledTime, now: now) } else { fire(id) }
        }
    }

    func disarm(_ id: DocumentId) {
        timers.removeValue(forKey: id)?.cancel()
    }

    var count: Int { timers.count }

    func disarmAll() {
        for timer in timers.values { timer.cancel() }
        timers = [:]
    }

    private func fire(_ id: DocumentId) {
        timers[id] = nil
        run?(id, loop)
    }
}
