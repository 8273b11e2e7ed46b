import Foundation
@testable import MockConvex
import Testing
import TestSupport

/// The issue's "done when", through the real binary on real sockets.
@Suite(.timeLimit(.minutes(2))) struct DeploymentEndToEndTests {
    private func start(_ extra: [String] = []) throws -> MockConvexProcess {
        try MockConvexProcess(["--port", "0", "--site-proxy-port", "0", "--no-port80", "--config", Fixtures.exampleConfig] + extra)
    }

    @Test func versionIsUnknown() throws {
        let server = try start()
        defer { server.stop() }
        let response = try RawHTTP.get("/version", port: try server.port("admin"))
        #expect(response.status == 200)
        #expect(response.header("Content-Type") == "text/plain; charset=utf-8")
        #expect(response.text == "unknown")
    }

    @Test(arguments: [nil, "convex_encoded_json"])
    func anInsertThenAListReturnsTheDocumentWithAValidId(format: String?) throws {
        let server = try start()
        defer { server.stop() }
        let admin = try server.port("admin")
        let formatField = format.map { #","format":"\#($0)""# } ?? ""
        let insert = try RawHTTP.post("/api/mutation", port: admin, json: #"{"path":"messages:send","args":{"body":"hello","author":"grace","n":{"$integer":"KgAAAAAAAAA="}}\#(formatField)}"#)
        #expect(insert.status == 200)
        let inserted = try JSONReader.parse(insert.body)
        #expect(inserted["status"] == .string("success"))
        guard case .string(let idText)? = inserted["value"] else { Issue.record("no id in \(insert.text)"); return }
        let id = try DocumentId(decoding: idText)
        #expect(id.tableNumber == 10001)

        let list = try RawHTTP.post("/api/query", port: admin, json: #"{"path":"messages:list","args":{"author":"grace"}\#(formatField)}"#)
        #expect(list.status == 200)
        let listed = try JSONReader.parse(list.body)
        guard case .array(let documents)? = listed["value"], documents.count == 1 else { Issue.record("unexpected \(list.text)"); return }
        let document = documents[0]
        #expect(document["_id"] == .string(idText))
        #expect(document["body"] == .string("hello"))
        if format == nil {
            #expect(document["n"] == .string("42"))
        } else {
            #expect(document["n"] == .object([("$integer", .string("KgAAAAAAAAA="))]))
        }
        guard case .number(let creationTime)? = document["_creationTime"] else { Issue.record("no _creationTime"); return }
        #expect(creationTime > 1.7e12)
        // The fields come out in the backend's order: sorted by bytes.
        #expect(list.text.contains(#"{"_creationTime":"#))
    }

    @Test func bodiesOverTheLimitsGet413AndTheServerKeepsServing() throws {
        let server = try start(["--max-body-bytes", "1024", "--max-upload-bytes", "2048"])
        defer { server.stop() }
        let admin = try server.port("admin")
        let json = [("Content-Type", "application/json")]
        // Over the route's limit: mockconvex's own answer.
        let overRoute = try RawHTTP.send("POST", "/api/query", port: admin, headers: json, body: [UInt8](repeating: 32, count: 1500))
        #expect(overRoute.status == 413)
        #expect(overRoute.text == #"{"code":"PayloadTooLarge","message":"The request body is 1500 bytes, more than the 1024 bytes --max-body-bytes allows"}"#)
        // Over every limit: the HTTP layer refuses it before reading further, and closes.
        let overAll = try RawHTTP.send("POST", "/api/query", port: admin, headers: json, body: [UInt8](repeating: 32, count: 4096))
        #expect(overAll.status == 413)
        #expect(overAll.header("Connection") == "close")
        #expect(try RawHTTP.get("/version", port: admin).text == "unknown")
    }

    @Test func anUnansweredRequestGets408AfterTheRequestTimeout() throws {
        let config = try Fixtures.temporaryFile(#"{"functions": {"slow:wait": {"type": "action", "returns": null, "delayMs": 5000}}}"#)
        let server = try MockConvexProcess(["--port", "0", "--site-proxy-port", "0", "--no-port80", "--config", config, "--request-timeout", "1"])
        defer { server.stop() }
        let response = try RawHTTP.post("/api/action", port: try server.port("admin"), json: #"{"path":"slow:wait","args":{}}"#)
        #expect(response.status == 408)
        #expect(response.body.isEmpty)
        #expect(response.header("Content-Type") == nil)
    }

    @Test func severalThreadsServeTheSameDeployment() throws {
        let server = try start(["--threads", "3"])
        defer { server.stop() }
        let admin = try server.port("admin")
        for index in 0..<40 {
            let insert = try RawHTTP.post("/api/mutation", port: admin, json: #"{"path":"messages:send","args":{"body":"m\#(index)","author":"threads"}}"#)
            #expect(insert.status == 200)
        }
        let list = try RawHTTP.post("/api/query", port: admin, json: #"{"path":"messages:list","args":{"author":"threads"}}"#)
        guard case .array(let documents)? = try JSONReader.parse(list.body)["value"] else { Issue.record("unexpected \(list.text)"); return }
        #expect(documents.map { $0["body"] } == (0..<40).map { .string("m\($0)") })
    }

    @Test func sigtermFinishesARequestInFlightAndExitsZero() throws {
        let config = try Fixtures.temporaryFile(#"{"functions": {"slow:echo": {"type": "action", "echo": true, "delayMs": 700}}}"#)
        let server = try MockConvexProcess(["--port", "0", "--site-proxy-port", "0", "--no-port80", "--config", config])
        let admin = try server.port("admin")
        let connection = try RawHTTP.Connection(port: admin)
        try connection.write(RawHTTP.request("POST", "/api/action", port: admin, headers: [("Content-Type", "application/json")],
                                             body: Array(#"{"path":"slow:echo","args":{"x":1}}"#.utf8)))
        // In flight once the server has read it: its receive queue for this connection is empty.
        #expect(Sockets.waitUntilPeerHasRead(connection: connection.fd, serverPort: admin))
        let started = ContinuousClock.now
        kill(server.process.processIdentifier, SIGTERM)
        let response = try connection.readResponse()
        #expect(response.status == 200)
        #expect(response.text == #"{"status":"success","value":{"x":1.0}}"#)
        #expect(response.header("Connection") == "close")
        #expect(server.waitForExit(timeout: 6) == 0)
        #expect(ContinuousClock.now - started < .seconds(5))
        #expect(throws: RawHTTP.Failure.connectFailed(ECONNREFUSED)) { try RawHTTP.get("/version", port: admin) }
    }
}
