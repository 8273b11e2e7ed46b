import EventHTTP
import Foundation
import Testing
import TestSupport

/// Ending a connection without an answer, and pacing a body, seen from a real client socket:
/// a reset is a reset, a close is an EOF, garbage is exactly the bytes asked for.
@Suite(.timeLimit(.minutes(1))) struct ConnectionAbortTests {
    /// `/abort` aborts as asked; every other path answers "ok".
    private func aborting(_ how: ConnectionAbort) -> @Sendable (EventLoop) -> any HTTPHandler {
        { _ in
            HandlerFunction { request, responder in
                if request.path == "/abort" { responder.abort(how) } else { responder.send(.text(200, "ok")) }
            }
        }
    }

    @Test func aResetIsReadAsECONNRESETAndTheServerGoesOnServing() throws {
        let records = Guarded<[AccessRecord]>([])
        var settings = HTTPServerSettings()
        settings.accessLog = { record in records.withLock { $0.append(record) } }
        try withServer([("a", aborting(.reset))], settings: settings) { server in
            let port = server.port("a")
            let kept = try RawHTTP.Connection(port: port)
            try kept.write(RawHTTP.request("GET", "/", port: port))
            #expect(try kept.readResponse().text == "ok")

            let connection = try RawHTTP.Connection(port: port)
            try connection.write(RawHTTP.request("GET", "/abort", port: port))
            #expect(throws: RawHTTP.Failure.reset) { try connection.readToEnd() }

            // Only that connection: a keep-alive one and new ones are served.
            try kept.write(RawHTTP.request("GET", "/", port: port))
            #expect(try kept.readResponse().text == "ok")
            #expect(try RawHTTP.get("/", port: port).text == "ok")
            #expect(records.withLock { $0.map(\.status) } == [200, 0, 200, 200])
        }
    }

    @Test func aCloseIsAnEOFWithNothingWritten() throws {
        try withServer([("a", aborting(.close))]) { server in
            let connection = try RawHTTP.Connection(port: server.port("a"))
            try connection.write(RawHTTP.request("GET", "/abort", port: server.port("a")))
            #expect(try connection.readToEnd() == [])
            #expect(try RawHTTP.get("/", port: server.port("a")).text == "ok")
        }
    }

    @Test func garbageIsExactlyItsBytesThenAnEOF() throws {
        let garbage = Array("\u{0}\u{1}NOT HTTP\r\n\r\n".utf8)
        try withServer([("a", aborting(.garbage(garbage)))]) { server in
            let connection = try RawHTTP.Connection(port: server.port("a"))
            try connection.write(RawHTTP.request("GET", "/abort", port: server.port("a")))
            #expect(try connection.readToEnd() == garbage)
            #expect(throws: RawHTTP.Failure.self) {
                let again = try RawHTTP.Connection(port: server.port("a"))
                try again.write(RawHTTP.request("GET", "/abort", port: server.port("a")))
                _ = try again.readResponse()
            }
            #expect(try RawHTTP.get("/", port: server.port("a")).text == "ok")
        }
    }

    @Test func aPacedBodyArrivesWholeWithItsLengthAndNoChunking() throws {
        let body = (0..<1000).map { UInt8(truncatingIfNeeded: $0) }
        let paced: @Sendable (EventLoop) -> any HTTPHandler = { _ in
            HandlerFunction { _, responder in
                responder.send(HTTPResponse(status: 200, headers: ["Content-Type": "application/octet-stream"], body: body),
                               pacing: Pacing(chunkBytes: 100, pause: .milliseconds(2)))
            }
        }
        try withServer([("a", paced)]) { server in
            let connection = try RawHTTP.Connection(port: server.port("a"))
            for _ in 0..<2 {
                try connection.write(RawHTTP.request("GET", "/", port: server.port("a")))
                let response = try connection.readResponse()
                #expect(response.status == 200)
                #expect(response.header("Content-Length") == "1000")
                #expect(response.header("Transfer-Encoding") == nil)
                #expect(response.body == body)
            }
        }
    }

    @Test func aClientLeavingDuringAPacedBodyLeavesTheServerServing() throws {
        let paced: @Sendable (EventLoop) -> any HTTPHandler = { _ in
            HandlerFunction { request, responder in
                if request.path == "/slow" {
                    responder.send(HTTPResponse(status: 200, body: Array(repeating: 65, count: 100)),
                                   pacing: Pacing(chunkBytes: 1, pause: .milliseconds(20)))
                } else {
                    responder.send(.text(200, "ok"))
                }
            }
        }
        try withServer([("a", paced)]) { server in
            let connection = try RawHTTP.Connection(port: server.port("a"))
            try connection.write(RawHTTP.request("GET", "/slow", port: server.port("a")))
            connection.close()
            #expect(try RawHTTP.get("/", port: server.port("a")).text == "ok")
        }
    }
}
