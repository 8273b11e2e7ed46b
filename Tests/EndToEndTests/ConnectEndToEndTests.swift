import Foundation
import Testing
import TestSupport

/// CONNECT against the real binary: refused like any method a route does not serve, and the
/// connection closed after the answer, which is where its body ends.
@Suite(.timeLimit(.minutes(2))) struct ConnectEndToEndTests {
    @Test func connectIsRefusedAndItsConnectionClosed() throws {
        let server = try MockConvexProcess(["--port", "0", "--site-proxy-port", "0", "--no-port80", "--config", Fixtures.exampleConfig])
        defer { server.stop() }
        let admin = try server.port("admin")
        let site = try server.port("site")
        for (port, target, allow) in [(admin, "/api/query", "GET,HEAD,POST"), (site, "/hello", "GET,HEAD,POST,DELETE,PATCH,PUT,OPTIONS")] {
            let connection = try RawHTTP.Connection(port: port, timeout: 5)
            try connection.write(RawHTTP.request("CONNECT", target, port: port))
            // Without Content-Length the body runs to the end of stream, so a connection left
            // open would time this read out.
            let answer = try connection.readResponse()
            #expect(answer.status == 405)
            #expect(answer.header("allow") == allow)
            #expect(answer.header("connection") == "close")
            #expect(answer.header("content-length") == nil)
            #expect(answer.body.isEmpty)
            #expect(try connection.readToEnd().isEmpty)
        }
        #expect(try RawHTTP.get("/version", port: admin).text == "unknown")
    }
}
