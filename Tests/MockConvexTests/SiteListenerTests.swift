import EventHTTP
@testable import MockConvex
import Testing

/// The HTTP-action port (3211): `/version` and `/metrics` answered by the site proxy itself,
/// every other path handed to the HTTP actions as `/http{path}` on the admin port (spec §1
/// and §7, notes §11).
@Suite(.timeLimit(.minutes(1))) struct SiteListenerTests {
    static let config = """
        {"httpRoutes": [
          {"method": "GET", "path": "/", "body": "root"},
          {"method": "GET", "path": "/hello", "headers": {"Content-Type": "text/plain"}, "body": "Hello world!"},
          {"method": "POST", "pathPrefix": "/webhooks/", "status": 204},
          {"method": "GET", "path": "/http/hello", "body": "nested"},
          {"method": "GET", "path": "/version/", "body": "not the meta route"},
          {"method": "GET", "path": "/data", "body": {"n": 2}},
          {"method": "GET", "path": "/boom", "throws": "boom"}
        ]}
        """
    static let allMethods = "GET,HEAD,POST,DELETE,PATCH,PUT,OPTIONS"

    @Test func versionIsAlwaysUnknown() throws {
        let mock = try InProcess(config: Self.config) { $0.version = "1.27.0" }
        let response = try mock.site(.GET, "/version", headers: ["Origin": "https://app.example"])
        #expect(response.status == 200)
        #expect(response.headers == ["content-type": "text/plain; charset=utf-8"])
        #expect(response.bodyText == "unknown")
        #expect(try mock.admin(.GET, "/version").bodyText == "1.27.0")
        #expect(try mock.site(.GET, "/version?x=1").bodyText == "unknown")
        #expect(try mock.site(.HEAD, "/version").status == 200)
    }

    @Test func metricsFollowTheDeploymentSetting() throws {
        let disabled = try InProcess(config: Self.config).site(.GET, "/metrics")
        #expect(disabled.status == 404)
        #expect(disabled.headers == ["content-type": "application/json"])
        #expect(disabled.bodyText == #"{"code":"MetricsDisabled","message":"/metrics endpoint disabled"}"#)
        let mock = try InProcess(config: Self.config) { $0.metricsEnabled = true }
        mock.metrics.record(listener: "site", status: 200)
        let enabled = try mock.site(.GET, "/metrics")
        #expect(enabled.status == 200)
        #expect(enabled.headers == ["content-type": "text/plain; charset=utf-8"])
        #expect(enabled.bodyText.hasSuffix("mockconvex_http_requests_total{listener=\"site\",status=\"200\"} 1\n"))
    }

    @Test(arguments: [(HTTPMethod.POST, "/version"), (.OPTIONS, "/version"), (.DELETE, "/metrics"), (.PUT, "/metrics")])
    func metaRoutesTakeOnlyGet(method: HTTPMethod, path: String) throws {
        let response = try InProcess(config: Self.config).site(method, path)
        #expect(response.status == 405)
        #expect(response.headers == ["allow": "GET,HEAD"])
        #expect(response.body.isEmpty)
    }

    @Test func everyOtherPathIsAnHTTPAction() throws {
        let mock = try InProcess(config: Self.config)
        let hello = try mock.site(.GET, "/hello")
        #expect(hello.status == 200)
        #expect(hello.headers == ["content-type": "text/plain"])
        #expect(hello.bodyText == "Hello world!")
        #expect(try mock.site(.GET, "/").bodyText == "root")
        #expect(try mock.site(.POST, "/webhooks/stripe?event=1").status == 204)
        #expect(try mock.site(.GET, "/data").bodyText == #"{"n":2}"#)
    }

    @Test func theSitePortAnswersWhatTheAdminPortAnswersUnderHttp() throws {
        let mock = try InProcess(config: Self.config)
        for (method, path) in [(HTTPMethod.GET, "/hello"), (.HEAD, "/hello"), (.POST, "/webhooks/x"), (.GET, "/nowhere"), (.PUT, "/hello"), (.TRACE, "/hello")] {
            let site = try mock.site(method, path)
            let admin = try mock.admin(method, "/http" + path)
            #expect(site == admin, "\(method) \(path)")
        }
    }

    @Test func pathsThatLookLikeTheAdminPortsAreActionPaths() throws {
        let mock = try InProcess(config: Self.config)
        #expect(try mock.site(.GET, "/http/hello").bodyText == "nested")
        #expect(try mock.site(.GET, "/version/").bodyText == "not the meta route")
        for path in ["/api/query", "/instance_name", "/echo"] {
            let response = try mock.site(.GET, path)
            #expect(response.status == 404)
            #expect(response.headers == ["content-type": "text/plain; charset=utf-8"])
            #expect(response.bodyText == "No matching routes found")
        }
    }

    @Test func noCORSAndNoPreflight() throws {
        let response = try InProcess(config: Self.config).site(.OPTIONS, "/hello", headers: ["Origin": "https://app.example", "Access-Control-Request-Method": "GET"])
        #expect(response.status == 404)
        #expect(response.headers == ["content-type": "text/plain; charset=utf-8"])
    }

    @Test func aThrowingActionIsA500() throws {
        let response = try InProcess(config: Self.config).site(.GET, "/boom")
        #expect(response.status == 500)
        #expect(response.textWithoutRequestId == #"{"code":"[Request ID: X] Server Error: Uncaught Error: boom","trace":"Uncaught Error: boom\n    at handler (../convex/http.ts:1:1)\n"}"#)
    }

    @Test func otherMethodsAre405() throws {
        let response = try InProcess(config: Self.config).site(.TRACE, "/hello")
        #expect(response.status == 405)
        #expect(response.headers == ["allow": Self.allMethods])
    }

    @Test func withoutRoutesOrDebugRoutesHTTPActionsAreDisabled() throws {
        let bare = try InProcess(config: #"{"debugRoutes": false}"#)
        let response = try bare.site(.GET, "/hello")
        #expect(response.status == 404)
        #expect(response.headers == ["content-type": "text/plain; charset=utf-8"])
        #expect(response.bodyText == "This Convex deployment does not have HTTP actions enabled.")
        #expect(try bare.site(.GET, "/version").bodyText == "unknown")
    }

    /// The debug routes are an app's http.ts of their own, so a deployment with only them has
    /// HTTP actions, and other paths get the router's 404.
    @Test func theDefaultDebugRoutesMakeOtherPathsUnmatched() throws {
        let response = try InProcess().site(.GET, "/hello")
        #expect(response.status == 404)
        #expect(response.headers == ["content-type": "text/plain; charset=utf-8"])
        #expect(response.bodyText == "No matching routes found")
    }
}
