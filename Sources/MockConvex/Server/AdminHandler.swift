import EventHTTP

/// Everything the admin port (3210) serves, and port 80 with it: meta routes, the function API,
/// and `/http/...` for HTTP actions; CORS and the client-version check where the backend
/// applies them.
final class AdminHandler: HTTPHandler {
    private let deployment: Deployment
    private let limits: BodyLimits
    private let actions: HTTPActions
    /// Routes behind the CORS layer.
    private let router = Router()
    /// `/version` and `/metrics` sit outside every layer.
    private let bare = Router()

    /// The sync protocol's upgrades, and this loop's (and listener's) sessions.
    private let sync: SyncRoutes
    /// `mockconvex record`: the function API and HTTP actions go upstream.
    private let forwarder: Forwarder?

    init(deployment: Deployment, metrics: RequestMetrics, loop: EventLoop, limits: BodyLimits = BodyLimits(), control: ControlAPI? = nil,
         syncSendTimeout: Duration = .seconds(30)) {
        self.deployment = deployment
        self.limits = limits
        forwarder = deployment.settings.recording.map { Forwarder(recording: $0, loop: loop, tls: deployment.settings.outboundTLS) }
        sync = SyncRoutes(deployment: deployment, hub: SyncHub(deployment: deployment, loop: loop, forwarder: forwarder), control: control,
                          settings: SyncRoutes.socketSettings(maxMessageBytes: limits.body), sendTimeout: syncSendTimeout)
        actions = HTTPActions(deployment: deployment, loop: loop)
        MetaRoutes.registerWrapped(on: router, deployment: deployment)
        let caller = FunctionCaller(deployment: deployment, loop: loop)
        FunctionRoutes(caller: caller).register(on: router)
        ActionCallbackRoutes(caller: caller).register(on: router)
        StorageRoutes(deployment: deployment, loop: loop).register(on: router)
        for table in [router, bare] {
            table.methodNotAllowed = ConvexResponses.methodNotAllowed
            table.internalError = ConvexAPIError.internalServerError.response
        }
        MetaRoutes.registerBare(on: bare, deployment: deployment, metrics: metrics)
    }

    func handle(_ request: HTTPRequest, _ responder: Responder) throws {
        try limits.check(request)
        if request.path == "/version" || request.path == "/metrics" {
            return bare.handle(request, responder)
        }
        // Before CORS and the version check: the upstream answers with its own.
        if let forwarder {
            if Forwarder.forwards(request.path) { return try forwarder.forwardFunctionCall(request, responder) }
            if request.path.hasPrefix("/http/") {
                return try forwarder.forwardHTTPAction(request, path: String(request.path.dropFirst("/http".count)), responder)
            }
        }
        try ClientVersionGate.pass(request, responder) { responder in
            if request.path.hasPrefix("/http/") {
                return try actions.handle(request, path: String(request.path.dropFirst("/http".count)), responder)
            }
            if request.method == .OPTIONS {
                return responder.send(CORS.preflight(request))
            }
            let layers = MetaRoutes.doublyWrapped.contains(request.path) ? 2 : 1
            let decorated = responder.mapping { CORS.decorate($0, for: request, layers: layers) }
            if let version = SyncRoutes.versionSegment(of: request.path) {
                do throws(ConvexAPIError) {
                    return try sync.handle(request, version: version, decorated)
                } catch {
                    return decorated.send(error.response)
                }
            }
            router.handle(request, decorated)
        }
    }
}
