import EventHTTP

/// The deployment served on its listeners: `admin` (3210), `site` (3211) and `port80`, which
/// answers exactly what `admin` answers, like a socat sidecar forwarding 80 to 3210.
public final class MockConvexServer: Sendable {
    public let deployment: Deployment
    let metrics = RequestMetrics()
    public let http: HTTPServer
    /// Nil with `--no-control-api`.
    let control: ControlAPI?

    public init(deployment: Deployment, options: ServerOptions, accessLog: (@Sendable (AccessRecord) -> Void)? = nil) {
        self.deployment = deployment
        let metrics = self.metrics
        var settings = HTTPServerSettings()
        settings.loops = options.threads
        settings.maxBodyBytes = options.bodyLimits.transport
        settings.maxHeaderBytes = options.maxHeaderBytes
        settings.connectionTimeout = options.connectionTimeout
        settings.requestReadTimeout = options.readTimeout
        settings.requestReadTimeoutResponse = ConvexAPIError(
            status: 408, code: "RequestTimeout",
            message: "The request was not received in full within \(options.readTimeout.components.seconds) s of its first byte (--read-timeout); send it promptly or raise --read-timeout"
        ).response
        settings.handlerTimeout = options.requestTimeout
        // The backend's timeout answer has no body at all.
        settings.handlerTimeoutResponse = HTTPResponse(status: 408)
        settings.malformedRequestResponse = { ConvexAPIError.badRequest("MalformedRequest", $0).response }
        settings.internalErrorResponse = ConvexAPIError.internalServerError.response
        settings.accessLog = { record in
            metrics.record(listener: record.listener, status: record.status)
            accessLog?(record)
        }
        let control = options.control.map { ControlAPI(deployment: deployment, options: $0) }
        self.control = control
        /// The listener's handler, with the journal and faults in front when the control API is on.
        func observed(_ listener: String, _ make: @escaping @Sendable (EventLoop) -> any HTTPHandler) -> @Sendable (EventLoop) -> any HTTPHandler {
            guard let control else { return make }
            return { loop in
                // Port 80 answers what admin answers, the control API included, as a sidecar
                // forwarding 80 to 3210 would.
                let routes = listener == ServerOptions.siteListener ? nil : ControlRoutes(control: control, loop: loop)
                return ObservedHandler(make(loop), control: control, routes: routes, listener: listener)
            }
        }
        let admin: @Sendable (EventLoop) -> any HTTPHandler = { loop in
            AdminHandler(deployment: deployment, metrics: metrics, loop: loop, limits: options.bodyLimits, control: control,
                         syncSendTimeout: options.syncSendTimeout)
        }
        let site: @Sendable (EventLoop) -> any HTTPHandler = { loop in SiteHandler(deployment: deployment, metrics: metrics, loop: loop, limits: options.bodyLimits) }
        // Port 80 is always known, so the control API can open it at run time; unserved, it
        // starts closed and nothing is bound.
        let listeners = [
            HTTPServer.Listener(name: ServerOptions.adminListener, host: options.host, port: options.adminPort,
                                makeHandler: observed(ServerOptions.adminListener, admin)),
            HTTPServer.Listener(name: ServerOptions.siteListener, host: options.host, port: options.sitePort,
                                makeHandler: observed(ServerOptions.siteListener, site)),
            HTTPServer.Listener(name: ServerOptions.port80Listener, host: options.host, port: options.port80Port, open: options.servePort80,
                                makeHandler: observed(ServerOptions.port80Listener, admin)),
        ]
        http = HTTPServer(listeners: listeners, settings: settings)
        control?.attach(http)
    }

    public func start() throws {
        try http.start()
        if let site = http.status(of: ServerOptions.siteListener) { deployment.noteSitePort(site.port) }
    }

    public var listeners: [HTTPServer.ListenerStatus] { http.statuses }

    public func port(_ listener: String) -> Int? { http.status(of: listener)?.port }

    public func shutdown(grace: Duration = .seconds(5)) {
        http.shutdown(grace: grace)
    }

    public func wait() {
        http.wait()
    }
}
