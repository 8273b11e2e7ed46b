import EventHTTP

/// An HTTP action's answer that passed through `mockconvex record`, kept as an `httpRoutes`
/// entry: the request's method and path (without the query), and the answer.
struct RecordedExchange: Sendable, Equatable {
    var method: String
    var path: String
    var status: Int
    var headers: [(name: String, value: String)]
    var body: String

    /// Headers that say something about the answer itself. Left out: those the server writes
    /// (framing, `Date`, `Server`), and `Set-Cookie`, which carries sessions' secrets.
    static let droppedHeaders: Set<String> = ["date", "server", "set-cookie", "proxy-connection", "te"]

    /// The exchange, or nil when the config could not give it back: a body that is not UTF-8
    /// text (the config's `body` is a string), or a method routes do not take (HEAD is
    /// answered by GET routes).
    init?(method: HTTPMethod, path: String, response: HTTPClientResponse) {
        guard HTTPRouteSpec.methods.contains(method), (200...599).contains(response.status), let text = String(validating: response.body, as: UTF8.self) else { return nil }
        self.method = method.rawValue
        self.path = path
        status = response.status
        headers = response.headers.fields.filter { field in
            !Self.droppedHeaders.contains(field.name.lowercased()) && ResponseHeaderRules.allows(name: field.name, value: field.value)
        }
        body = text
    }

    static func == (lhs: RecordedExchange, rhs: RecordedExchange) -> Bool {
        lhs.method == rhs.method && lhs.path == rhs.path && lhs.status == rhs.status && lhs.body == rhs.body
            && lhs.headers.elementsEqual(rhs.headers) { $0.name == $1.name && $0.value == $1.value }
    }

    /// As an `httpRoutes` entry.
    var route: JSON {
        var members: [(key: String, value: JSON)] = [("method", .string(method)), ("path", .string(path)), ("status", .integer(Int64(status)))]
        if !headers.isEmpty { members.append(("headers", .object(headers.map { ($0.name, JSON.string($0.value)) }))) }
        if !body.isEmpty { members.append(("body", .string(body))) }
        return .object(members)
    }
}
