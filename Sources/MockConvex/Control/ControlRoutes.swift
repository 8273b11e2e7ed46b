import EventHTTP

/// The `/_mock/` routes on one loop: JSON in and out, errors as `{"code", "message"}` like the
/// backend's, behind the bearer token when one is set. Each group of routes is in its own file.
final class ControlRoutes {
    let control: ControlAPI
    let loop: EventLoop
    private let router = Router()

    init(control: ControlAPI, loop: EventLoop) {
        self.control = control
        self.loop = loop
        router.methodNotAllowed = ConvexResponses.methodNotAllowed
        router.internalError = ConvexAPIError.internalServerError.response
        router.notFound = HandlerFunction { request, responder in
            responder.send(ConvexAPIError.notFound(
                "UnknownControlRoute", "There is no control route \(request.method.rawValue) \(request.path); docs/control-api.md lists them").response)
        }
        registerJournal(on: router)
        registerListeners(on: router)
        registerFaults(on: router)
        registerDeclarations(on: router)
        registerState(on: router)
        registerCallbackTokens(on: router)
        registerSync(on: router)
        registerTestIssuer(on: router)
        registerRecording(on: router)
    }

    func handle(_ request: HTTPRequest, _ responder: Responder) {
        if let token = control.token, !Self.isPublicDocument(request) {
            guard let given = request.headers["Authorization"] else {
                return responder.send(ConvexAPIError.unauthenticated(
                    "ControlTokenRequired", "The control API needs the header Authorization: Bearer <token>, with the token given to --control-token").response)
            }
            let expected = "Bearer " + token
            guard SecretComparison.equal(Array(given.utf8), Array(expected.utf8)) else {
                return responder.send(ConvexAPIError.unauthenticated(
                    "BadControlToken", "The bearer token does not match the one given to --control-token").response)
            }
        }
        router.handle(request, responder)
    }

    /// The request body as JSON, or the 400 that says why not.
    static func body(_ request: HTTPRequest) throws(ConvexAPIError) -> JSON {
        let bytes = try RequestChecks.body(of: request)
        do {
            return try JSONReader.parse(bytes, maxDepth: 256)
        } catch {
            throw .badRequest("BadJsonBody", "The body is not valid JSON: \(error)")
        }
    }

    /// A config error in a control request: 400 with the JSON path of the problem.
    static func invalid(_ code: String, _ error: ConfigError) -> ConvexAPIError {
        .badRequest(code, error.description)
    }

    /// The path after `prefix`, percent-decoded.
    static func remainder(of request: HTTPRequest, after prefix: String) -> String {
        HTTPRequest.percentDecode(String(request.path.dropFirst(prefix.count)), plusIsSpace: false)
    }

    static func ok(_ value: JSON) -> HTTPResponse {
        ConvexResponses.json(200, value)
    }
}
