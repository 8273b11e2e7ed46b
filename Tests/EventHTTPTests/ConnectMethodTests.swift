import EventHTTP
import Foundation
import Testing
import TestSupport

/// libevent keeps every CONNECT connection open as a would-be tunnel and writes no
/// Content-Length for it; the server closes it after the answer, and says so.
@Suite(.timeLimit(.minutes(1))) struct ConnectMethodTests {
    private let refusing: @Sendable (EventLoop) -> any HTTPHandler = { _ in
        HandlerFunction { request, responder in
            responder.send(request.method == .CONNECT ? .text(405, "no tunnels") : .text(200, "ok"))
        }
    }

    @Test(arguments: [[], [("Connection", "close")], [("Connection", "keep-alive")]])
    func anAnswerToCONNECTSaysCloseAndCloses(_ headers: [(String, String)]) throws {
        try withServer([("main", refusing)]) { server in
            let port = server.port("main")
            let connection = try RawHTTP.Connection(port: port, timeout: 5)
            try connection.write(RawHTTP.request("CONNECT", "example.com:443", port: port, headers: headers))
            // Everything up to the end of stream: the answer, then the close.
            let received = String(decoding: try connection.readToEnd(), as: UTF8.self)
                .replacing(/Date: [^\r]*\r\n/, with: "Date: X\r\n")
            let parts = received.split(separator: "\r\n\r\n", maxSplits: 1, omittingEmptySubsequences: false)
            let lines = parts[0].split(separator: "\r\n").map(String.init)
            // libevent moves Connection after Date when the client asked to close.
            #expect(lines.first == "HTTP/1.1 405 Method Not Allowed")
            #expect(lines.dropFirst().sorted() == ["Connection: close", "Content-Type: text/plain; charset=utf-8", "Date: X"])
            #expect(parts.count == 2 && parts[1] == "no tunnels")
            #expect(try RawHTTP.get("/", port: port).text == "ok")
        }
    }
}
