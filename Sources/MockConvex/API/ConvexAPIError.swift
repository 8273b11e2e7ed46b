import EventHTTP

/// An error the backend answers outside a UdfResponse: `{"code":"...","message":"..."}` with
/// the status of its kind. An empty code and message mean an empty body, as the backend sends.
struct ConvexAPIError: Error, HTTPResponseError, Equatable, Sendable {
    let status: Int
    let code: String
    let message: String
    /// Sent along, e.g. the client deprecation headers.
    var headers: HTTPHeaders = [:]

    init(status: Int, code: String, message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    static func badRequest(_ code: String, _ message: String) -> ConvexAPIError {
        ConvexAPIError(status: 400, code: code, message: message)
    }

    static func unauthenticated(_ code: String, _ message: String) -> ConvexAPIError {
        ConvexAPIError(status: 401, code: code, message: message)
    }

    static func forbidden(_ code: String, _ message: String) -> ConvexAPIError {
        ConvexAPIError(status: 403, code: code, message: message)
    }

    static func notFound(_ code: String, _ message: String) -> ConvexAPIError {
        ConvexAPIError(status: 404, code: code, message: message)
    }

    /// What the backend says for any failure it has no better words for.
    static let internalServerError = ConvexAPIError(
        status: 500, code: "InternalServerError", message: "Your request couldn't be completed. Try again later.")

    var response: HTTPResponse {
        var response = code.isEmpty && message.isEmpty
            ? HTTPResponse(status: status)
            : ConvexResponses.json(status, .object([("code", .string(code)), ("message", .string(message))]))
        for field in headers { response.headers.add(field.name, field.value) }
        return response
    }
}
