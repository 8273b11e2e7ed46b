import EventHTTP
import Foundation
import Testing
import TestSupport

/// Work a handler defers (`Responder.after`) runs only while its request still waits for the
/// answer, and `Responder.whenClosed` hears the moment it stops waiting, however it stops.
@Suite(.timeLimit(.minutes(2))) struct RequestLifetimeTests {
    /// How a request can stop waiting before its deferred work is due.
    enum Ending: String, CaseIterable, Sendable {
        case handlerTimeout, clientClosed, clientReset, listenerClosed
    }

    /// What the handler saw, in order.
    final class Events: Sendable {
        private let list = Guarded<[String]>([])
        let entered = Signal()
        let checkpoint = Signal()

        func append(_ event: String) { list.withLock { $0.append(event) } }
        var all: [String] { list.withLock { $0 } }
    }

    /// Defers an answer by `delay`, and records, on a plain timer due after it, what ran. On
    /// one loop timers fire in deadline order, so at the checkpoint the deferred work has run
    /// unless it was cancelled: no sleep decides the outcome. `/now` is answered at once.
    private func deferring(_ events: Events, delay: Duration, checkpoint: Duration) -> @Sendable (EventLoop) -> any HTTPHandler {
        { loop in
            HandlerFunction { request, responder in
                if request.path == "/now" { return responder.send(.text(200, "now")) }
                responder.whenClosed { events.append("closed") }
                responder.after(delay) {
                    let size = (try? request.body().count) ?? -1
                    events.append("deferred ran, body \(size)")
                    responder.send(.text(200, "late"))
                }
                loop.schedule(after: checkpoint) {
                    events.append("checkpoint")
                    events.checkpoint.fire()
                }
                events.entered.fire()
            }
        }
    }

    @Test func deferredWorkRunsWhileTheRequestWaitsAndReadsTheBody() throws {
        let events = Events()
        try withServer([("main", deferring(events, delay: .milliseconds(20), checkpoint: .milliseconds(40)))]) { server in
            let answer = try RawHTTP.send("POST", "/", port: server.port("main"), body: Array("abc".utf8))
            #expect(answer.status == 200)
            #expect(answer.text == "late")
            #expect(events.checkpoint.wait())
            #expect(events.all == ["deferred ran, body 3", "closed", "checkpoint"])
        }
    }

    @Test(arguments: Ending.allCases)
    func aRequestThatStoppedWaitingRunsNothingDeferred(_ ending: Ending) throws {
        let events = Events()
        var settings = HTTPServerSettings()
        settings.handlerTimeout = ending == .handlerTimeout ? .milliseconds(100) : .seconds(30)
        let handler = deferring(events, delay: .milliseconds(600), checkpoint: .milliseconds(700))
        try withServer([("main", handler), ("other", handler)], settings: settings) { server in
            let port = server.port("main")
            let connection = try RawHTTP.Connection(port: port)
            try connection.write(RawHTTP.request("POST", "/", port: port, body: Array("abc".utf8)))
            #expect(events.entered.wait())
            switch ending {
            case .handlerTimeout:
                let answer = try connection.readResponse()
                #expect(answer.status == 408)
                #expect(answer.text == "Request Timeout")
            case .clientClosed:
                connection.close()
            case .clientReset:
                connection.reset()
            case .listenerClosed:
                _ = try server.setListener("main", open: false)
                #expect(connection.waitForClose())
            }
            #expect(events.checkpoint.wait())
            #expect(events.all == ["closed", "checkpoint"])
            connection.close()
            // The server goes on serving (on the other listener when this one was closed).
            let still = ending == .listenerClosed ? server.port("other") : port
            #expect(try RawHTTP.get("/now", port: still).text == "now")
        }
    }

    @Test func whenClosedRunsAtOnceForARequestAlreadyAnswered() throws {
        let ran = Guarded<[String]>([])
        let handler: @Sendable (EventLoop) -> any HTTPHandler = { _ in
            HandlerFunction { _, responder in
                responder.send(.text(200, "now"))
                responder.whenClosed { ran.withLock { $0.append("closed") } }
                responder.after(.zero) { ran.withLock { $0.append("deferred") } }
                ran.withLock { $0.append("returned") }
            }
        }
        try withServer([("main", handler)]) { (server: HTTPServer) throws in
            #expect(try RawHTTP.get("/", port: server.port("main")).text == "now")
            #expect(ran.withLock { $0 } == ["closed", "returned"])
        }
    }
}
