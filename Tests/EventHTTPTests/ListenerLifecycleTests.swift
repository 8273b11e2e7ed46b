import EventHTTP
import Foundation
import Testing
import TestSupport

private func hello(_ name: String) -> @Sendable (EventLoop) -> any HTTPHandler {
    { _ in HandlerFunction { _, responder in responder.send(.text(200, name)) } }
}

@Suite(.timeLimit(.minutes(1))) struct ListenerLifecycleTests {
    @Test func closingRefusesNewConnectionsResetsOpenOnesAndLeavesOthersServing() throws {
        try withServer([("a", hello("a")), ("b", hello("b"))]) { server in
            let portA = server.port("a")
            let idle = try RawHTTP.Connection(port: portA)
            try idle.write(RawHTTP.request("GET", "/", port: portA))
            #expect(try idle.readResponse().text == "a")

            let status = try server.setListener("a", open: false)
            #expect(status == HTTPServer.ListenerStatus(name: "a", host: "127.0.0.1", port: portA, open: false))

            #expect(throws: RawHTTP.Failure.connectFailed(ECONNREFUSED)) { try RawHTTP.get("/", port: portA) }
            // A reset, as when the process behind the port dies, not an orderly close.
            #expect(throws: RawHTTP.Failure.reset) { try idle.readToEnd() }
            #expect(try RawHTTP.get("/", port: server.port("b")).text == "b")
        }
    }

    @Test func reopeningServesAgainOnTheSamePort() throws {
        try withServer([("a", hello("a"))]) { server in
            let port = server.port("a")
            _ = try server.setListener("a", open: false)
            let reopened = try server.setListener("a", open: true)
            #expect(reopened.port == port)
            #expect(reopened.open)
            #expect(try RawHTTP.get("/", port: port).text == "a")
        }
    }

    @Test func closingDropsARequestStillBeingHandled() throws {
        let entered = Signal()
        let router: @Sendable (EventLoop) -> any HTTPHandler = { _ in
            HandlerFunction { _, _ in entered.fire() }
        }
        try withServer([("slow", router)]) { server in
            let port = server.port("slow")
            let connection = try RawHTTP.Connection(port: port)
            try connection.write(RawHTTP.request("GET", "/", port: port))
            #expect(entered.wait())
            _ = try server.setListener("slow", open: false)
            #expect(throws: (any Error).self) { try connection.readResponse() }
        }
    }

    @Test func aListenerThatStartsClosedCanBeOpenedLater() throws {
        let server = HTTPServer(listeners: [
            HTTPServer.Listener(name: "late", host: "127.0.0.1", port: 0, open: false, makeHandler: hello("late")),
        ])
        try server.start()
        defer { server.shutdown(); server.wait() }
        #expect(server.status(of: "late")?.open == false)
        let status = try server.setListener("late", open: true)
        #expect(status.port > 0)
        #expect(try RawHTTP.get("/", port: status.port).text == "late")
    }

    @Test func aPortInUseIsReportedWithTheListenerName() throws {
        try withServer([("first", hello("first"))]) { server in
            let taken = server.port("first")
            let second = HTTPServer(listeners: [
                HTTPServer.Listener(name: "second", host: "127.0.0.1", port: taken, makeHandler: hello("second")),
            ])
            #expect {
                try second.start()
            } throws: { error in
                (error as? ListenError)?.reason == .addressInUse
                    && "\(error)" == "cannot listen on 127.0.0.1:\(taken) for second: the address is already in use"
            }
        }
    }

    @Test func severalLoopsShareEachPortAndAPortInUseIsStillDetected() throws {
        var settings = HTTPServerSettings()
        settings.loops = 3
        try withServer([("main", hello("main"))], settings: settings) { server in
            let port = server.port("main")
            for _ in 0..<30 {
                #expect(try RawHTTP.get("/", port: port).text == "main")
            }
            var other = HTTPServerSettings()
            other.loops = 2
            let intruder = HTTPServer(listeners: [
                HTTPServer.Listener(name: "intruder", host: "127.0.0.1", port: port, makeHandler: hello("x")),
            ], settings: other)
            #expect(throws: ListenError.self) { try intruder.start() }
            _ = try server.setListener("main", open: false)
            #expect(throws: RawHTTP.Failure.connectFailed(ECONNREFUSED)) { try RawHTTP.get("/", port: port) }
            _ = try server.setListener("main", open: true)
            #expect(try RawHTTP.get("/", port: port).text == "main")
        }
    }
}

@Suite(.timeLimit(.minutes(1))) struct GracefulShutdownTests {
    @Test func aRequestInFlightIsAnsweredAndNewConnectionsAreRefused() throws {
        let entered = Signal()
        let release = Signal()
        let router: @Sendable (EventLoop) -> any HTTPHandler = { loop in
            HandlerFunction { _, responder in
                entered.fire()
                // Answer once the test has started the shutdown, polling on the loop.
                func check() {
                    if release.wait(seconds: 0) { responder.send(.text(200, "finished")) }
                    else { loop.schedule(after: .milliseconds(5), check) }
                }
                check()
            }
        }
        let server = HTTPServer(listeners: [HTTPServer.Listener(name: "main", host: "127.0.0.1", port: 0, makeHandler: router)])
        try server.start()
        let port = server.port("main")
        let connection = try RawHTTP.Connection(port: port)
        try connection.write(RawHTTP.request("GET", "/", port: port))
        #expect(entered.wait())

        server.shutdown(grace: .seconds(5))
        // The listening socket closes before the handler is released.
        var refused = false
        for _ in 0..<500 where !refused {
            do { _ = try RawHTTP.Connection(port: port) } catch { refused = true; break }
            Thread.sleepForPolling()
        }
        #expect(refused)
        release.fire()
        let response = try connection.readResponse()
        #expect(response.status == 200)
        #expect(response.text == "finished")
        #expect(response.header("Connection") == "close")
        server.wait()
        #expect(server.status(of: "main")?.open == false)
    }

    @Test func aHandlerThatNeverAnswersDoesNotHoldTheStopPastTheGracePeriod() throws {
        let entered = Signal()
        let router: @Sendable (EventLoop) -> any HTTPHandler = { _ in HandlerFunction { _, _ in entered.fire() } }
        let server = HTTPServer(listeners: [HTTPServer.Listener(name: "main", host: "127.0.0.1", port: 0, makeHandler: router)])
        try server.start()
        let port = server.port("main")
        let connection = try RawHTTP.Connection(port: port)
        try connection.write(RawHTTP.request("GET", "/", port: port))
        #expect(entered.wait())
        server.shutdown(grace: .milliseconds(100))
        server.wait()
        #expect(connection.waitForClose())
    }
}
