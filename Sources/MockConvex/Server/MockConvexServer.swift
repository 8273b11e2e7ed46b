import EventHTTP

/// The deployment served on its listeners: `admin` (3210), `site` (3211) and `port80`, which
/// answers exactly what `admin` answers, like a socat sidecar forwarding 80 to 3210.
public final class MockConvexServer: Sendable {
    public let deployment: Deployment
    public let metrics = RequestMetrics()
    public let http: HTTPServer

    public init(deployment: Deployment, options: ServerOptions, accessLog: (@Sendable (AccessRecord) -> Void)? = nil) {
        self.deployment = deployment
        let metrics = self.metrics
        var settings = HTTPServerSettings()
        settings.loops = options.threads
        settings.maxBodyBytes = options.bodyLimits.transport
        settings.maxHeaderBytes = options.maxHeaderBytes
        settings.connectionTimeout = options.connectionTimeout
        settings.handlerTimeout = options.requestTimeout
        // The backend's timeout answer has no body at all.
        settings.handlerTimeoutResponse = HTTPResponse(status: 408)
        settings.internalErrorResponse = ConvexAPIError.internalServerError.response
        settings.accessLog = { record in
            metrics.record(listener: record.listener, status: record.status)
            accessLog?(record)
        }
        let admin: @Sendable (EventLoop) -> any HTTPHandler = { loop in AdminHandler(deployment: deployment, metrics: metrics, loop: loop, limits: options.bodyLimits) }
        var listeners = [
            HTTPServer.Listener(name: ServerOptions.adminListener, host: options.host, port: options.adminPort, makeHandler: admin),
            HTTPServer.Listener(name: ServerOptions.siteListener, host: options.host, port: options.sitePort) { loop in
                SiteHandler(deployment: deployment, metrics: metrics, loop: loop, limits: options.bodyLimits)
            },
        ]
        if let port80 = options.port80 {
            listeners.append(HTTPServer.Listener(name: ServerOptions.port80Listener, host: options.host, port: port80, makeHandler: admin))
        }
        http = HTTPServer(listeners: listeners, settings: settings)
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
