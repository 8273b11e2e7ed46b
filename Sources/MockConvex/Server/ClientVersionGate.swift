import EventHTTP

/// The backend's outermost middleware: reads `Convex-Client` on every request but `/version`
/// and `/metrics`, refuses unparseable and unsupported clients, and marks answers to old ones.
struct ClientVersionGate {
    /// Runs `next` with a responder that adds deprecation headers when the client needs them.
    static func pass(_ request: HTTPRequest, _ responder: Responder, _ next: (Responder) throws -> Void) throws {
        let client = try ClientVersion(header: request.headers["Convex-Client"])
        switch client.supportState {
        case .supported:
            try next(responder)
        case .upgradeRequired(let message):
            try next(responder.mapping { response in
                var response = response
                response.headers.add("x-convex-deprecation-state", "UpgradeRequired")
                response.headers.add("x-convex-deprecation-message", message)
                return response
            })
        case .unsupported(let message):
            var error = ConvexAPIError.badRequest("ClientVersionUnsupported", message)
            error.headers = ["x-convex-deprecation-state": "Unsupported", "x-convex-deprecation-message": message]
            throw error
        }
    }
}
