import EventHTTP

/// `POST /_mock/action-callback-token`: a `Convex-Action-Callback-Token` this deployment
/// accepts on `/api/actions/*` for the next hour, for a test that plays a Node action (the
/// backend gives one to each action run it starts; a test has no action run to get it from).
extension ControlRoutes {
    static let callbackTokenPath = "/_mock/action-callback-token"

    func registerCallbackTokens(on router: Router) {
        let deployment = control.deployment
        router.add(.POST, Self.callbackTokenPath) { _, responder in
            responder.send(Self.ok(.object([("token", .string(deployment.issueCallbackToken()))])))
        }
    }
}
