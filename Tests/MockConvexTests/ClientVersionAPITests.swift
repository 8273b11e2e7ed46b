import EventHTTP
@testable import MockConvex
import Testing

/// The `Convex-Client` middleware on every route but `/version` and `/metrics`:
/// `InvalidClientVersion`, `ClientVersionUnsupported` and the deprecation headers (notes §2).
@Suite(.timeLimit(.minutes(1))) struct ClientVersionAPITests {
    static let config = #"{"functions": {"app:hi": {"type": "query", "returns": "hi"}}, "httpRoutes": [{"method": "GET", "path": "/hi", "body": "hi"}]}"#
    static let npmInstructions = "Update your Convex npm version with `npx convex update` or `npm update`."
    static let pythonInstructions = "Update your Convex python version with `pip install --upgrade convex`."
    static let rustInstructions = "Update your Convex rust version with `cargo update -p convex` or by updating `Cargo.toml`."

    private func query(client: String) throws -> HTTPResponse {
        try InProcess(config: Self.config).post("/api/query", #"{"path":"app:hi","args":{}}"#, headers: ["Convex-Client": client])
    }

    @Test(arguments: ["python", "", "npm", "1.2.3", "swift_0.1.0"])
    func aValueWithoutADashIsInvalid(client: String) throws {
        let response = try query(client: client)
        #expect(response.status == 400)
        #expect(response.headers == ["content-type": "application/json"])
        #expect(response.bodyText == #"{"code":"InvalidClientVersion","message":"Failed to parse client version string: '\#(client)'. Expected format is {client_name}-{semver}, e.g. my-esolang-client-0.0.1"}"#)
    }

    @Test(arguments: [
        ("npm-0.19.1", "npm", "0.19.1", npmInstructions),
        ("npm-0.1.0", "npm", "0.1.0", npmInstructions),
        ("npm-foo", "npm", "foo", npmInstructions),
        ("NPM-1.x", "npm", "1.x", npmInstructions),
        ("npm-cli-0.19.0", "npm-cli", "0.19.0", npmInstructions),
        ("actions-0.19.1", "actions", "0.19.1", npmInstructions),
        ("python-convex-0.0.2", "python", "0.0.2", pythonInstructions),
        ("python-0.0.1", "python", "0.0.1", pythonInstructions),
        ("python-x", "python", "x", pythonInstructions),
        ("rust-0.0.1", "rust", "0.0.1", rustInstructions),
        ("rust-0.0.1-beta", "rust", "0.0.1-beta", rustInstructions),
    ])
    func oldClientsAreUnsupported(client: String, name: String, version: String, instructions: String) throws {
        let message = "The Convex \(name) package at version \(version) is no longer supported. \(instructions)"
        let response = try query(client: client)
        #expect(response.status == 400)
        #expect(response.headers == [
            "content-type": "application/json",
            "x-convex-deprecation-state": "Unsupported",
            "x-convex-deprecation-message": message,
        ])
        #expect(try response.json == .object([("code", .string("ClientVersionUnsupported")), ("message", .string(message))]))
    }

    @Test(arguments: [
        ("python-convex-0.2.0", "python", "0.2.0"),
        ("python-0.1.0", "python", "0.1.0"),
        ("python-convex-0.0.3", "python", "0.0.3"),
    ])
    func clientsNearTheEndAreServedWithAWarning(client: String, name: String, version: String) throws {
        let message = "The Convex \(name) package at \(version) is deprecated and will no longer be supported soon. When this version is no longer supported, requests to Convex will fail, so it is best to upgrade and redeploy your application as soon as possible. \(Self.pythonInstructions)"
        let response = try query(client: client)
        #expect(response.status == 200)
        #expect(response.headers == [
            "content-type": "application/json",
            "vary": CORSHeaders.vary,
            "access-control-allow-credentials": "true",
            "x-convex-deprecation-state": "UpgradeRequired",
            "x-convex-deprecation-message": message,
        ])
        // Old Python clients get the encoded format; "hi" is the same in both.
        #expect(response.bodyText == #"{"status":"success","value":"hi"}"#)
    }

    @Test(arguments: ["npm-0.19.2", "npm-1.17.0", "python-convex-0.2.1", "python-0.5.0", "rust-0.0.2", "swift-0.0.1", "kotlin-0.0.1",
                      "my-esolang-client-0.0.1", "anything-at-all", "dashboard-x", "npm-1.2.3-alpha.1"])
    func otherClientsAreServedPlainly(client: String) throws {
        let response = try query(client: client)
        #expect(response.status == 200)
        #expect(response.headers == ["content-type": "application/json", "vary": CORSHeaders.vary, "access-control-allow-credentials": "true"])
    }

    @Test func aHeaderThatIsNotVisibleASCIICountsAsNoHeader() throws {
        let response = try query(client: "python\u{7F}")
        #expect(response.status == 200)
        #expect(response.bodyText == #"{"status":"success","value":"hi"}"#)
    }

    @Test(arguments: ["/", "/nope", "/instance_name", "/http/hi", "/api/check_admin_key"])
    func theCheckRunsOnEveryOtherRoute(path: String) throws {
        let response = try InProcess(config: Self.config).admin(.GET, path, headers: ["Convex-Client": "npm-0.1.0"])
        #expect(response.status == 400)
        #expect(try response.json["code"] == .string("ClientVersionUnsupported"))
    }

    @Test func theCheckRunsOnTheSitePortToo() throws {
        let mock = try InProcess(config: Self.config)
        let refused = try mock.site(.GET, "/hi", headers: ["Convex-Client": "x"])
        #expect(refused.status == 400)
        #expect(try refused.json["code"] == .string("InvalidClientVersion"))
        let warned = try mock.site(.GET, "/hi", headers: ["Convex-Client": "python-0.1.0"])
        #expect(warned.status == 200)
        #expect(warned.headers["x-convex-deprecation-state"] == "UpgradeRequired")
        #expect(warned.bodyText == "hi")
    }

    @Test(arguments: ["/version", "/metrics"])
    func versionAndMetricsIgnoreTheHeader(path: String) throws {
        let mock = try InProcess(config: Self.config)
        for listener in [mock.admin, mock.site] as [any HTTPHandler] {
            let response = try mock.send(HTTPRequest(method: .GET, uri: path, headers: ["Convex-Client": "npm-0.1.0"]), to: listener)
            #expect(response.status != 400)
            #expect(!response.headers.contains("x-convex-deprecation-state"))
        }
    }
}
