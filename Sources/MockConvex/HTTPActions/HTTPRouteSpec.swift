import EventHTTP

/// One HTTP action route of the emulated app: which requests it takes and its fixed answer.
public struct HTTPRouteSpec: Sendable, Equatable {
    public enum Match: Sendable, Equatable {
        case exact(String)
        /// Ends with `/`, as the Convex router requires of prefixes.
        case prefix(String)
    }

    public var method: HTTPMethod
    public var match: Match
    public var status: Int
    public var headers: HTTPHeaders
    public var body: [UInt8]
    /// When set, the action throws `Error(message)` instead of answering.
    public var throwsMessage: String?

    public init(method: HTTPMethod, match: Match, status: Int = 200, headers: HTTPHeaders = [:], body: [UInt8] = [], throwsMessage: String? = nil) {
        self.method = method
        self.match = match
        self.status = status
        self.headers = headers
        self.body = body
        self.throwsMessage = throwsMessage
    }

    /// Methods a Convex HTTP router accepts (HEAD is served by GET routes).
    public static let methods: [HTTPMethod] = [.GET, .POST, .PUT, .DELETE, .OPTIONS, .PATCH]
}
