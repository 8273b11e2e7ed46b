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
    }

    private let listeners: [Listener]
    private let settings: HTTPServerSettings
    private let state: Locked<State>

    public init(listeners: [Listener], settings: HTTPServerSettings = HTTPServerSettings()) {
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

    /// Opens or closes a listener on every loop; `completion` runs (on some loop thread, or at
    /// once on failure) when every loop has done it. Closing resets the listener's open
    /// connections; opening binds the port it had before.
    public func setListener(_ name: String, open: Bool, completion: @escaping @Sendable (Result<ListenerStatus, ListenError>) -> Void) {
        enum Plan { case done(Result<ListenerStatus, ListenError>), apply([LoopBound<ServerLoop>], [Int32]?, ListenerStatus) }
        let plan: Plan = state.withLock { state in
            guard let index = state.statuses.firstIndex(where: { $0.name == name }) else {
                return .done(.failure(ListenError(listener: name, host: "", port: 0, reason: .system("there is no listener named \(name)"))))
            }
            let current = state.statuses[index]
            guard case .running(let loops, _) = state.lifecycle else {
                return .done(.failure(ListenError(listener: name, host: current.host, port: current.port, reason: .system("the server is not running"))))
            }
            if current.open == open { return .done(.success(current)) }
            var fds: [Int32]?
            var port = current.port
            if open {
                switch Result(catching: { () throws(ListenError) in
                    try ListenSocket.make(listener: name, host: current.host, port: current.port, count: loops.count)
                }) {
                case .success(let bound):
                    fds = bound.fds
                    port = bound.port
                case .failure(let error):
                    return .done(.failure(error))
                }
            }
            let updated = ListenerStatus(name: name, host: current.host, port: port, open: open)
            state.statuses[index] = updated
            return .apply(loops, fds, updated)
        }
        switch plan {
        case .done(let result):
            completion(result)
        case .apply(let loops, let fds, let updated):
            let remaining = Locked(loops.count)
            let oneDone: @Sendable () -> Void = {
                if remaining.withLock({ count -> Bool in count -= 1; return count == 0 }) {
                    completion(.success(updated))
                }
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
                    if let fd { _ = close(fd) }
                    oneDone()
                }
            }
        }
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
        return try outcome.withLock { $0! }.get()
    }

    /// Stops accepting on every listener, lets requests in flight finish for at most `grace`,
    /// then closes all connections and ends the loops. Returns at once; `wait()` blocks.
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
