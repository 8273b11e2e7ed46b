import EventHTTP
import Testing
import TestSupport

/// Starts an in-process `HTTPServer` on ephemeral ports and always shuts it down.
func withServer<T>(
    _ listeners: [(name: String, router: @Sendable (EventLoop) -> any HTTPHandler)],
    settings: HTTPServerSettings = HTTPServerSettings(),
    grace: Duration = .seconds(2),
    _ body: (HTTPServer) throws -> T
) throws -> T {
    let server = HTTPServer(
        listeners: listeners.map { HTTPServer.Listener(name: $0.name, host: "127.0.0.1", port: 0, makeHandler: $0.router) },
        settings: settings)
    try server.start()
    defer {
        server.shutdown(grace: grace)
        server.wait()
    }
    return try body(server)
}

extension HTTPServer {
    func port(_ name: String) -> Int { status(of: name)!.port }
}

/// A one-shot signal between a loop thread and the test, with a bounded wait.
final class Signal: Sendable {
    private let fired = Guarded(false)

    func fire() { fired.withLock { $0 = true } }

    /// Waits at most `seconds` for `fire()`.
    func wait(seconds: Double = 10) -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < deadline {
            if fired.withLock({ $0 }) { return true }
            Thread.sleepForPolling()
        }
        return fired.withLock { $0 }
    }
}

import Foundation

extension Thread {
    /// The polling interval of bounded waits; never used as synchronisation by itself.
    static func sleepForPolling() { usleep(2_000) }
}
