import EventHTTP
@testable import MockConvex
import Testing

/// `/version`, `/instance_version`, `/instance_name`, `/`, `/echo`, `/metrics`, unknown paths
/// and wrong methods on the admin port (spec §2, notes §10).
@Suite(.timeLimit(.minutes(1))) struct MetaRouteTests {
    /// What the CORS layer adds to an answer of a route it wraps once.
    static let corsOnce: HTTPHeaders = ["vary": CORSHeaders.vary, "access-control-allow-credentials": "true"]

    @Test func versionIsUnknownTextOutsideEveryLayer() throws {
        let mock = try InProcess()
        let response = try mock.admin(.GET, "/version", headers: ["Origin": "https://app.example"])
        #expect(response.status == 200)
        #expect(response.headers == ["content-type": "text/plain; charset=utf-8"])
        #expect(response.bodyText == "unknown")
    }

    @Test func versionSaysTheConfiguredRelease() throws {
        let mock = try InProcess { $0.version = "1.27.0" }
        #expect(try mock.admin(.GET, "/version").bodyText == "1.27.0")
        #expect(try mock.admin(.GET, "/instance_version").bodyText == "1.27.0")
    }

    @Test func versionIgnoresConvexClient() throws {
        // The client-version middleware does not run for /version.
        let mock = try InProcess()
        let response = try mock.admin(.GET, "/version", headers: ["Convex-Client": "python"])
        #expect(response.status == 200)
        #expect(response.bodyText == "unknown")
    }

    @Test func headOnVersionIsAnsweredByGet() throws {
        let mock = try InProcess()
        let response = try mock.admin(.HEAD, "/version")
        #expect(response.status == 200)
        #expect(response.headers == ["content-type": "text/plain; charset=utf-8"])
    }

    @Test func instanceVersionIsTheVersionWithCORSTwice() throws {
        let mock = try InProcess()
        let response = try mock.admin(.GET, "/instance_version")
        #expect(response.status == 200)
        #expect(response.headers == [
            "content-type": "text/plain; charset=utf-8",
            "vary": CORSHeaders.vary, "vary": CORSHeaders.vary,
            "access-control-allow-credentials": "true",
        ])
        #expect(response.bodyText == "unknown")
    }

    @Test func instanceNameIsTheConfiguredName() throws {
        #expect(try InProcess().admin(.GET, "/instance_name").bodyText == "convex-self-hosted")
        let renamed = try InProcess { $0.instanceName = "carnitas" }
        let response = try renamed.admin(.GET, "/instance_name")
        #expect(response.status == 200)
        #expect(response.headers["content-type"] == "text/plain; charset=utf-8")
        #expect(response.bodyText == "carnitas")
    }

    @Test func rootSaysTheDeploymentIsRunning() throws {
        let response = try InProcess().admin(.GET, "/")
        #expect(response.status == 200)
        #expect(response.headers["content-type"] == "text/plain; charset=utf-8")
        #expect(response.bodyText == "This Convex deployment is running. See https://docs.convex.dev/.")
    }

    @Test func echoSendsTheBodyBackWithoutAContentType() throws {
        let mock = try InProcess()
        let body = "{\"any\": \"bytes\"}\n\u{0}tail"
        let response = try mock.admin(.POST, "/echo", headers: ["Content-Type": "application/json"], body: body)
        #expect(response.status == 200)
        #expect(response.headers == ["vary": CORSHeaders.vary, "vary": CORSHeaders.vary, "access-control-allow-credentials": "true"])
        #expect(response.bodyText == body)
        #expect(try mock.admin(.POST, "/echo").body.isEmpty)
    }

    @Test func metricsAreDisabledByDefault() throws {
        let response = try InProcess().admin(.GET, "/metrics", headers: ["Origin": "https://app.example"])
        #expect(response.status == 404)
        #expect(response.headers == ["content-type": "application/json"])
        #expect(response.bodyText == #"{"code":"MetricsDisabled","message":"/metrics endpoint disabled"}"#)
    }

    @Test func enabledMetricsArePrometheusText() throws {
        let mock = try InProcess { $0.metricsEnabled = true }
        mock.metrics.record(listener: "admin", status: 200)
        mock.metrics.record(listener: "admin", status: 200)
        mock.metrics.record(listener: "site", status: 404)
        let response = try mock.admin(.GET, "/metrics")
        #expect(response.status == 200)
        #expect(response.headers == ["content-type": "text/plain; charset=utf-8"])
        #expect(response.bodyText == """
            # HELP mockconvex_http_requests_total Requests answered, by listener and status.
            # TYPE mockconvex_http_requests_total counter
            mockconvex_http_requests_total{listener="admin",status="200"} 2
            mockconvex_http_requests_total{listener="site",status="404"} 1

            """)
    }

    @Test(arguments: ["/nope", "/api/unknown", "/http", "/health", "/api", "/api/query/extra", "/versions", "/api/run"])
    func unknownPathsAre404WithAnEmptyBody(path: String) throws {
        let response = try InProcess().admin(.GET, path)
        #expect(response.status == 404)
        #expect(response.headers == Self.corsOnce)
        #expect(response.body.isEmpty)
    }

    @Test func unknownPathsMirrorTheOrigin() throws {
        let response = try InProcess().admin(.POST, "/nope", headers: ["Origin": "https://app.example"])
        #expect(response.status == 404)
        #expect(response.headers == [
            "vary": CORSHeaders.vary, "access-control-allow-credentials": "true", "access-control-allow-origin": "https://app.example",
        ])
        #expect(response.body.isEmpty)
    }

    @Test(arguments: [
        (HTTPMethod.GET, "/api/mutation", "POST"),
        (.GET, "/api/action", "POST"),
        (.PUT, "/api/query", "GET,HEAD,POST"),
        (.DELETE, "/api/query", "GET,HEAD,POST"),
        (.GET, "/api/query_ts", "POST"),
        (.GET, "/api/query_batch", "POST"),
        (.GET, "/api/function", "POST"),
        (.GET, "/api/run/messages/list", "POST"),
        (.POST, "/api/check_admin_key", "GET,HEAD"),
    ])
    func wrongMethodsAre405WithAllow(method: HTTPMethod, path: String, allow: String) throws {
        let response = try InProcess().admin(method, path)
        #expect(response.status == 405)
        #expect(response.headers == ["allow": allow, "vary": CORSHeaders.vary, "access-control-allow-credentials": "true"])
        #expect(response.body.isEmpty)
    }

    @Test(arguments: [(HTTPMethod.POST, "/", "GET,HEAD"), (.POST, "/instance_name", "GET,HEAD"), (.PUT, "/instance_version", "GET,HEAD"), (.GET, "/echo", "POST")])
    func wrongMethodsOnMetaRoutesAre405WithCORSTwice(method: HTTPMethod, path: String, allow: String) throws {
        let response = try InProcess().admin(method, path)
        #expect(response.status == 405)
        #expect(response.headers == ["allow": allow, "vary": CORSHeaders.vary, "vary": CORSHeaders.vary, "access-control-allow-credentials": "true"])
        #expect(response.body.isEmpty)
    }

    @Test(arguments: [(HTTPMethod.POST, "/version"), (.OPTIONS, "/version"), (.PUT, "/metrics"), (.OPTIONS, "/metrics")])
    func wrongMethodsOnBareRoutesHaveNoCORS(method: HTTPMethod, path: String) throws {
        let response = try InProcess().admin(method, path, headers: ["Origin": "https://app.example"])
        #expect(response.status == 405)
        #expect(response.headers == ["allow": "GET,HEAD"])
        #expect(response.body.isEmpty)
    }

    @Test(arguments: ["/", "/instance_name", "/instance_version"])
    func headIsAnsweredByGet(path: String) throws {
        let mock = try InProcess()
        let head = try mock.admin(.HEAD, path)
        let get = try mock.admin(.GET, path)
        #expect(head.status == 200)
        #expect(head.headers == get.headers)
    }
}
