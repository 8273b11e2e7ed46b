/// One loop's part of an `HTTPServer`: its share of every listener, and the graceful stop.
final class ServerLoop {
    let loop: EventLoop
    let settings: HTTPServerSettings
    private var listeners: [String: LoopListener] = [:]
    private(set) var isDraining = false
    private var drainDeadline: ScheduledTimer?
    private var stopped = false

    init(loop: EventLoop, settings: HTTPServerSettings, handlers: [(name: String, handler: any HTTPHandler)]) {
        self.loop = loop
        self.settings = settings
        for (name, handler) in handlers {
            listeners[name] = LoopListener(name: name, handler: handler, owner: self)
        }
    }

    func open(_ name: String, socket fd: Int32) {
        guard let listener = listeners[name], !stopped else {
            closeDescriptor(fd)
            return
        }
        listener.open(socket: fd)
    }

    func close(_ name: String, reset: Bool) {
        listeners[name]?.close(reset: reset)
    }

    /// Stops accepting, lets requests in flight finish and WebSockets close (with 1001), for at
    /// most `grace`, then closes every connection and stops the loop.
    func drain(within grace: Duration) {
        guard !stopped else { return }
        isDraining = true
        for listener in listeners.values {
            listener.stopAccepting()
            listener.closeWebSocketsForShutdown()
        }
        drainDeadline?.cancel()
        drainDeadline = loop.schedule(after: grace) { [self] in finish() }
        finishDrainIfIdle()
    }

    /// Called whenever a request leaves flight or a WebSocket ends; finishes a drain once
    /// neither is left.
    func finishDrainIfIdle() {
        guard isDraining, !stopped, listeners.values.allSatisfy({ $0.inFlightCount == 0 && $0.webSocketCount == 0 }) else { return }
        // This may run inside a libevent callback for the connection; freeing the evhttp must
        // wait for a fresh callback.
        loop.schedule(after: .zero) { [self] in finish() }
    }

    private func finish() {
        guard !stopped else { return }
        stopped = true
        drainDeadline?.cancel()
        drainDeadline = nil
        for listener in listeners.values { listener.close(reset: false) }
        loop.stop()
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `close(2)`, under a name that methods called `close` do not shadow.
func closeDescriptor(_ fd: Int32) {
    _ = close(fd)
}
