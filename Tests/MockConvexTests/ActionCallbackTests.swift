import EventHTTP
@testable import MockConvex
import Testing

/// `/api/actions/*`: what a Node action's `ctx.*` calls reach (protocol §6).
@Suite(.timeLimit(.minutes(1))) struct ActionCallbackTests {
    static let config = """
        {"functions": {"messages:send": {"type": "mutation", "insert": "messages"},
         "messages:list": {"type": "query", "list": "messages"},
         "app:secret": {"type": "query", "visibility": "internal", "returns": "s3cret"},
         "app:echo": {"type": "action", "echo": true},
         "app:fail": {"type": "query", "throws": "nope"}}}
        """
    static let cors: HTTPHeaders = [
        "content-type": "application/json", "vary": CORSHeaders.vary, "access-control-allow-credentials": "true",
    ]

    private func callback(_ mock: InProcess, _ route: String, _ body: String, headers: HTTPHeaders? = nil) throws -> HTTPResponse {
        try mock.admin(.POST, "/api/actions/" + route, headers: headers ?? mock.callbackHeaders, body: body)
    }

    @Test(arguments: ["query", "mutation", "action", "schedule_job", "cancel_job", "storage_generate_upload_url",
                      "storage_get_url", "storage_get_metadata", "storage_delete"])
    func everyRouteNeedsTheCallbackToken(route: String) throws {
        let mock = try InProcess(config: Self.config)
        for headers: HTTPHeaders in [["Content-Type": "application/json"], ["Content-Type": "application/json", "Convex-Action-Callback-Token": ""]] {
            let response = try callback(mock, route, "{}", headers: headers)
            #expect(response.status == 500)
            #expect(response.headers == Self.cors)
            #expect(response.bodyText == #"{"code":"InternalServerError","message":"Your request couldn't be completed. Try again later."}"#)
        }
    }

    @Test func internalFunctionsAreCallableAndValuesAreEncoded() throws {
        let mock = try InProcess(config: Self.config)
        let secret = try callback(mock, "query", #"{"path":"app:secret","args":{}}"#)
        #expect(secret.status == 200)
        #expect(secret.headers == Self.cors)
        #expect(secret.bodyText == #"{"status":"success","value":"s3cret"}"#)
        // Not from the public API without an admin key.
        #expect(try mock.post("/api/query", #"{"path":"app:secret","args":{}}"#).bodyText.contains("Could not find public function for 'app:secret'"))
        let echoed = try callback(mock, "action", #"{"path":"app:echo","args":{"n":{"$integer":"AQAAAAAAAAA="}}}"#)
        #expect(echoed.bodyText == #"{"status":"success","value":{"n":{"$integer":"AQAAAAAAAAA="}}}"#)
    }

    @Test func errorsCarryNoRequestId() throws {
        let response = try callback(try InProcess(config: Self.config), "query", #"{"path":"app:fail","args":{}}"#)
        #expect(response.status == 200)
        let json = try response.json
        #expect(json["status"] == .string("error"))
        #expect(json["errorMessage"]?.stringValue?.hasPrefix("[Request ID:") == false)
        #expect(json["errorMessage"]?.stringValue?.contains("Uncaught Error: nope") == true)
    }

    @Test func aMutationRunsOncePerIdentifier() throws {
        let mock = try InProcess(config: Self.config)
        let body = #"{"path":"messages:send","args":{"body":"x"},"mutationIdentifier":{"sessionId":"6ba7b810-9dad-11d1-80b4-00c04fd430c8","requestId":1}}"#
        let first = try callback(mock, "mutation", body)
        let retry = try callback(mock, "mutation", body)
        #expect(first.status == 200)
        #expect(retry.bodyText == first.bodyText)
        let other = try callback(mock, "mutation", body.replacingOccurrences(of: #""requestId":1"#, with: #""requestId":2"#))
        #expect(other.bodyText != first.bodyText)
        guard case .array(let documents)? = try callback(mock, "query", #"{"path":"messages:list","args":{}}"#).json["value"] else {
            Issue.record("no list")
            return
        }
        #expect(documents.count == 2)
    }

    @Test func aCallNeedsAPathOrAReferenceButNotBoth() throws {
        let mock = try InProcess(config: Self.config)
        let none = try callback(mock, "query", #"{"args":{}}"#)
        #expect(none.status == 400)
        #expect(none.bodyText == #"{"code":"MissingUdfPathOrFunctionReference","message":"Missing UDF path or function reference. One must be provided."}"#)
        let both = try callback(mock, "query", #"{"path":"a:b","reference":"x","args":{}}"#)
        #expect(both.status == 400)
        #expect(both.bodyText == #"{"code":"InvalidUdfPathOrFunctionReference","message":"Both UDF path and function reference provided. Only one must be provided."}"#)
    }

    @Test func storageCallbacksRoundTrip() throws {
        let mock = try InProcess(config: Self.config) { $0.convexOrigin = "http://backend.test:3210" }
        let generated = try callback(mock, "storage_generate_upload_url", "{}")
        #expect(generated.status == 200)
        let url = try #require(try generated.json["url"]?.stringValue)
        #expect(url.hasPrefix("http://backend.test:3210/api/storage/upload?token="))
        let upload = try mock.admin(.POST, "/api/storage/upload?" + url.split(separator: "?")[1], headers: ["Content-Type": "text/plain"], body: "hello")
        let storageId = try #require(try upload.json["storageId"]?.stringValue)

        let located = try callback(mock, "storage_get_url", #"{"storageId":"\#(storageId)"}"#)
        let downloadURL = try #require(try located.json["url"]?.stringValue)
        #expect(downloadURL.hasPrefix("http://backend.test:3210/api/storage/"))
        let uuid = String(downloadURL.split(separator: "/").last!)
        let metadata = try callback(mock, "storage_get_metadata", #"{"storageId":"\#(uuid)"}"#)
        #expect(metadata.bodyText == #"{"storageId":"\#(uuid)","sha256":"2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824","size":5,"contentType":"text/plain"}"#)

        let deleted = try callback(mock, "storage_delete", #"{"storageId":"\#(storageId)"}"#)
        #expect(deleted.status == 200)
        #expect(deleted.bodyText == "null")
        #expect(try callback(mock, "storage_get_url", #"{"storageId":"\#(storageId)"}"#).bodyText == #"{"url":null}"#)
        #expect(try callback(mock, "storage_get_metadata", #"{"storageId":"\#(uuid)"}"#).bodyText == "null")
        let again = try callback(mock, "storage_delete", #"{"storageId":"\#(uuid)"}"#)
        #expect(again.status == 400)
        #expect(again.bodyText == #"{"code":"StorageIdNotFound","message":"storage id \#(uuid) not found"}"#)
    }

    @Test func aCancelOfSomethingThatIsNotAJobIdIsRefused() throws {
        let response = try callback(try InProcess(config: Self.config), "cancel_job", #"{"id":"nope"}"#)
        #expect(response.status == 400)
        #expect(response.bodyText == #"{"code":"InvalidArgument","message":"Invalid scheduled function ID"}"#)
    }

    @Test func aBodyWithoutItsFieldsIsABadJsonBody() throws {
        let response = try callback(try InProcess(config: Self.config), "schedule_job", #"{"udfPath":"messages:send"}"#)
        #expect(response.status == 400)
        #expect(try response.json["code"] == .string("BadJsonBody"))
    }
}

/// Callback tokens mean something: only this deployment's own, and only for an hour.
@Suite(.timeLimit(.minutes(1))) struct ActionCallbackTokenTests {
    static let config = #"{"functions": {"app:ping": {"type": "query", "returns": "pong"}}}"#
    static let body = #"{"path":"app:ping","args":{}}"#
    static let refusal = #"{"code":"InternalServerError","message":"Your request couldn't be completed. Try again later."}"#

    private func call(_ mock: InProcess, token: String) throws -> HTTPResponse {
        try mock.admin(.POST, "/api/actions/query", headers: ["Content-Type": "application/json", "Convex-Action-Callback-Token": token], body: Self.body)
    }

    @Test func aTokenThisDeploymentIssuedIsAccepted() throws {
        let mock = try InProcess(config: Self.config)
        let answer = try call(mock, token: mock.deployment.issueCallbackToken())
        #expect(answer.status == 200)
        #expect(answer.bodyText == #"{"status":"success","value":"pong"}"#)
    }

    @Test(arguments: ["0a1b2c", "01" + String(repeating: "ab", count: 56), "not hex at all", String(repeating: "f", count: 200)])
    func aTokenItDidNotIssueIsTheBackendsPlain500(token: String) throws {
        let mock = try InProcess(config: Self.config)
        let answer = try call(mock, token: token)
        #expect(answer.status == 500)
        #expect(answer.bodyText == Self.refusal)
    }

    @Test func aTokenOfAnotherSecretOrInstanceIsRefused() throws {
        let mock = try InProcess(config: Self.config)
        let otherSecret = try InProcess(config: Self.config) { $0.instanceSecret = String(repeating: "cd", count: 32) }
        #expect(try call(mock, token: otherSecret.deployment.issueCallbackToken()).status == 500)
        let otherName = try InProcess(config: Self.config) { $0.instanceName = "another-instance" }
        #expect(try call(mock, token: otherName.deployment.issueCallbackToken()).status == 500)
        // An upload token is signed for another purpose.
        #expect(try call(mock, token: mock.deployment.files.issueUploadToken()).status == 500)
    }

    @Test func aTokenExpiresAfterTwiceTheActionTimeout() throws {
        let now = Locked<Int64>(1_800_000_000)
        let mock = try InProcess(config: Self.config, clock: { now.withLock { $0 } })
        let token = mock.deployment.issueCallbackToken()
        now.withLock { $0 += 3599 }
        #expect(try call(mock, token: token).status == 200)
        now.withLock { $0 += 1 }
        let expired = try call(mock, token: token)
        #expect(expired.status == 500)
        #expect(expired.bodyText == Self.refusal)
    }

    @Test func theControlAPIIssuesTokensForTestsThatPlayANodeAction() throws {
        let control = try ControlInProcess(config: Self.config)
        let issued = try control.call(.POST, "/_mock/action-callback-token")
        #expect(issued.status == 200)
        let token = try #require(try issued.json["token"]?.stringValue)
        #expect(token.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0) })
        #expect(try call(control.mock, token: token).status == 200)
    }
}
