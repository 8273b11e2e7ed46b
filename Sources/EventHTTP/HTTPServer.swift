import Dispatch

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Named listeners served by one or more event loops. Every loop serves every open listener
/// on its own SO_REUSEPORT socket; listeners can be closed and reopened while running.
public final class HTTPServer: Sendable {
    public struct Listener: Sendable {
        public var name: String
        public var host: String
        public var port: Int
        /// A closed listener is known (and can be opened later) but does not accept.
        public var open: Bool
        /// Called once per loop, on the starting thread; the handler then lives on that loop.
        public var makeHandler: @Sendable (EventLoop) -> any HTTPHandler

        public init(name: String, host: String, port: Int, open: Bool = true, makeHandler: @escaping @Sendable (EventLoop) -> any HTTPHandler) {
            self.name = name
            self.host = host
            self.port = port
            self.open = open
            self.makeHandler = makeHandler
        }
    }

    public struct ListenerStatus: Sendable, Equatable {
        public let name: String
        public let host: String
        /// The real port: the kernel's choice when 0 was asked for and the listener has opened.
        public let port: Int
        public let open: Bool

        public init(name: String, host: String, port: Int, open: Bool) {
            self.name = name
            self.host = host
            self.port = port
            self.open = open
        }
    }

    private enum Lifecycle {
        case idle
        case running(loops: [LoopBound<ServerLoop>], threads: [EventLoopThread])
        case stopping(threads: [EventLoopThread])
        case stopped
    }

    private struct State {
        var lifecycle = Lifecycle.idle
        var statuses: [ListenerStatus]
        /// Per listener, the switches asked for and not yet done, in order; the first is under way.
        var switches: [String: [PendingSwitch]] = [:]
        /// Listeners whose queue someone is working through.
        var switching: Set<String> = []
    }

    private let listeners: [Listener]
    private let settings: HTTPServerSettings
    private let state: Locked<State>

    public init(listeners: [Listener], settings: HTTPServerSettings = HTTPServerSettings()) {
        // The names are the program's own (admin, site, port80), never a client's or a config's.
        precondition(Set(listeners.map(\.name)).count == listeners.count, "listener names must be unique")
        self.listeners = listeners
        self.settings = settings
        state = Locked(State(statuses: listeners.map { ListenerStatus(name: $0.name, host: $0.host, port: $0.port, open: false) }))
    }

    /// Binds every open listener and starts the loops. Nothing is left bound if it throws.
    public func start() throws {
        // A peer that vanishes while we write must not kill the process.
        signal(SIGPIPE, SIG_IGN)
        let loopCount = max(1, settings.loops)
        var sockets: [String: [Int32]] = [:]
        var statuses: [ListenerStatus] = []
        do {
            for listener in listeners {
                guard listener.open else {
                    statuses.append(ListenerStatus(name: listener.name, host: listener.host, port: listener.port, open: false))
                    continue
                }
                let bound = try ListenSocket.make(listener: listener.name, host: listener.host, port: listener.port, count: loopCount)
                sockets[listener.name] = bound.fds
                statuses.append(ListenerStatus(name: listener.name, host: listener.host, port: bound.port, open: true))
            }
        } catch {
            sockets.values.joined().forEach { _ = close($0) }
            throw error
        }

        var loops: [LoopBound<ServerLoop>] = []
        var threads: [EventLoopThread] = []
        do {
            for index in 0..<loopCount {
                let loop = try EventLoop()
                let serverLoop = ServerLoop(
                    loop: loop, settings: settings,
                    handlers: listeners.map { (name: $0.name, handler: $0.makeHandler(loop)) })
                for (name, fds) in sockets { serverLoop.open(name, socket: fds[index]) }
                loops.append(LoopBound(serverLoop, on: loop.handle))
                threads.append(try EventLoopThread(running: loop))
            }
        } catch {
            // Loops already running stop (closing the sockets they took); the rest are closed here.
            for loop in loops { loop.run { $0.drain(within: .zero) } }
            threads.forEach { $0.join() }
            sockets.values.forEach { $0.dropFirst(loops.count).forEach(closeDescriptor) }
            throw error
        }
        state.withLock {
            $0.statuses = statuses
            $0.lifecycle = .running(loops: loops, threads: threads)
        }
    }

    public var statuses: [ListenerStatus] {
        state.withLock { $0.statuses }
    }

    public func status(of name: String) -> ListenerStatus? {
        statuses.first { $0.name == name }
    }

    /// Opens or closes a listener on every loop; `completion` runs (on some loop thread, or on
    /// the caller's) with the listener's status once its own switch is done. Closing resets the
    /// listener's open connections, WebSockets included; opening binds the port it had before.
    ///
    /// Switches of one listener happen strictly one at a time, in the order asked: each waits
    /// for the one before it to be applied by every loop, and the status changes only then.
    /// Interleaved, the loops' sockets and the status could disagree (a port still accepting
    /// while reported closed) and a reopen could collide with sockets still being closed.
    public func setListener(_ name: String, open: Bool, completion: @escaping @Sendable (Result<ListenerStatus, ListenError>) -> Void) {
        let mustRun: Bool? = state.withLock { state in
            guard state.statuses.contains(where: { $0.name == name }) else { return nil }
            state.switches[name, default: []].append(PendingSwitch(open: open, completion: completion))
            return state.switching.insert(name).inserted
        }
        guard let mustRun else {
            return completion(.failure(ListenError(listener: name, host: "", port: 0, reason: .system("there is no listener named \(name)"))))
        }
        if mustRun { runSwitches(of: name) }
    }

