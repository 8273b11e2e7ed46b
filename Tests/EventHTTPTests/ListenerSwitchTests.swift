import EventHTTP
import Foundation
import Testing
import TestSupport

/// Switches of one listener from many threads at once, on a server with several loops: each
/// caller gets its own switch's status, none is refused for another's, and afterwards the port
/// does what its status says.
///
/// On 127.0.0.3, where nothing else in the test run binds: the port spends much of the test
/// closed, and on 127.0.0.1 another test's server or client could take its number meanwhile.
@Suite(.timeLimit(.minutes(3))) struct ListenerSwitchTests {
    static let host = "127.0.0.3"

    private let hello: @Sendable (EventLoop) -> any HTTPHandler = { _ in
        HandlerFunction { _, responder in responder.send(.text(200, "hello")) }
    }

    /// Whether `port` accepts: every one of `tries` connections is answered, or every one is
    /// refused (each loop has its own socket, so a half-open port would show as a mix).
    static func realState(port: Int, tries: Int = 16) throws -> Bool? {
        var answered = 0
        var refused = 0
        for _ in 0..<tries {
            do {
                if try RawHTTP.send("GET", "/", port: port, host: host).text == "hello" { answered += 1 }
            } catch RawHTTP.Failure.connectFailed(ECONNREFUSED) {
                refused += 1
            }
        }
        return answered == tries ? true : refused == tries ? false : nil
    }

    @Test func concurrentTogglesEndWithThePortAsReported() throws {
        var settings = HTTPServerSettings()
        settings.loops = 2
        let server = HTTPServer(listeners: ["main", "control"].map { HTTPServer.Listener(name: $0, host: Self.host, port: 0, makeHandler: hello) },
                                settings: settings)
        try server.start()
        defer {
            server.shutdown(grace: .seconds(2))
            server.wait()
        }
        let port = server.port("main")
        for round in 0..<5 {
            let failures = Guarded<[String]>([])
            let group = DispatchGroup()
            for worker in 0..<6 {
                group.enter()
                Thread {
                    defer { group.leave() }
                    for step in 0..<20 {
                        let open = (worker + step + round).isMultiple(of: 2)
                        do {
                            let status = try server.setListener("main", open: open)
                            if status.open != open || status.port != port {
                                failures.withLock { $0.append("asked open=\(open), got \(status)") }
                            }
                        } catch {
                            failures.withLock { $0.append("asked open=\(open): \(error)") }
                        }
                    }
                }.start()
            }
            #expect(group.wait(timeout: .now() + 60) == .success)
            #expect(failures.withLock { $0 } == [], "round \(round)")
            let reported = try #require(server.status(of: "main")).open
            #expect(try Self.realState(port: port) == reported, "round \(round): reported open=\(reported)")
            // Both ways work afterwards, and the other listener never noticed.
            _ = try server.setListener("main", open: !reported)
            #expect(try Self.realState(port: port) == !reported)
            #expect(try RawHTTP.send("GET", "/", port: server.port("control"), host: Self.host).text == "hello")
        }
    }
}
