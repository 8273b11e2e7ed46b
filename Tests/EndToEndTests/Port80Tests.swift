import Foundation
import Testing
import TestSupport

/// Port 80 served and not served. The real port 80 is used inside network namespaces of the
/// test's own, where it is free and the kernel's real bind rules apply.
@Suite(.serialized, .timeLimit(.minutes(2))) struct Port80Tests {
    @Test func port80AnswersExactlyWhatTheAdminPortAnswers() throws {
        let server = try MockConvexProcess(["--port", "0", "--site-proxy-port", "0", "--port80-port", "0", "--config", Fixtures.exampleConfig])
        defer { server.stop() }
        let admin = try server.port("admin")
        let port80 = try server.port("port80")
        for (method, path, body) in [("GET", "/version", ""), ("GET", "/", ""), ("GET", "/nope", ""), ("GET", "/http/hello", ""),
                                     ("POST", "/api/query", #"{"path":"app:version","args":{}}"#)] {
            let headers = body.isEmpty ? [] : [("Content-Type", "application/json")]
            let viaAdmin = try RawHTTP.send(method, path, port: admin, headers: headers, body: Array(body.utf8))
            let via80 = try RawHTTP.send(method, path, port: port80, headers: headers, body: Array(body.utf8))
            #expect(viaAdmin.status == via80.status, "\(path)")
            #expect(viaAdmin.headerNames.filter { $0 != "date" } == via80.headerNames.filter { $0 != "date" }, "\(path)")
            #expect(viaAdmin.text == via80.text, "\(path)")
        }
    }

    @Test func theDefaultServesTheRealPort80() throws {
        let namespace = try NetworkNamespace()
        defer { namespace.remove() }
        let server = try MockConvexProcess([], prefix: namespace.exec)
        defer { server.stop() }
        #expect(try server.port("port80") == 80)
        #expect(try server.port("admin") == 3210)
        #expect(try server.port("site") == 3211)
        let version = try namespace.run(["curl", "-sS", "--max-time", "10", "http://127.0.0.1:80/version"])
        #expect(version.status == 0)
        #expect(version.stdout == "unknown")
    }

    @Test func noPort80RefusesConnectionsWhileAdminAndSiteAnswer() throws {
        let namespace = try NetworkNamespace()
        defer { namespace.remove() }
        let server = try MockConvexProcess(["--no-port80", "--config", Fixtures.exampleConfig], prefix: namespace.exec)
        defer { server.stop() }
        #expect(server.stdoutLines.contains("mockconvex not serving: port80 (--no-port80): connections to port 80 are refused"))
        let refused = try namespace.run(["curl", "-sS", "--max-time", "10", "http://127.0.0.1/version"])
        #expect(refused.status == 7, "curl exit 7 is 'failed to connect'; got \(refused.status): \(refused.stderr)")
        #expect(refused.stderr.contains("Connection refused") || refused.stderr.contains("Couldn't connect"))
        let admin = try namespace.run(["curl", "-sS", "--max-time", "10", "http://127.0.0.1:3210/version"])
        #expect(admin.stdout == "unknown")
        let site = try namespace.run(["curl", "-sS", "--max-time", "10", "http://127.0.0.1:3211/hello"])
        #expect(site.stdout == "Hello world!")
    }

    @Test func port80WithoutPermissionExitsOneAndNamesTheFixes() throws {
        let namespace = try NetworkNamespace()
        defer { namespace.remove() }
        // Inside a container unprivileged ports may start at 0; in this namespace they start
        // at 1024, as on a stock Linux host.
        try namespace.run(["sysctl", "-qw", "net.ipv4.ip_unprivileged_port_start=1024"])
        let copy = try Fixtures.worldExecutableCopyOfBinary()
        defer { try? FileManager.default.removeItem(atPath: (copy as NSString).deletingLastPathComponent) }
        let result = try namespace.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", copy, "--port", "0", "--site-proxy-port", "0"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("cannot listen on 127.0.0.1:80 for port80: permission denied"), "stderr: \(result.stderr)")
        for fix in ["CAP_NET_BIND_SERVICE", "--port80-port", "--no-port80"] {
            #expect(result.stderr.contains(fix), "the message should name \(fix)")
        }
    }
}
