import EventHTTP

#if canImport(Glibc)
import Glibc
#endif

/// Log lines on their way to a descriptor (stderr), as nginx's `access_log ... buffer= flush=`
/// writes them: a request's line is formatted into a bounded buffer, and a thread of the sink's
/// own writes the buffer out at least every second (at once for warnings and worse), so a
/// request never waits for a write, and a stderr that is a slow or stopped pipe stalls nothing
/// but that thread. Lines that find the buffer full are dropped and counted, and the count is
/// reported in a line of its own once there is room. `close` writes what is left, within a
/// bound, so a clean exit loses nothing a live reader would have taken.
///
/// Hand-written: swift-log's stream handler formats the time with `localtime` and `strftime`
/// and writes (and flushes) on the caller's thread for every line; no library here buffers.
public final class LogSink: Sendable {
    public enum Format: Sendable { case text, json }

    private struct State {
        var pending: [UInt8] = []
        var dropped = 0
        var droppedTotal = 0
        var wakeQueued = false
        var closed = false
        /// Set by `close`: a write waiting for a reader gives up then.
        var closeDeadline: UInt64?
        var clock = LogClock()
    }

    let format: Format
    private let descriptor: Int32
    private let capacity: Int
    private let state = Locked(State())
    private let writer: EventLoopThread
    /// The writer's next second; touched on its thread only.
    private let ticker = Locked<ScheduledTimer?>(nil)
    /// Whether `close` joined the writer (then there is nothing left to end).
    private let joined = Locked(false)
    private let isRegularFile: Bool
    /// Buffered bytes past which the writer is woken before its second is up.
    private static let wakeThreshold = 64 << 10
    public static let flushInterval: Duration = .seconds(1)

    /// `capacity` bounds the bytes waiting to be written (another as much may be in the
    /// writer's hands); lines beyond it are dropped.
    public init(descriptor: Int32 = 2, format: Format, capacity: Int = 1 << 20) throws {
        self.descriptor = descriptor
        self.format = format
        self.capacity = capacity
        var status = stat()
        isRegularFile = fstat(descriptor, &status) == 0 && (status.st_mode & S_IFMT) == S_IFREG
        let loop = try EventLoop()
        writer = try EventLoopThread(running: loop)
        writer.execute { [weak self] loop in self?.tick(loop) }
    }

    /// Adds one line, formatted by `body` into the buffer (under the sink's lock, which also
    /// guards the cached time). `urgent` lines (warnings and worse) wake the writer at once.
    func append(urgent: Bool = false, _ body: (inout [UInt8], inout LogClock) -> Void) {
        let wake: Bool = state.withLock { state in
            guard !state.closed else { return false }
            let before = state.pending.count
            body(&state.pending, &state.clock)
            if state.pending.count > capacity {
                // Over the bound: the line goes, counted. (Formatting first and measuring after
                // keeps the common case to one pass.)
                state.pending.removeSubrange(before...)
                state.dropped += 1
                state.droppedTotal += 1
            }
            guard !state.wakeQueued, urgent || state.pending.count >= Self.wakeThreshold else { return false }
            state.wakeQueued = true
            return true
        }
        if wake { writer.execute { [weak self] _ in self?.flush() } }
    }

    /// Lines dropped since the start because the buffer was full.
    public var droppedLines: Int { state.withLock { $0.droppedTotal } }

    /// Writes what is buffered, waiting at most `bound` for a reader that does not read, and
    /// ends the writer thread. Lines appended afterwards are dropped.
    public func close(within bound: Duration = .seconds(2)) {
        let deadline = EventLoop.monotonicNanoseconds() &+ bound.saturatingNanoseconds
        let first: Bool = state.withLock { state in
            defer { state.closed = true; state.closeDeadline = deadline }
            return !state.closed
        }
        guard first else { return }
        let running = writer.execute { [weak self] loop in
            self?.ticker.withLock { $0?.cancel(); $0 = nil }
            self?.flush()
            loop.stop()
        }
        if running {
            writer.join()
            joined.withLock { $0 = true }
        }
    }

    deinit {
        if !joined.withLock({ $0 }) {
            writer.execute { $0.stop() }
            writer.detach()
        }
    }

    /// The writer's second: flush, then again a second later.
    private func tick(_ loop: EventLoop) {
        flush()
        let next = loop.schedule(after: Self.flushInterval) { [weak self] in self?.tick(loop) }
        ticker.withLock { $0 = next }
    }

    /// On the writer's thread: takes the buffer (and the count of lines dropped) and writes it.
    private func flush() {
        var (lines, dropped): ([UInt8], Int) = state.withLock { state in
            state.wakeQueued = false
            defer { state.pending.removeAll(keepingCapacity: false); state.dropped = 0 }
            return (state.pending, state.dropped)
        }
        if dropped > 0 {
            var clock = state.withLock { $0.clock }
            ServerLogLine.append(level: "warning", label: "mockconvex", source: "mockconvex",
                           message: "\(dropped) log lines dropped: stderr was not read fast enough",
                           metadata: [], format: format, to: &lines, clock: &clock)
            dropped = 0
        }
        write(lines)
    }

    /// Writes `bytes` whole to a file; to a pipe or terminal in pieces it can take without
    /// blocking, polling in between, so that a stopped reader holds the thread only until
    /// `close`'s deadline.
    private func write(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            if !isRegularFile {
                var poller = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
                let ready = poll(&poller, 1, 100)
                if ready < 0 && errno == EINTR { continue }
                if ready <= 0 || poller.revents & Int16(POLLOUT) == 0 {
                    if ready > 0 { return }  // POLLERR or POLLHUP: no reader any more
                    if let deadline = state.withLock({ $0.closeDeadline }), EventLoop.monotonicNanoseconds() >= deadline { return }
                    continue
                }
            }
            let piece = isRegularFile ? bytes.count - offset : min(bytes.count - offset, Int(PIPE_BUF))
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, piece) }
            if written < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                return
            }
            offset += written
        }
    }
}