    /// A switch asked for and not yet done.
    private struct PendingSwitch {
        let open: Bool
        let completion: @Sendable (Result<ListenerStatus, ListenError>) -> Void
    }

    /// What the switch at the head of a listener's queue needs.
    private enum SwitchStep {
        /// Nothing is queued.
        case idle
        /// Decided without the loops: already in that state, or it cannot be done.
        case settled(Result<ListenerStatus, ListenError>)
        /// Every loop opens its socket (`fds`) or closes its share; then the status is `updated`.
        case apply([LoopBound<ServerLoop>], fds: [Int32]?, updated: ListenerStatus)
    }

    /// Works through `name`'s queue: switches settled at once are answered in a loop, and one
    /// the loops must apply continues from the last loop to finish it. Only one caller at a
    /// time works a queue (`State.switching`), from the first switch queued until it is empty.
    private func runSwitches(of name: String) {
        while true {
            switch nextSwitchStep(of: name) {
            case .idle:
                return
            case .settled(let result):
                finishSwitch(of: name, result)
            case .apply(let loops, let fds, let updated):
                let remaining = Locked(loops.count)
                let oneDone: @Sendable () -> Void = { [self] in
                    guard remaining.withLock({ count -> Bool in count -= 1; return count == 0 }) else { return }
                    finishSwitch(of: name, .success(updated))
                    runSwitches(of: name)
                }
                for (index, loop) in loops.enumerated() {
                    let fd = fds?[index]
                    let queued = loop.run { serverLoop in
                        if let fd {
                            serverLoop.open(name, socket: fd)
                        } else {
                            serverLoop.close(name, reset: true)
                        }
                        oneDone()
                    }
                    // A loop that already stopped has nothing to close and must not keep a socket.
                    if !queued {
                        if let fd { closeDescriptor(fd) }
                        oneDone()
                    }
                }
                return
            }
        }
    }

    private func nextSwitchStep(of name: String) -> SwitchStep {
        state.withLock { state in
            guard let next = state.switches[name]?.first,
                  let current = state.statuses.first(where: { $0.name == name }) else {
                state.switching.remove(name)
                return .idle
            }
            guard case .running(let loops, _) = state.lifecycle else {
                return .settled(.failure(ListenError(listener: name, host: current.host, port: current.port, reason: .system("the server is not running"))))
            }
            if current.open == next.open { return .settled(.success(current)) }
            guard next.open else {
                return .apply(loops, fds: nil, updated: ListenerStatus(name: name, host: current.host, port: current.port, open: false))
            }
            do throws(ListenError) {
                let bound = try ListenSocket.make(listener: name, host: current.host, port: current.port, count: loops.count)
                return .apply(loops, fds: bound.fds, updated: ListenerStatus(name: name, host: current.host, port: bound.port, open: true))
            } catch {
                return .settled(.failure(error))
            }
        }
    }

    /// Takes the head switch off `name`'s queue, records its outcome, and tells its caller.
    private func finishSwitch(of name: String, _ result: Result<ListenerStatus, ListenError>) {
        let done: PendingSwitch? = state.withLock { state in
            if case .success(let status) = result, let index = state.statuses.firstIndex(where: { $0.name == name }),
               case .running = state.lifecycle {
                state.statuses[index] = status
            }
            guard var queue = state.switches[name], !queue.isEmpty else { return nil }
            let head = queue.removeFirst()
            state.switches[name] = queue.isEmpty ? nil : queue
            return head
        }
        done?.completion(result)
    }

    /// The blocking form of `setListener(_:open:completion:)`, for threads that are not loops.
    public func setListener(_ name: String, open: Bool) throws(ListenError) -> ListenerStatus {
        let done = DispatchSemaphore(value: 0)
        let outcome = Locked<Result<ListenerStatus, ListenError>?>(nil)
        setListener(name, open: open) { result in
            outcome.withLock { $0 = result }
            done.signal()
        }
        done.wait()
        // The completion stores the outcome before it signals.
        return try outcome.withLock { $0! }.get()
    }

    /// Stops accepting on every listener, lets requests in flight finish and WebSockets close
    /// (sent a Close 1001) for at most `grace`, then closes all connections and ends the loops.
    /// Returns at once; `wait()` blocks.
    public func shutdown(grace: Duration = .seconds(5)) {
        let loops: [LoopBound<ServerLoop>] = state.withLock { state in
            switch state.lifecycle {
            case .running(let loops, let threads):
                state.lifecycle = .stopping(threads: threads)
                return loops
            case .idle:
                state.lifecycle = .stopped
                return []
            case .stopping, .stopped:
                return []
            }
        }
        for loop in loops {
            loop.run { $0.drain(within: grace) }
        }
    }

    /// Blocks until every loop has stopped after `shutdown`. Must not be called from a loop.
    public func wait() {
        let threads: [EventLoopThread] = state.withLock { state in
            switch state.lifecycle {
            case .running(_, let threads), .stopping(let threads): return threads
            case .idle, .stopped: return []
            }
        }
        threads.forEach { $0.join() }
        state.withLock { state in
            state.lifecycle = .stopped
            for index in state.statuses.indices {
                let status = state.statuses[index]
                state.statuses[index] = ListenerStatus(name: status.name, host: status.host, port: status.port, open: false)
            }
        }
    }
}
