import EventHTTP

/// Runs scheduled functions at their time, on an event loop of its own so that no listener's
/// loop is needed (the deployment may serve on several, or none in tests). The loop starts
/// with the first job.
final class JobScheduler: Sendable {
    private struct State {
        var thread: EventLoopThread?
        var stopped = false
        /// Runs a job's function and records how it ended; called on the scheduler's loop.
        var run: (@Sendable (DocumentId, EventLoop) -> Void)?
    }

    private let state = Locked(State())

    init() {}

    /// Set once by the deployment, which the scheduler must not keep alive.
    func setRunner(_ run: @escaping @Sendable (DocumentId, EventLoop) -> Void) {
        state.withLock { $0.run = run }
    }

    /// Arms a timer for `job` (at once if its time has passed).
    func arm(_ job: ScheduledJob, now: Double) {
        let delay = max(0, job.scheduledTime - now)
        let id = job.id
        let armed: (EventLoopThread, @Sendable (DocumentId, EventLoop) -> Void)? = state.withLock { state in
            guard !state.stopped, let run = state.run else { return nil }
            if state.thread == nil, let loop = try? EventLoop() {
                state.thread = try? EventLoopThread(running: loop)
            }
            return state.thread.map { ($0, run) }
        }
        guard let (thread, run) = armed else { return }
        thread.execute { loop in
            loop.schedule(after: .milliseconds(Int64(delay.rounded(.up)))) { run(id, loop) }
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
}
