import EventHTTP

/// The backend's CORS layer (tower-http, as the backend configures it): every OPTIONS request
/// is answered as a preflight, and other answers mirror the request's Origin.
enum CORS {
    static let vary = "origin, access-control-request-method, access-control-request-headers"
    static let methods = "GET,POST,OPTIONS,PATCH,DELETE,PUT"

    /// 200, empty, headers in the backend's order.
    static func preflight(_ request: HTTPRequest) -> HTTPResponse {
        var headers: HTTPHeaders = ["access-control-allow-credentials": "true", "vary": vary, "access-control-allow-methods": methods]
        if let requested = request.headers["Access-Control-Request-Headers"] {
            headers.add("access-control-allow-headers", requested)
        }
        headers.add("access-control-max-age", "86400")
        if let origin = request.headers["Origin"] {
            headers.add("access-control-allow-origin", origin)
        }
        return HTTPResponse(status: 200, headers: headers)
    }

    /// Adds what the layer adds to a normal answer. Routes wrapped by the layer twice (the meta
    /// routes) get `vary` twice, as on the backend.
    static func decorate(_ response: HTTPResponse, for request: HTTPRequest, layers: Int = 1) -> HTTPResponse {
        var response = response
        response.headers.set("access-control-allow-credentials", "true")
        if let origin = request.headers["Origin"] {
            response.headers.set("access-control-allow-origin", origin)
        }
        for _ in 0..<layers { response.headers.add("vary", vary) }
        return response
    }
}
