import EventHTTP
import Foundation
import Testing
import TestSupport

/// Values at the edges, where a conversion or a precondition used to trap: the server answers
/// and goes on serving.
@Suite(.timeLimit(.minutes(1))) struct ExtremeValueTests {
    @Test(arguments: [1_000_000, -5, 99, 0, Int.max, Int.min])
    func aStatusThatIsNotThreeDigitsIsAnswered500(_ status: Int) throws {
        let handler: @Sendable (EventLoop) -> any HTTPHandler = { _ in
            HandlerFunction { request, responder in
                responder.send(request.path == "/odd" ? HTTPResponse(status: status, body: Array("odd".utf8)) : .text(200, "ok"))
            }
        }
        try withServer([("main", handler)]) { server in
            let port = server.port("main")
            let odd = try RawHTTP.get("/odd", port: port)
            #expect(odd.status == 500)
            #expect(odd.body.isEmpty)
            #expect(try RawHTTP.get("/", port: port).text == "ok")
        }
    }

    @Test(arguments: [0, -1, Int.min])
    func pacingWithoutAPositiveChunkPacesAByteAtATime(_ chunkBytes: Int) throws {
        #expect(Pacing(chunkBytes: chunkBytes, pause: .zero).chunkBytes == 1)
        let handler: @Sendable (EventLoop) -> any HTTPHandler = { _ in
            HandlerFunction { _, responder in
                responder.send(.text(200, "paced"), pacing: Pacing(chunkBytes: chunkBytes, pause: .milliseconds(1)))
            }
        }
        try withServer([("main", handler)]) { (server: HTTPServer) throws in
            #expect(try RawHTTP.get("/", port: server.port("main")).text == "paced")
        }
    }

    /// Limits far beyond any use (as `--read-timeout 99999999999` gives) are no limit: no
    /// overflow at start, and no timer that wraps around to fire at once.
    @Test func timeoutsBeyondAnyUseAreNoLimitAtAll() throws {
        var settings = HTTPServerSettings()
        settings.requestReadTimeout = .seconds(99_999_999_999)
        settings.connectionTimeout = .seconds(Int64.max)
        settings.handlerTimeout = .seconds(Int64.max)
        let handler: @Sendable (EventLoop) -> any HTTPHandler = { _ in
            HandlerFunction { _, responder in
                responder.after(.milliseconds(50)) { responder.send(.text(200, "in time")) }
            }
        }
        try withServer([("main", handler)], settings: settings) { server in
            let answer = try RawHTTP.get("/", port: server.port("main"))
            #expect(answer.status == 200)
            #expect(answer.text == "in time")
        }
    }

    @Test(arguments: [70_000, -1])
    func aPortOutOfRangeIsAListenError(_ port: Int) throws {
        let server = HTTPServer(listeners: [HTTPServer.Listener(name: "odd", host: "127.0.0.1", port: port) { _ in
            HandlerFunction { _, responder in responder.send(.text(200, "")) }
        }])
        #expect {
            try server.start()
        } throws: { error in
            "\(error)" == "cannot listen on 127.0.0.1:\(port) for odd: a port is a number from 0 to 65535"
        }
    }
}
