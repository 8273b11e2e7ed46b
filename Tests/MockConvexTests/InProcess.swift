import EventHTTP
@testable import MockConvex
import Testing

/// A deployment and its listeners' handlers, called in-process: no sockets, but the real
/// handlers on a real event loop (for delayed functions and timers).
final class InProcess {
    static let adminKey = "convex-self-hosted|01testkey"
    let deployment: Deployment
    let metrics = RequestMetrics()
    let loop: EventLoop
    private(set) lazy var admin = AdminHandler(deployment: deployment, metrics: metrics, loop: loop)
    private(set) lazy var site = SiteHandler(deployment: deployment, metrics: metrics, loop: loop)

    /// `clock` is the deployment's Unix-seconds clock (what upload tokens are issued and checked
    /// against); tests that expire tokens pass their own. It comes last so that a trailing
    /// closure still means `configure`.
    init(
        config: String = "{}", configure: (inout DeploymentSettings) -> Void = { _ in },
        clock: @escaping @Sendable () -> Int64 = Deployment.unixSeconds
    ) throws {
        var settings = DeploymentSettings(instanceSecret: String(repeating: "ab", count: 32), adminKey: Self.adminKey)
        configure(&settings)
        deployment = Deployment(settings: settings, config: try DeploymentConfig.parse(Array(config.utf8)), clock: clock)
        loop = try EventLoop()
    }

    /// Sends `request` to `handler` and runs the loop until it answers (at most 10 s).
    func send(_ request: HTTPRequest, to handler: any HTTPHandler) throws -> HTTPResponse {
        var answer: HTTPResponse?
        let loop = self.loop
        let responder = Responder(on: loop) { response in
            answer = response
            loop.stop()
        }
        // As the server's dispatch does.
        handler.answer(request, responder, internalError: ConvexAPIError.internalServerError.response)
        if answer == nil {
            let deadline = loop.schedule(after: .seconds(10)) { loop.stop() }
            loop.run()
            deadline.cancel()
        }
        let response = try #require(answer, "no answer within 10 s")
        // hyper writes every header name in lowercase; so must the mock, byte for byte.
        #expect(response.headers.allSatisfy { $0.name == $0.name.lowercased() }, "header names not lowercase: \(response.headers)")
        return response
    }

    func admin(_ method: HTTPMethod, _ uri: String, headers: HTTPHeaders = [:], body: String = "") throws -> HTTPResponse {
        try send(HTTPRequest(method: method, uri: uri, headers: headers, body: Array(body.utf8), listener: "admin"), to: admin)
    }

    /// The same with a binary body.
    func admin(_ method: HTTPMethod, _ uri: String, headers: HTTPHeaders = [:], body: [UInt8]) throws -> HTTPResponse {
        try send(HTTPRequest(method: method, uri: uri, headers: headers, body: body, listener: "admin"), to: admin)
    }

    func site(_ method: HTTPMethod, _ uri: String, headers: HTTPHeaders = [:], body: String = "") throws -> HTTPResponse {
        try send(HTTPRequest(method: method, uri: uri, headers: headers, body: Array(body.utf8), listener: "site"), to: site)
    }

    /// POSTs JSON to the admin port with `Content-Type: application/json`.
    func post(_ uri: String, _ json: String, headers: HTTPHeaders = [:]) throws -> HTTPResponse {
        var all: HTTPHeaders = ["Content-Type": "application/json"]
        for field in headers { all.add(field.name, field.value) }
        return try admin(.POST, uri, headers: all, body: json)
    }

    static let adminAuthorization: HTTPHeaders = ["Authorization": "Convex \(adminKey)"]

    /// JSON with a callback token this deployment issued, as a Node action of it sends.
    var callbackHeaders: HTTPHeaders {
        ["Content-Type": "application/json", "Convex-Action-Callback-Token": deployment.issueCallbackToken()]
    }
}

extension HTTPResponse {
    /// The JSON body, parsed.
    var json: JSON { get throws { try JSONReader.parse(body) } }

    /// The `[Request ID: ...]` in an error message replaced by `[Request ID: X]`, for exact comparisons.
    var textWithoutRequestId: String {
        bodyText.replacing(/\[Request ID: [0-9a-f]{16}\]/, with: "[Request ID: X]")
    }
}

/// What the backend's CORS layer writes, spelled out here rather than taken from the code under test.
enum CORSHeaders {
    static let vary = "origin, access-control-request-method, access-control-request-headers"
}
