import EventHTTP

/// `/version`, `/instance_version`, `/instance_name`, `/`, `/echo` and `/metrics`.
enum MetaRoutes {
    static let runningText = "This Convex deployment is running. See https://docs.convex.dev/."

    /// Routes the CORS layer wraps twice on the backend (hence two `vary` headers).
    static let doublyWrapped: Set<String> = ["/", "/instance_name", "/instance_version", "/echo"]

    /// `/version` and `/metrics`, which the backend serves outside its middleware and CORS.
    static func registerBare(on router: Router, deployment: Deployment, metrics: RequestMetrics) {
        let settings = deployment.settings
        router.add(.GET, "/version") { _, responder in responder.send(ConvexResponses.text(200, settings.version)) }
        router.add(.GET, "/metrics") { _, responder in responder.send(metricsResponse(settings, metrics)) }
    }

    /// The other meta routes, which sit behind the middleware and CORS.
    static func registerWrapped(on router: Router, deployment: Deployment) {
        let settings = deployment.settings
        router.add(.GET, "/instance_version") { _, responder in responder.send(ConvexResponses.text(200, settings.version)) }
        router.add(.GET, "/instance_name") { _, responder in responder.send(ConvexResponses.text(200, settings.instanceName)) }
        router.add(.GET, "/") { _, responder in responder.send(ConvexResponses.text(200, runningText)) }
        router.add(.POST, "/echo") { request, responder in responder.send(HTTPResponse(status: 200, body: try RequestChecks.body(of: request))) }
    }

    static func metricsResponse(_ settings: DeploymentSettings, _ metrics: RequestMetrics) -> HTTPResponse {
        guard settings.metricsEnabled else {
            return ConvexAPIError.notFound("MetricsDisabled", "/metrics endpoint disabled").response
        }
        return ConvexResponses.text(200, metrics.prometheusText())
    }
}
