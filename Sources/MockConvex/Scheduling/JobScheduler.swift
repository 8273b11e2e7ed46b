import EventHTTP

/// Timers for scheduled functions, on an event loop of its own so that no listener's loop is
/// needed (the deployment may serve on several, or none in tests). The loop starts with the
/// first job.
///
/// A timer never waits more than a day: a job due later is looked at again then. So no time,
/// however far off (up to the year 2262 the backend allows), becomes an out-of-range timer.
final class JobScheduler: Sendable {
    private struct State {
        var thread: EventLoopThread?
        var stopped = false
        /// Runs a job whose time has come; called on the scheduler's loop.
        var run: (@Sendable (DocumentId, EventLoop) -> Void)?
    }

    static let longestTimer: Double = 86_400_000

    private let state = Locked(State())
    /// Unix milliseconds; tests may move it.
    private let now: @Sendable () -> Double

    init(now: @escaping @Sendable () -> Double = JobScheduler.unixMilliseconds) {
        self.now = now
    }

    /// Set once by the deployment, which the scheduler must not keep alive.
    func setRunner(_ run: @escaping @Sendable (DocumentId, EventLoop) -> Void) {
        state.withLock { $0.run = run }
    }

    /// Starts a timer for job `id`, due at `scheduledTime` (Unix ms; at once if it has passed).
    func arm(_ id: DocumentId, at scheduledTime: Double) {
        let armed: (EventLoopThread, @Sendable (DocumentId, EventLoop) -> Void)? = state.withLock { state in
            guard !state.stopped, let run = state.run else { return nil }
            if state.thread == nil, let loop = try? EventLoop() {
                state.thread = try? EventLoopThread(running: loop)
            }
            return state.thread.map { ($0, run) }
        }
        guard let (thread, run) = armed else { return }
        let now = self.now
        thread.execute { loop in Self.wait(for: id, until: scheduledTime, on: loop, now: now, run: run) }
    }

    private static func wait(for id: DocumentId, until scheduledTime: Double, on loop: EventLoop,
                             now: @escaping @Sendable () -> Double, run: @escaping @Sendable (DocumentId, EventLoop) -> Void) {
        let remaining = scheduledTime - now()
        // `!(remaining > 0)` also takes NaN as due.
        guard remaining > 0 else { return run(id, loop) }
        let delay = min(remaining.rounded(.up), longestTimer)
        loop.schedule(after: .milliseconds(Int64(delay))) {
            wait(for: id, until: scheduledTime, on: loop, now: now, run: run)
        }
    }

    /// Stops the loop; jobs not yet run stay pending (and run after a restart, with a data
    /// directory). With `wait`, returns once the loop's thread has ended; never wait from the
    /// scheduler's own thread.
    func stop(wait: Bool = true) {
        let thread: EventLoopThread? = state.withLock { state in
            state.stopped = true
            defer { state.thread = nil }
            return state.thread
        }
        guard let thread else { return }
        thread.execute { $0.stop() }
        if wait { thread.join() } else { thread.detach() }
    }

    static let unixMilliseconds: @Sendable () -> Double = {
        Double(Database.nowNanoseconds()) / 1e6
    }
}
