import EventHTTP
@testable import MockConvex
import Testing

/// The CORS layer (notes §9): every OPTIONS is a preflight, normal answers mirror the Origin,
/// and `/version`, `/metrics` and `/http/*` are left alone.
@Suite(.timeLimit(.minutes(1))) struct CORSTests {
    static let config = """
        {"functions": {"app:hello": {"type": "query", "returns": "hi"}},
         "httpRoutes": [{"method": "OPTIONS", "path": "/cors", "status": 204, "headers": {"x-from": "action"}},
                        {"method": "GET", "path": "/hello", "body": "Hello"}]}
        """

    @Test(arguments: ["/api/query", "/api/mutation", "/api/run/app/hello", "/nonexistent", "/", "/instance_name", "/echo", "/api/storage/upload"])
    func everyOptionsRequestIsAPreflight(path: String) throws {
        let response = try InProcess(config: Self.config).admin(.OPTIONS, path, headers: [
            "Origin": "https://app.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,convex-client",
        ])
        #expect(response.status == 200)
        #expect(response.headers == [
            "access-control-allow-credentials": "true",
            "vary": CORSHeaders.vary,
            "access-control-allow-methods": "GET,POST,OPTIONS,PATCH,DELETE,PUT",
            "access-control-allow-headers": "content-type,convex-client",
            "access-control-max-age": "86400",
            "access-control-allow-origin": "https://app.example",
        ])
        #expect(response.body.isEmpty)
    }

    @Test func aPreflightWithoutOriginOrRequestedHeadersLeavesThemOut() throws {
        let response = try InProcess().admin(.OPTIONS, "/api/query")
        #expect(response.status == 200)
        #expect(response.headers == [
            "access-control-allow-credentials": "true",
            "vary": CORSHeaders.vary,
            "access-control-allow-methods": "GET,POST,OPTIONS,PATCH,DELETE,PUT",
            "access-control-max-age": "86400",
        ])
        #expect(response.body.isEmpty)
    }

    @Test func aPreflightNeverRunsTheHandler() throws {
        // A body that would be a BadJsonBody on POST changes nothing.
        let response = try InProcess().admin(.OPTIONS, "/api/mutation", headers: ["Content-Type": "text/plain"], body: "{")
        #expect(response.status == 200)
        #expect(response.body.isEmpty)
    }

    @Test func normalAnswersMirrorTheOrigin() throws {
        let mock = try InProcess(config: Self.config)
        let response = try mock.post("/api/query", #"{"path":"app:hello","args":{}}"#, headers: ["Origin": "https://app.example"])
        #expect(response.status == 200)
        #expect(response.headers == [
            "content-type": "application/json",
            "vary": CORSHeaders.vary,
            "access-control-allow-credentials": "true",
            "access-control-allow-origin": "https://app.example",
        ])
        #expect(response.bodyText == #"{"status":"success","value":"hi"}"#)
    }

    @Test func normalAnswersWithoutOriginStillVaryAndAllowCredentials() throws {
        let response = try InProcess(config: Self.config).post("/api/query", #"{"path":"app:hello","args":{}}"#)
        #expect(response.headers == ["content-type": "application/json", "vary": CORSHeaders.vary, "access-control-allow-credentials": "true"])
    }

    @Test func errorAnswersOfWrappedRoutesCarryCORS() throws {
        let response = try InProcess().admin(.POST, "/api/query", headers: ["Origin": "https://app.example"], body: "{}")
        #expect(response.status == 400)
        #expect(response.headers == [
            "content-type": "application/json",
            "vary": CORSHeaders.vary,
            "access-control-allow-credentials": "true",
            "access-control-allow-origin": "https://app.example",
        ])
    }

    @Test func metaRoutesGetVaryTwice() throws {
        let response = try InProcess().admin(.GET, "/", headers: ["Origin": "https://app.example"])
        #expect(response.headers == [
            "content-type": "text/plain; charset=utf-8",
            "vary": CORSHeaders.vary,
            "vary": CORSHeaders.vary,
            "access-control-allow-credentials": "true",
            "access-control-allow-origin": "https://app.example",
        ])
    }

    @Test(arguments: ["/version", "/metrics"])
    func bareRoutesHaveNoCORS(path: String) throws {
        let response = try InProcess().admin(.GET, path, headers: ["Origin": "https://app.example"])
        #expect(!response.headers.contains("vary"))
        #expect(!response.headers.contains("access-control-allow-credentials"))
        #expect(!response.headers.contains("access-control-allow-origin"))
    }

    @Test func httpActionsHaveNoCORS() throws {
        let mock = try InProcess(config: Self.config)
        let response = try mock.admin(.GET, "/http/hello", headers: ["Origin": "https://app.example"])
        #expect(response.status == 200)
        #expect(response.headers == ["content-type": "text/plain;charset=UTF-8"])
        #expect(response.bodyText == "Hello")
    }

    @Test func optionsOnHttpActionsGoesToTheAction() throws {
        let mock = try InProcess(config: Self.config)
        let headers: HTTPHeaders = ["Origin": "https://app.example", "Access-Control-Request-Method": "GET"]
        let routed = try mock.admin(.OPTIONS, "/http/cors", headers: headers)
        #expect(routed.status == 204)
        #expect(routed.headers == ["x-from": "action"])
        let unrouted = try mock.admin(.OPTIONS, "/http/elsewhere", headers: headers)
        #expect(unrouted.status == 404)
        #expect(unrouted.headers == ["content-type": "text/plain; charset=utf-8"])
        #expect(unrouted.bodyText == "No matching routes found")
    }

    @Test func theSitePortAddsNoCORS() throws {
        let mock = try InProcess(config: Self.config)
        let response = try mock.site(.GET, "/hello", headers: ["Origin": "https://app.example"])
        #expect(response.headers == ["content-type": "text/plain;charset=UTF-8"])
        let preflight = try mock.site(.OPTIONS, "/hello", headers: ["Origin": "https://app.example"])
        #expect(preflight.status == 404)
        #expect(preflight.bodyText == "No matching routes found")
    }

    @Test func refusedClientsGetNoCORS() throws {
        // The client-version middleware sits outside the CORS layer.
        let response = try InProcess().admin(.OPTIONS, "/api/query", headers: ["Origin": "https://app.example", "Convex-Client": "python"])
        #expect(response.status == 400)
        #expect(response.headers == ["content-type": "application/json"])
        #expect(response.bodyText == #"{"code":"InvalidClientVersion","message":"Failed to parse client version string: 'python'. Expected format is {client_name}-{semver}, e.g. my-esolang-client-0.0.1"}"#)
    }
}
