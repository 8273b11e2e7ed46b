/// Routes by method and path: exact paths first, then the longest matching prefix. HEAD falls
/// back to GET. Thrown errors become responses here, in one place.
public final class Router: HTTPHandler {
    private struct Routes {
        var byMethod: [HTTPMethod: any HTTPHandler] = [:]
        var anyMethod: (any HTTPHandler)?

        func handler(for method: HTTPMethod) -> (any HTTPHandler)? {
            if let handler = byMethod[method] ?? anyMethod { return handler }
            return method == .HEAD ? byMethod[.GET] : nil
        }

        var allowed: [HTTPMethod] {
            HTTPMethod.allCases.filter { byMethod[$0] != nil }
        }

        mutating func add(_ method: HTTPMethod?, _ handler: any HTTPHandler) {
            if let method { byMethod[method] = handler } else { anyMethod = handler }
        }
    }

    private var exact: [String: Routes] = [:]
    private var prefixes: [(prefix: String, routes: Routes)] = []

    /// Answers requests that match no path.
    public var notFound: any HTTPHandler = HandlerFunction { _, responder in responder.send(HTTPResponse(status: 404)) }
    /// Answers a known path asked with a method it does not serve.
    public var methodNotAllowed: ([HTTPMethod]) -> HTTPResponse = { allowed in
        HTTPResponse(status: 405, headers: ["Allow": allowed.map(\.rawValue).joined(separator: ", ")])
    }
    /// The answer to an error thrown by a handler that is not an `HTTPResponseError` (those
    /// answer themselves).
    public var internalError = HTTPResponse(status: 500)

    public init() {}

    /// Routes `path` exactly; a nil method takes every method.
    public func add(_ method: HTTPMethod?, _ path: String, _ handler: any HTTPHandler) {
        exact[path, default: Routes()].add(method, handler)
    }

    /// Routes every path that starts with `prefix`.
    public func add(_ method: HTTPMethod?, prefix: String, _ handler: any HTTPHandler) {
        if let index = prefixes.firstIndex(where: { $0.prefix == prefix }) {
            prefixes[index].routes.add(method, handler)
        } else {
            prefixes.append((prefix, Routes()))
            prefixes[prefixes.count - 1].routes.add(method, handler)
            prefixes.sort { $0.prefix.utf8.count > $1.prefix.utf8.count }
        }
    }

    public func add(_ method: HTTPMethod?, _ path: String, _ body: @escaping (HTTPRequest, Responder) throws -> Void) {
        add(method, path, HandlerFunction(body))
    }

    public func add(_ method: HTTPMethod?, prefix: String, _ body: @escaping (HTTPRequest, Responder) throws -> Void) {
        add(method, prefix: prefix, HandlerFunction(body))
    }

    public func handle(_ request: HTTPRequest, _ responder: Responder) {
        HandlerFunction(route).answer(request, responder, internalError: internalError)
    }

    private func route(_ request: HTTPRequest, _ responder: Responder) throws {
        let routes = exact[request.path] ?? prefixes.first { request.path.hasPrefix($0.prefix) }?.routes
        guard let routes else {
            return try notFound.handle(request, responder)
        }
        guard let handler = routes.handler(for: request.method) else {
            return responder.send(methodNotAllowed(routes.allowed))
        }
        try handler.handle(request, responder)
    }
}

