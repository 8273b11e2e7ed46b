import EventHTTP

/// The HTTP-action port (3211): the backend's site proxy answers `/version` and `/metrics`
/// itself and hands every other path to the HTTP actions, as `/http{path}` on the admin port.
struct SiteHandler: HTTPHandler {
    let deployment: Deployment
    let metrics: RequestMetrics
    let actions: HTTPActions
    let limits: BodyLimits
    /// `mockconvex record`: HTTP actions go upstream.
    let forwarder: Forwarder?

    init(deployment: Deployment, metrics: RequestMetrics, loop: EventLoop, limits: BodyLimits = BodyLimits()) {
        self.deployment = deployment
        self.metrics = metrics
        actions = HTTPActions(deployment: deployment, loop: loop)
        self.limits = limits
        forwarder = deployment.settings.recording.map { Forwarder(recording: $0, loop: loop, tls: deployment.settings.outboundTLS) }
    }

    func handle(_ request: HTTPRequest, _ responder: Responder) throws {
        try limits.check(request)
        switch (request.path, request.method) {
        case ("/version", .GET), ("/version", .HEAD):
            // The proxy's own answer, whatever version the backend reports.
            return responder.send(ConvexResponses.text(200, "unknown"))
        case ("/metrics", .GET), ("/metrics", .HEAD):
            return responder.send(MetaRoutes.metricsResponse(deployment.settings, metrics))
        case ("/version", _), ("/metrics", _):
            return responder.send(ConvexResponses.methodNotAllowed([.GET]))
        default:
            if let forwarder { return try forwarder.forwardHTTPAction(request, path: request.path, responder) }
            try ClientVersionGate.pass(request, responder) { responder in
                try actions.handle(request, path: request.path, responder)
            }
        }
    }
}
