import EventHTTP

/// Responses written the way the backend's HTTP stack (hyper) writes them: lowercase header
/// names, `text/plain; charset=utf-8` for text.
enum ConvexResponses {
    static func text(_ status: Int, _ text: String) -> HTTPResponse {
        HTTPResponse(status: status, headers: ["content-type": "text/plain; charset=utf-8"], body: Array(text.utf8))
    }

    static func json(_ status: Int, _ value: JSON) -> HTTPResponse {
        HTTPResponse(status: status, headers: ["content-type": "application/json"], body: value.serialized)
    }

    static func json(_ status: Int, bytes: [UInt8]) -> HTTPResponse {
        HTTPResponse(status: status, headers: ["content-type": "application/json"], body: bytes)
    }

    /// axum's 405: empty, with the allowed methods comma-separated and HEAD beside GET.
    static func methodNotAllowed(_ allowed: [HTTPMethod]) -> HTTPResponse {
        let order: [HTTPMethod] = [.GET, .HEAD, .POST, .DELETE, .PATCH, .PUT, .OPTIONS, .TRACE, .CONNECT]
        var methods = Set(allowed)
        if methods.contains(.GET) { methods.insert(.HEAD) }
        let list = order.filter(methods.contains).map(\.rawValue).joined(separator: ",")
        return HTTPResponse(status: 405, headers: ["allow": list])
    }
}

extension Responder {
    /// Answers with the response, or with the error's own (`ConvexAPIError.response` is the one
    /// place an error's body is written): for answers that come after the handler returned,
    /// when nothing is left to throw to.
    func send(_ result: Result<HTTPResponse, ConvexAPIError>) {
        switch result {
        case .success(let response): send(response)
        case .failure(let error): send(error.response)
        }
    }
}
