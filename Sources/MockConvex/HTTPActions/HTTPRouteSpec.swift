import EventHTTP

/// One HTTP action route of the emulated app: which requests it takes and its fixed answer.
struct HTTPRouteSpec: Sendable, Equatable {
    enum Match: Sendable, Equatable {
        case exact(String)
        /// Ends with `/`, as the Convex router requires of prefixes.
        case prefix(String)
    }

    var method: HTTPMethod
    var match: Match
    var status: Int
    var headers: HTTPHeaders
    var body: [UInt8]
    /// When set, the action throws `Error(message)` instead of answering.
    var throwsMessage: String?
    /// `"identity": true`: answers `Response.json(await ctx.auth.getUserIdentity())`, from the
    /// request's `Authorization` header as the backend passes it to HTTP actions.
    var answersIdentity = false

    init(method: HTTPMethod, match: Match, status: Int = 200, headers: HTTPHeaders = [:], body: [UInt8] = [], throwsMessage: String? = nil) {
        self.method = method
        self.match = match
        self.status = status
        self.headers = headers
        self.body = body
        self.throwsMessage = throwsMessage
    }

    /// Methods a Convex HTTP router accepts (HEAD is served by GET routes).
    static let methods: [HTTPMethod] = [.GET, .POST, .PUT, .DELETE, .OPTIONS, .PATCH]
}
