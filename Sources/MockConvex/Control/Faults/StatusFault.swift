import EventHTTP

/// `{"kind": "status", "status": 503, "body": ..., "headers": {...}}`: answered at once with
/// that status; a string body is sent as text, any other JSON value as JSON. The deployment
/// never sees the request.
struct StatusFault: FaultKind {
    static let name = "status"
    static let parameterKeys = ["status", "body", "headers"]
    let status: Int
    let body: JSON?
    let headers: [(name: String, value: String)]

    init(reading members: [(key: String, value: JSON)], at path: JSONPath) throws(ConfigError) {
        guard let statusValue = members.value("status") else { throw ConfigError(path, "missing \"status\"") }
        status = try ConfigReader.finalStatus(statusValue, at: path.key("status"))
        body = members.value("body")
        var headers: [(name: String, value: String)] = []
        if let given = members.value("headers") {
            for (name, value) in try ConfigReader.object(given, at: path.key("headers")) {
                let text = try ConfigReader.string(value, at: path.key("headers").key(name))
                try ResponseHeaderRules.check(name: name, value: text, at: path.key("headers").key(name))
                headers.append((name, text))
            }
        }
        self.headers = headers
    }

    var parameters: [(String, JSON)] {
        var result: [(String, JSON)] = [("status", .integer(Int64(status)))]
        if let body { result.append(("body", body)) }
        if !headers.isEmpty { result.append(("headers", .object(headers.map { ($0.name, JSON.string($0.value)) }))) }
        return result
    }

    var abortsConnection: Bool { false }

    func apply(_ responder: Responder, proceed: @escaping (Responder) -> Void) {
        var response: HTTPResponse = switch body {
        case nil: HTTPResponse(status: status)
        case .string(let text): .text(status, text)
        case let value?: .json(status, value.serialized)
        }
        for (name, value) in headers { response.headers.set(name, value) }
        responder.send(response)
    }
}
