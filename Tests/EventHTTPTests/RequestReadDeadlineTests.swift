import EventHTTP
import Foundation
import Testing
import TestSupport

/// The request read deadline: a client that trickles its request is answered 408 and closed,
/// while idle keep-alive connections and slow handlers are left alone.
@Suite(.timeLimit(.minutes(2))) struct RequestReadDeadlineTests {
    private func settings(readTimeout: Duration) -> HTTPServerSettings {
        var settings = HTTPServerSettings()
        settings.requestReadTimeout = readTimeout
        settings.connectionTimeout = .seconds(30)
        settings.requestReadTimeoutResponse = .text(408, "too slow")
        return settings
    }

    private let answering: @Sendable (EventLoop) -> any HTTPHandler = { loop in
        HandlerFunction { request, responder in
            guard request.path == "/slow" else { return responder.send(.text(200, "ok")) }
            loop.schedule(after: .milliseconds(800)) { responder.send(.text(200, "late")) }
        }
    }

    /// True when `fd` becomes readable (an answer or the end) within `milliseconds`.
    private func readable(_ fd: Int32, within milliseconds: Int32) -> Bool {
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&entry, 1, milliseconds) == 1
    }

    @Test func aRequestTrickledByteByByteIsAnswered408AndClosed() throws {
        try withServer([("a", answering)], settings: settings(readTimeout: .milliseconds(500))) { server in
            let port = server.port("a")
            let bystander = try RawHTTP.Connection(port: port)
            let slow = try RawHTTP.Connection(port: port)
            try slow.write("GET / HTTP/1.1\r\nHost: x\r\n")
            // A header line every 100 ms keeps the connection from ever going idle; at most
            // 100 of them (10 s) before the test gives up.
            var linesSent = 0
            while linesSent < 100, !readable(slow.fd, within: 100) {
                try slow.write("X-Trickle-\(linesSent): y\r\n")
                linesSent += 1
                // Others are served meanwhile.
                if linesSent == 2 {
                    try bystander.write(RawHTTP.request("GET", "/", port: port))
                    #expect(try bystander.readResponse().text == "ok")
                }
            }
            let response = try slow.readResponse()
            #expect(response.status == 408)
            #expect(response.text == "too slow")
            #expect(response.header("Connection") == "close")
            #expect(slow.waitForClose())
            #expect(linesSent >= 4, "closed after \(linesSent) lines, before the deadline")
        }
    }

    @Test func anIdleKeepAliveConnectionIsNotARequestBeingRead() throws {
        try withServer([("a", answering)], settings: settings(readTimeout: .milliseconds(200))) { server in
            let port = server.port("a")
            let connection = try RawHTTP.Connection(port: port)
            try connection.write(RawHTTP.request("GET", "/", port: port))
            #expect(try connection.readResponse().text == "ok")
            // Five read deadlines of silence: nothing arrives, the connection stays open.
            #expect(!readable(connection.fd, within: 1000))
            try connection.write(RawHTTP.request("GET", "/", port: port))
            #expect(try connection.readResponse().text == "ok")
        }
    }

    @Test func aSlowHandlerIsNotCutByTheReadDeadline() throws {
        try withServer([("a", answering)], settings: settings(readTimeout: .milliseconds(200))) { server in
            let port = server.port("a")
            let connection = try RawHTTP.Connection(port: port)
            try connection.write(RawHTTP.request("GET", "/slow", port: port))
            let response = try connection.readResponse()
            #expect(response.status == 200)
            #expect(response.text == "late")
        }
    }

    @Test func aBodyStillArrivingAtTheDeadlineIsCutToo() throws {
        try withServer([("a", answering)], settings: settings(readTimeout: .milliseconds(300))) { server in
            let port = server.port("a")
            let connection = try RawHTTP.Connection(port: port)
            try connection.write("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nabc")
            #expect(readable(connection.fd, within: 10_000))
            let response = try connection.readResponse()
            #expect(response.status == 408)
            #expect(connection.waitForClose())
        }
    }

    /// A request that arrives while the answer before it is being paced out waits its turn;
    /// its read clock starts when that answer is written, so nothing lands inside the body.
    @Test func aRequestPipelinedBehindAPacedAnswerIsNotCutAndNothingLandsInTheBody() throws {
        let pacedThenNext: @Sendable (EventLoop) -> any HTTPHandler = { _ in
            HandlerFunction { request, responder in
                guard request.path == "/paced" else { return responder.send(.text(200, "next")) }
                responder.send(.text(200, "0123456789"), pacing: Pacing(chunkBytes: 1, pause: .milliseconds(100)))
            }
        }
        try withServer([("a", pacedThenNext)], settings: settings(readTimeout: .milliseconds(300))) { server in
            let port = server.port("a")
            let connection = try RawHTTP.Connection(port: port)
            try connection.write(RawHTTP.request("GET", "/paced", port: port))
            // The head comes at once; the body takes a second, three read deadlines.
            #expect(readable(connection.fd, within: 5_000))
            try connection.write(RawHTTP.request("GET", "/next", port: port, headers: [("Connection", "close")]))
            let received = String(decoding: try connection.readToEnd(), as: UTF8.self)
                .replacing(/Date: [^\r]*\r\n/, with: "Date: X\r\n")
            #expect(received == """
                HTTP/1.1 200 OK\r
                Content-Type: text/plain; charset=utf-8\r
                Content-Length: 10\r
                Date: X\r
                \r
                0123456789HTTP/1.1 200 OK\r
                Content-Type: text/plain; charset=utf-8\r
                Date: X\r
                Content-Length: 4\r
                Connection: close\r
                \r
                next
                """)
        }
    }
}
