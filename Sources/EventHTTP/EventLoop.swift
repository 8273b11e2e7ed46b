import CLibevent

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// libevent's locking must be switched on before the first `event_base` exists, or a loop
/// cannot be woken from another thread. Swift initialises globals once, thread-safely.
private let libeventThreadingEnabled: Bool = evthread_use_pthreads() == 0

public struct EventLoopError: Error, CustomStringConvertible {
    public let description: String
}

/// One libevent `event_base`. Not `Sendable`: everything on it runs on the thread that calls
/// `run()`. Other threads reach it only through its `LoopHandle`.
public final class EventLoop {
    let base: OpaquePointer
    private let inbox: LoopInbox

    public init() throws(EventLoopError) {
        guard libeventThreadingEnabled else {
            throw EventLoopError(description: "libevent was built without pthreads support")
        }
        // Precise timers: by default libevent on Linux reads CLOCK_MONOTONIC_COARSE, which
        // ticks every 1-4 ms, so a 100 ms delay fault could fire after 98 ms. The precise clock
        // (and timerfd under epoll) makes every timer fire no earlier than asked. And no cached
        // time: libevent otherwise measures a timer armed in a callback from the start of the
        // loop's turn, so one armed after a busy turn (or a thread preempted mid-turn) fires
        // early by that much. A vDSO clock read per timer costs less than that error.
        guard let config = event_config_new() else {
            throw EventLoopError(description: "event_config_new failed")
        }
        defer { event_config_free(config) }
        event_config_set_flag(config, Int32(EVENT_BASE_FLAG_PRECISE_TIMER.rawValue | EVENT_BASE_FLAG_NO_CACHE_TIME.rawValue))
        guard let base = event_base_new_with_config(config) else {
            throw EventLoopError(description: "event_base_new_with_config failed")
        }
        guard let inbox = LoopInbox(base: base) else {
            event_base_free(base)
            throw EventLoopError(description: "event_new failed for the wake-up event")
        }
        self.base = base
        self.inbox = inbox
    }

    deinit {
        inbox.close()
        event_base_free(base)
    }

    /// A handle other threads may keep to hand work to this loop.
    public var handle: LoopHandle { LoopHandle(inbox: inbox) }

    /// Runs the loop on the calling thread until `stop()`.
    public func run() {
        event_base_loop(base, EVLOOP_NO_EXIT_ON_EMPTY)
    }

    /// Makes `run()` return after the current callbacks finish.
    public func stop() {
        event_base_loopbreak(base)
    }

    /// For a loop whose `run()` has returned for good: refuses further work from other threads
    /// and runs what they queued before, so that work `LoopHandle.execute` accepted always
    /// runs (a caller waiting for it, such as a listener switch, is never left hanging).
    func finishQueuedWork() {
        for job in inbox.close() { job() }
    }

    /// Runs `work` on this loop after `delay`, without blocking it. The returned timer can be
    /// cancelled until it fires.
    @discardableResult
    public func schedule(after delay: Duration, _ work: @escaping () -> Void) -> ScheduledTimer {
        ScheduledTimer(base: base, delay: delay, work: work)
    }

    /// Monotonic nanoseconds, for request durations.
    public static func monotonicNanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }
}

/// Work queued for a loop by other threads, run in order on the loop's thread.
final class LoopInbox: Sendable {
    private struct State {
        var jobs: [@Sendable () -> Void] = []
        var open = true
    }
    private let state = Locked(State())
    /// Activating this event wakes the loop. `event_active` may be called from any thread once
    /// libevent's pthread locking is on. Set once in init, before the inbox is shared; freed in
    /// `close()` only after `open` became false under the lock, so no enqueue can touch it.
    private nonisolated(unsafe) var wake: OpaquePointer?

    /// The wake-up event refers to the inbox without retaining it: the loop owns the inbox and
    /// calls `close()` before letting go of it.
    init?(base: OpaquePointer) {
        guard let wake = event_new(base, -1, Int16(EV_PERSIST), { _, _, arg in
            guard let arg else { return }
            Unmanaged<LoopInbox>.fromOpaque(arg).takeUnretainedValue().drain()
        }, Unmanaged.passUnretained(self).toOpaque()) else { return nil }
        self.wake = wake
        event_add(wake, nil)
    }

    /// Refuses further work and hands back what was queued and not yet run.
    @discardableResult
    func close() -> [@Sendable () -> Void] {
        let left = state.withLock { state in
            defer { state.open = false; state.jobs.removeAll() }
            return state.open ? state.jobs : []
        }
        if let wake { event_free(wake) }
        wake = nil
        return left
    }

    /// Returns false when the loop is gone, so callers can tell the work will never run.
    func enqueue(_ job: @escaping @Sendable () -> Void) -> Bool {
        state.withLock { state in
            guard state.open else { return false }
            state.jobs.append(job)
            if state.jobs.count == 1, let wake { event_active(wake, EV_READ, 0) }
            return true
        }
    }

    private func drain() {
        let jobs = state.withLock { state in
            defer { state.jobs.removeAll(keepingCapacity: true) }
            return state.jobs
        }
        for job in jobs { job() }
    }
}

/// The thread-safe face of an `EventLoop`: work sent here runs on the loop's thread, in order.
public struct LoopHandle: Sendable {
    let inbox: LoopInbox

    /// Queues `work` to run on the loop. Returns false if the loop has already been torn down.
    @discardableResult
    public func execute(_ work: @escaping @Sendable () -> Void) -> Bool {
        inbox.enqueue(work)
    }
}

/// A one-shot timer on a loop; fires once unless cancelled first.
public final class ScheduledTimer {
    private var event: OpaquePointer?
    private var work: (() -> Void)?

    fileprivate init(base: OpaquePointer, delay: Duration, work: @escaping () -> Void) {
        self.work = work
        let ev = event_new(base, -1, 0, { _, _, arg in
            guard let arg else { return }
            Unmanaged<ScheduledTimer>.fromOpaque(arg).takeRetainedValue().fire()
        }, Unmanaged.passRetained(self).toOpaque())
        // A pure timer (no descriptor) fails only when its allocation does.
        guard let ev else { fatalError("event_new failed for a timer: out of memory") }
        event = ev
        var tv = timeval(delay)
        event_add(ev, &tv)
    }

    /// Prevents the work from running. Has no effect once it has run.
    public func cancel() {
        guard let ev = event else { return }
        event_del(ev)
        event_free(ev)
        event = nil
        work = nil
        Unmanaged.passUnretained(self).release()
    }

    private func fire() {
        if let ev = event { event_free(ev) }
        event = nil
        let job = work
        work = nil
        job?()
    }
}

extension timeval {
    /// About 68 years: a delay further out is as good as never, and libevent adds a delay to
    /// the current time without checking, so `--request-timeout 9223372036854775807` would
    /// wrap around to a timer already due.
    static let longestDelaySeconds: Int64 = 1 << 31 - 1

    /// `duration` as libevent takes it, clamped to 0 ... `longestDelaySeconds`.
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        let clamped = min(max(seconds, 0), Self.longestDelaySeconds)
        // Whole microseconds of a second (below 10^6) only when the seconds were kept as given.
        let microseconds = clamped == seconds ? attoseconds / 1_000_000_000_000 : 0
        self.init(tv_sec: time_t(clamped), tv_usec: suseconds_t(microseconds))
    }
}
