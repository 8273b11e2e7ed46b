import EventHTTP

/// The app's HTTP actions, as the Convex router matches them: the exact path for the method
/// first, then the longest prefix; HEAD is served by GET routes. Besides the config's routes,
/// the debug routes apps add for the port-80 bug, unless the config turns them off.
struct HTTPActions {
    let deployment: Deployment
    let debug: DebugRoutes
    let loop: EventLoop

    init(deployment: Deployment, loop: EventLoop) {
        self.deployment = deployment
        self.loop = loop
        debug = DebugRoutes(deployment: deployment, loop: loop)
    }

    /// Methods an HTTP action can be called with.
    static let methods: [HTTPMethod] = [.GET, .HEAD, .POST, .DELETE, .PATCH, .PUT, .OPTIONS]

    /// Answers `request` as if its path were `path` (the part after `/http` on the admin port,
    /// the whole path on the site port).
    func handle(_ request: HTTPRequest, path: String, _ responder: Responder) throws(ConvexAPIError) {
        guard Self.methods.contains(request.method) else {
            return responder.send(ConvexResponses.methodNotAllowed(Self.methods))
        }
        let routes = deployment.httpRoutes
        let debugEnabled = deployment.debugRoutesEnabled
        guard !routes.isEmpty || debugEnabled else {
            return responder.send(ConvexResponses.text(404, "This Convex deployment does not have HTTP actions enabled."))
        }
        let method = request.method == .HEAD ? HTTPMethod.GET : request.method
        let candidates = routes.filter { $0.method == method }
        if let route = candidates.first(where: { $0.match == .exact(path) }) {
            return answer(route, request, responder)
        }
        if debugEnabled, try debug.handle(request, method: method, path: path, responder) { return }
        let prefixed = candidates
            .filter { if case .prefix(let prefix) = $0.match { path.hasPrefix(prefix) } else { false } }
            .max { $0.match.length < $1.match.length }
        guard let prefixed else { return responder.send(ConvexResponses.text(404, "No matching routes found")) }
        answer(prefixed, request, responder)
    }

    /// A route's fixed answer, or for an identity route the caller's identity. The backend
    /// lets a request with an unusable `Authorization` through to the action (the header may
    /// be the app's own business); `getUserIdentity()` then throws why.
    private func answer(_ route: HTTPRouteSpec, _ request: HTTPRequest, _ responder: Responder) {
        guard route.answersIdentity else { return responder.send(respond(route)) }
        let credentials: Credentials
        do {
            credentials = try Credentials(header: request.headers["Authorization"], adminKeyParameter: nil)
        } catch {
            return responder.send(Self.uncaught(error.message))
        }
        deployment.authenticate(credentials, on: loop) { result in
            switch result {
            case .failure(let error):
                responder.send(Self.uncaught(error.message))
            case .success(let identity):
                let value: ConvexValue = identity.user.map { .object($0.object) } ?? .null
                var answer = route
                answer.body = Array(JavaScriptJSON.stringify(value.exported(.clean)).utf8)
                responder.send(respond(answer))
            }
        }
    }

    /// An uncaught exception: the backend reports it under a fresh request id.
    private static func uncaught(_ message: String) -> HTTPResponse {
        let failure = JSFailure.uncaught("Error", message, frames: [FunctionRunner.frame("http")])
        return ConvexResponses.json(500, .object([
            ("code", .string("[Request ID: \(RequestId.fresh())] Server Error: \(failure.message)")),
            ("trace", .string(failure.rendered)),
        ]))
    }

    private func respond(_ route: HTTPRouteSpec) -> HTTPResponse {
        if let message = route.throwsMessage { return Self.uncaught(message) }
        var response = HTTPResponse(status: route.status, headers: route.headers, body: route.body)
        // `new Response("text")` gets this content type from the Fetch API.
        if !route.body.isEmpty && !route.headers.contains("Content-Type") {
            response.headers.add("content-type", "text/plain;charset=UTF-8")
        }
        return response
    }
}

private extension HTTPRouteSpec.Match {
    var length: Int {
        switch self {
        case .exact(let path), .prefix(let path): path.utf8.count
        }
    }
}
