import EventHTTP
import Foundation
@testable import MockConvex
import Testing

/// `POST /_mock/reset` and `GET /_mock/state`, and the bearer token in front of every
/// control route.
@Suite(.timeLimit(.minutes(1))) struct ControlStateTests {
    static let config = """
        {"functions": {"messages:send": {"type": "mutation", "insert": "messages"},
                       "messages:list": {"type": "query", "list": "messages"},
                       "files:upload": {"type": "mutation", "storage": "generateUploadUrl"}},
         "httpRoutes": [{"method": "GET", "path": "/hello", "body": "hello"}],
         "documents": {"messages": [{"body": "seeded", "n": {"$integer": "AQAAAAAAAAA="}}]},
         "faults": [{"path": "/broken", "kind": "status", "status": 500}]}
        """

    private func bodies(_ mock: ControlInProcess) throws -> [JSON] {
        guard case .array(let documents)? = try mock.query("messages:list").json["value"] else { return [] }
        return documents.map { $0["body"] ?? .null }
    }

    @Test func resetGoesBackToTheConfigInOneStep() throws {
        let mock = try ControlInProcess(config: Self.config)
        _ = try mock.mutation("messages:send", #"{"body": "added"}"#)
        _ = try mock.call(.PUT, "/_mock/functions/extra:fn", #"{"type": "query", "returns": 1}"#)
        _ = try mock.call(.PUT, "/_mock/http-routes", "[]")
        _ = try mock.call(.DELETE, "/_mock/faults")
        _ = try mock.call(.POST, "/_mock/faults", #"{"path": "/version", "kind": "close"}"#)
        let file = try #require(try mock.admin(.POST, "/api/storage/upload?token=" + uploadToken(mock), headers: ["Content-Type": "text/plain"], body: "blob").response)
        #expect(file.status == 200)
        #expect(try bodies(mock) == [.string("seeded"), .string("added")])

        let reset = try mock.call(.POST, "/_mock/reset")
        #expect(reset.status == 200)
        #expect(try reset.json["files"] == .array([]))
        #expect(try bodies(mock) == [.string("seeded")])
        #expect(try mock.query("extra:fn").bodyText.contains("Could not find public function for 'extra:fn'"))
        #expect(try mock.site(.GET, "/hello").response?.bodyText == "hello")
        #expect(try mock.admin(.GET, "/version").response?.status == 200)
        #expect(try mock.site(.GET, "/broken").response?.status == 500)
        // The config's fault is back (a new rule, so a new id), and has acted once.
        #expect(try mock.call(.GET, "/_mock/faults").bodyText == #"{"faults":[{"id":3,"kind":"status","path":"/broken","status":500,"applied":1}]}"#)
        // The journal restarted with the reset.
        #expect(mock.control.journal.entries.map(\.path) == ["/broken", "/version", "/hello", "/api/query", "/api/query"])
    }

    private func uploadToken(_ mock: ControlInProcess) throws -> String {
        let url = try mock.mutation("files:upload").json["value"]?.stringValue ?? ""
        return String(url.split(separator: "=").last ?? "")
    }

    @Test func aResetIsDurableInTheDataDirectory() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("mockconvex-reset-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let config = try DeploymentConfig.parse(Array(Self.config.utf8))
        let settings = DeploymentSettings(instanceSecret: String(repeating: "ab", count: 32), adminKey: InProcess.adminKey)
        do {
            let deployment = try Deployment(settings: settings, config: config, directory: try DataDirectory(path: path))
            let upload = Reply<Result<StoredFile, ConvexAPIError>>.wait { reply in
                deployment.files.upload(RequestBody(Array("blob".utf8)), contentType: nil, expectedSHA256: nil, reply)
            }
            let file = try upload.get()
            #expect(FileManager.default.fileExists(atPath: "\(path)/blobs/\(file.uuid)"))
            try Reply<Result<Void, PersistenceError>>.wait { deployment.reset($0) }.get()
            #expect(!FileManager.default.fileExists(atPath: "\(path)/blobs/\(file.uuid)"))
            deployment.close()
        }
        let reopened = try Deployment(settings: settings, config: config, directory: try DataDirectory(path: path))
        defer { reopened.close() }
        let contents = reopened.contents()
        #expect(contents.files.isEmpty)
        #expect(contents.tables.first { $0.name == "messages" }?.documents.map { $0.fields["body"] } == [.string("seeded")])
    }

    @Test func stateExportsDocumentsFilesAndJobsLosslessly() throws {
        let mock = try ControlInProcess(config: Self.config)
        let state = try mock.call(.GET, "/_mock/state")
        #expect(state.status == 200)
        let json = try state.json
        guard case .array(let messages)? = json["tables"]?["messages"], let seeded = messages.first else {
            Issue.record("no messages in \(state.bodyText)")
            return
        }
        #expect(messages.count == 1)
        #expect(seeded["body"] == .string("seeded"))
        #expect(seeded["n"] == .object([("$integer", .string("AQAAAAAAAAA="))]))
        #expect(seeded["_id"]?.stringValue?.count == 32)
        #expect(json["files"] == .array([]))
        #expect(json["scheduledFunctions"] == .array([]))
    }

    @Test func aTokenIsRequiredAndCheckedWhenSet() throws {
        var options = ControlAPI.Options()
        options.token = "s3cret"
        let mock = try ControlInProcess(options: options)
        let missing = try mock.call(.GET, "/_mock/faults")
        #expect(missing.status == 401)
        #expect(missing.bodyText == #"{"code":"ControlTokenRequired","message":"The control API needs the header Authorization: Bearer <token>, with the token given to --control-token"}"#)
        let wrong = try mock.call(.GET, "/_mock/faults", headers: ["Authorization": "Bearer s3cre7"])
        #expect(wrong.status == 401)
        #expect(wrong.bodyText == #"{"code":"BadControlToken","message":"The bearer token does not match the one given to --control-token"}"#)
        #expect(try mock.call(.GET, "/_mock/faults", headers: ["Authorization": "Bearer s3cret"]).status == 200)
        // The deployment's own routes need no control token.
        #expect(try mock.admin(.GET, "/version").response?.status == 200)
    }

    @Test func unknownControlRoutesAndMethods() throws {
        let mock = try ControlInProcess()
        let unknown = try mock.call(.GET, "/_mock/nothing")
        #expect(unknown.status == 404)
        #expect(unknown.bodyText == #"{"code":"UnknownControlRoute","message":"There is no control route GET /_mock/nothing; docs/control-api.md lists them"}"#)
        let method = try mock.call(.PATCH, "/_mock/reset")
        #expect(method.status == 405)
        #expect(method.headers["allow"] == "POST")
    }

    @Test func listenersNeedARunningServer() throws {
        let response = try ControlInProcess().call(.GET, "/_mock/listeners")
        #expect(response.status == 503)
        #expect(response.bodyText == #"{"code":"NotServing","message":"The listeners are not running yet"}"#)
    }
}
