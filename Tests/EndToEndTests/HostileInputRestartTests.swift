import Foundation
@testable import MockConvex
import Testing
import TestSupport

/// The hostile but documented uses that once bricked a data directory or crash-looped the
/// server, against the real binary with `--data-dir`: each is refused with the backend's
/// error (or kept, where the backend keeps it), and a restart on the same directory starts
/// and serves.
@Suite(.timeLimit(.minutes(5))) struct HostileInputRestartTests {
    static let config = #"""
        {
          "functions": {
            "things:add": {"type": "mutation", "insert": "things"},
            "things:edit": {"type": "mutation", "patch": "things"},
            "things:get": {"type": "query", "get": "things"},
            "jobs:list": {"type": "query", "list": "_scheduled_functions"},
            "chain:tick": {"type": "mutation", "schedule": {"function": "chain:tick", "delayMs": 0}}
          }
        }
        """#

    private struct Setup {
        let arguments: [String]
        let directory: String
    }

    private func setup() throws -> Setup {
        let config = try Fixtures.temporaryFile(Self.config)
        let directory = try Fixtures.temporaryDirectory()
        return Setup(arguments: ["--port", "0", "--site-proxy-port", "0", "--no-port80", "--config", config, "--data-dir", directory, "--log-level", "warning"],
                     directory: directory)
    }

    private static func callbackHeaders(_ port: Int) throws -> [(String, String)] {
        let issued = try RawHTTP.send("POST", "/_mock/action-callback-token", port: port)
        guard case .string(let token)? = try JSONReader.parse(issued.body)["token"] else { throw StorageClient.ClientError.failed("no token") }
        return [("Convex-Action-Callback-Token", token)]
    }

    @Test func aPatchPastTheLimitsIsRefusedAndTheDirectoryStillStarts() throws {
        let setup = try setup()
        defer { try? FileManager.default.removeItem(atPath: setup.directory) }
        var id = ""
        do {
            let server = try MockConvexProcess(setup.arguments)
            defer { server.stop() }
            let client = try StorageClient(port: try server.port("admin"))
            let wide = (0..<1000).map { #""f\#($0)":1"# }.joined(separator: ",")
            guard case .string(let added) = try client.call("mutation", "things:add", "{\(wide)}") else { throw StorageClient.ClientError.failed("no id") }
            id = added
            let more = (0..<100).map { #""g\#($0)":1"# }.joined(separator: ",")
            let patched = try RawHTTP.post("/api/mutation", port: client.port, json: #"{"path":"things:edit","args":{"id":"\#(id)",\#(more)}}"#)
            #expect(patched.status == 200)
            #expect(patched.text.contains(#"Uncaught Error: Object has too many fields (1102 > maximum number 1024)"#))
            let big = String(repeating: "z", count: 12 << 20)
            for _ in 0..<3 {
                let huge = try RawHTTP.post("/api/mutation", port: client.port, json: #"{"path":"things:edit","args":{"id":"\#(id)","big":"\#(big)"}}"#)
                #expect(huge.text.contains("Uncaught Error: Value is too large (12.01 MiB > maximum size 1 MiB)"))
            }
        }
        let restarted = try MockConvexProcess(setup.arguments)
        defer { restarted.stop() }
        let document = try StorageClient(port: try restarted.port("admin")).call("query", "things:get", #"{"id":"\#(id)"}"#)
        #expect(document["f999"] == .number(1))
        #expect(document["g0"] == nil)
        #expect(document["big"] == nil)
    }

    @Test func schedulesBeyondTheBackendsRangeAreRefusedAndFarOnesKept() throws {
        let setup = try setup()
        defer { try? FileManager.default.removeItem(atPath: setup.directory) }
        do {
            let server = try MockConvexProcess(setup.arguments)
            defer { server.stop() }
            let port = try server.port("admin")
            let headers = try Self.callbackHeaders(port)
            let refused = try RawHTTP.post("/api/actions/schedule_job", port: port,
                                           json: #"{"udfPath":"_mockconvex:ping","udfArgs":{},"scheduledTs":1e300}"#, headers: headers)
            #expect(refused.status == 400)
            #expect(refused.text == #"{"code":"InvalidTimestamp","message":"Requested scheduled_ts is invalid"}"#)
            let kept = try RawHTTP.post("/api/actions/schedule_job", port: port,
                                        json: #"{"udfPath":"things:add","udfArgs":{},"scheduledTs":9000000000}"#, headers: headers)
            #expect(kept.status == 200)
            #expect(kept.text.hasPrefix(#"{"jobId":"kc2"#))
            // Killed, not stopped: the next start reads what was committed.
            kill(server.process.processIdentifier, SIGKILL)
            #expect(server.waitUntilDead(timeout: 30))
        }
        let restarted = try MockConvexProcess(setup.arguments)
        defer { restarted.stop() }
        guard case .array(let jobs) = try StorageClient(port: try restarted.port("admin")).call("query", "jobs:list", "{}") else {
            throw StorageClient.ClientError.failed("no jobs")
        }
        #expect(jobs.count == 1)
        #expect(jobs.first?["state"]?["kind"] == .string("pending"))
        #expect(jobs.first?["scheduledTime"] == .number(9_000_000_000_000))
    }

    @Test func anEndlessChainStaysBoundedAndResumesAfterAKill() throws {
        let setup = try setup()
        defer { try? FileManager.default.removeItem(atPath: setup.directory) }
        do {
            let server = try MockConvexProcess(setup.arguments)
            defer { server.stop() }
            let client = try StorageClient(port: try server.port("admin"))
            _ = try client.call("mutation", "chain:tick", "{}")
            // Let it run a while, then kill it mid-chain.
            let deadline = Date().addingTimeInterval(20)
            var finished = 0
            while finished < 200 && Date() < deadline {
                usleep(20_000)
                guard case .array(let jobs) = try client.call("query", "jobs:list", "{}") else { continue }
                finished = jobs.filter { $0["state"]?["kind"] == .string("success") }.count
            }
            #expect(finished >= 200, "the chain did not run")
            kill(server.process.processIdentifier, SIGKILL)
            #expect(server.waitUntilDead(timeout: 30))
        }
        let restarted = try MockConvexProcess(setup.arguments)
        defer { restarted.stop() }
        let client = try StorageClient(port: try restarted.port("admin"))
        guard case .array(let before) = try client.call("query", "jobs:list", "{}") else { throw StorageClient.ClientError.failed("no jobs") }
        // The chain goes on from where it was: new jobs keep finishing after the restart.
        let deadline = Date().addingTimeInterval(20)
        var after = before
        while after.count <= before.count + 20 && Date() < deadline {
            usleep(20_000)
            if case .array(let jobs) = try client.call("query", "jobs:list", "{}") { after = jobs }
        }
        #expect(after.count > before.count + 20, "the chain did not resume")
        #expect(after.count <= JobRetention.maxFinished + 2)
        let pending = after.filter { $0["state"]?["kind"] == .string("pending") }.count
        #expect(pending <= 2, "\(pending) jobs pending at once")
    }
}
