import Foundation
@testable import MockConvex
import Testing
import TestSupport

/// `PUT /_mock/listeners/port80` from several clients at once on a two-loop server: every
/// toggle succeeds with the state it asked for, and port 80 ends up doing what its status says.
/// On 127.0.0.2, where nothing else in the test run binds, so that no other test takes the
/// port's number while it is closed. Only against the binary: in the test process, any test
/// that starts a program forks, and the child holds a copy of a just-closed listening socket
/// until it execs, so a reopen there can meet its own old socket.
@Suite(.timeLimit(.minutes(3))) struct ListenerSwitchEndToEndTests {
    static let host = "127.0.0.2"

    /// True when every try is answered, false when every one is refused, nil for a mix.
    private func realState(port: Int, tries: Int = 16) throws -> Bool? {
        var answered = 0
        var refused = 0
        for _ in 0..<tries {
            do {
                if try RawHTTP.send("GET", "/version", port: port, host: Self.host).text == "unknown" { answered += 1 }
            } catch RawHTTP.Failure.connectFailed(ECONNREFUSED) {
                refused += 1
            }
        }
        return answered == tries ? true : refused == tries ? false : nil
    }

    private func toggle(_ enabled: Bool, admin: Int) throws -> RawHTTP.Response {
        try RawHTTP.send("PUT", "/_mock/listeners/port80", port: admin, host: Self.host, body: Array(#"{"enabled":\#(enabled)}"#.utf8))
    }

    @Test func concurrentTogglesNeverDisagreeWithThePort() throws {
        let server = try MockConvexProcess(["--port", "0", "--site-proxy-port", "0", "--port80-port", "0", "--threads", "2", "--host", Self.host])
        defer { server.stop() }
        let admin = try server.port("admin")
        let port80 = try server.port("port80")
        for round in 0..<4 {
            let failures = Guarded<[String]>([])
            let group = DispatchGroup()
            for worker in 0..<6 {
                group.enter()
                Thread {
                    defer { group.leave() }
                    for step in 0..<10 {
                        let enabled = (worker + step + round).isMultiple(of: 2)
                        do {
                            let answer = try toggle(enabled, admin: admin)
                            let expected = #"{"name":"port80","host":"\#(Self.host)","port":\#(port80),"enabled":\#(enabled)}"#
                            if answer.status != 200 || answer.text != expected {
                                failures.withLock { $0.append("enabled=\(enabled): \(answer.status) \(answer.text)") }
                            }
                        } catch {
                            failures.withLock { $0.append("enabled=\(enabled): \(error)") }
                        }
                    }
                }.start()
            }
            #expect(group.wait(timeout: .now() + 90) == .success)
            #expect(failures.withLock { $0 } == [], "round \(round)")
            let status = try JSONReader.parse(RawHTTP.send("GET", "/_mock/listeners/port80", port: admin, host: Self.host).body)
            guard case .bool(let reported)? = status["enabled"] else {
                Issue.record("no enabled in \(String(decoding: status.serialized, as: UTF8.self))")
                return
            }
            #expect(try realState(port: port80) == reported, "round \(round): reported enabled=\(reported)")
            #expect(try toggle(!reported, admin: admin).status == 200)
            #expect(try realState(port: port80) == !reported)
        }
        #expect(try RawHTTP.send("GET", "/version", port: admin, host: Self.host).text == "unknown")
    }
}
