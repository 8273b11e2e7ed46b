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

    /// Adds what the layer adds to a normal answer, where the backend's header map puts it:
    /// `vary` joins any `vary` already there, then `access-control-allow-credentials` and
    /// `access-control-allow-origin` take the place of earlier values or go last. Routes
    /// wrapped by the layer twice (the meta routes) get `vary` twice, as on the backend.
    static func decorate(_ response: HTTPResponse, for request: HTTPRequest, layers: Int = 1) -> HTTPResponse {
        var response = response
        for _ in 0..<layers {
            response.headers = response.headers.appendingToGroup("vary", vary)
            response.headers = response.headers.replacingInPlace("access-control-allow-credentials", "true")
            if let origin = request.headers["Origin"] {
                response.headers = response.headers.replacingInPlace("access-control-allow-origin", origin)
            }
        }
        return response
    }
}

/// Header order as the `http` crate's `HeaderMap` keeps it, which is the order hyper writes:
/// all values of a name sit together, at the place the name first appeared. Names here are
/// lowercase, as the layer writes them.
private extension HTTPHeaders {
    // Names compared with `sameName` (ASCII folding, no new strings): these run on every answer.
    func appendingToGroup(_ name: String, _ value: String) -> HTTPHeaders {
        var fields = self.fields.map { ($0.name, $0.value) }
        let position = fields.lastIndex { HTTPHeaders.sameName($0.0, name) }.map { $0 + 1 } ?? fields.endIndex
        fields.insert((name, value), at: position)
        return HTTPHeaders(fields)
    }

    func replacingInPlace(_ name: String, _ value: String) -> HTTPHeaders {
        var fields: [(String, String)] = []
        fields.reserveCapacity(self.fields.count + 1)
        var replaced = false
        for field in self.fields {
            guard HTTPHeaders.sameName(field.name, name) else {
                fields.append((field.name, field.value))
                continue
            }
            if !replaced { fields.append((field.name, value)) }
            replaced = true
        }
        if !replaced { fields.append((name, value)) }
        return HTTPHeaders(fields)
    }
}
