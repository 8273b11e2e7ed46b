import Foundation
import Testing
import TestSupport

/// Timeouts far beyond any use on the command line: the server starts (they used to overflow
/// at start) and treats them as no limit (a wrapped-around timer would answer 408 at once).
@Suite(.timeLimit(.minutes(1))) struct ExtremeSettingsTests {
    @Test func hugeTimeoutsStartAndServe() throws {
        let server = try MockConvexProcess(["--port", "0", "--site-proxy-port", "0", "--no-port80", "--read-timeout", "99999999999",
                                            "--idle-timeout", "9223372036854775807", "--request-timeout", "9223372036854775807"])
        defer { server.stop() }
        let admin = try server.port("admin")
        let fault = try RawHTTP.send("POST", "/_mock/faults", port: admin, body: Array(#"{"kind":"delay","ms":200,"path":"/version"}"#.utf8))
        #expect(fault.status == 201)
        let answer = try RawHTTP.get("/version", port: admin)
        #expect(answer.status == 200)
        #expect(answer.text == "unknown")
    }

    /// `--max-body-bytes` is checked only to be positive; the sync socket's output bound
    /// (`SyncRoutes.socketSettings`: twice the message limit) overflowed at start past Int.max / 2.
    @Test func aHugeBodyLimitStartsAndServes() throws {
        let server = try MockConvexProcess(["--port", "0", "--site-proxy-port", "0", "--no-port80", "--max-body-bytes", "9223372036854775807"])
        defer { server.stop() }
        let answer = try RawHTTP.get("/version", port: try server.port("admin"))
        #expect(answer.status == 200)
    }
}
