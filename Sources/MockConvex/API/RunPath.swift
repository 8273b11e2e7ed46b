import EventHTTP

/// The function `/api/run/{*functionIdentifier}` names by its URL: `a/b/fn` is `a/b:fn`.
/// axum percent-decodes the wildcard, then the backend decodes each segment once more; a
/// decoding that is not UTF-8 is refused at either step, with different errors.
enum RunPath {
    static let prefix = "/api/run/"

    static let missingIdentifier = ConvexAPIError.badRequest(
        "MissingIdentifier", "Path or function name not provided in path, e.g. /api/run/messages/list")

    /// The wildcard as axum's `Path` extractor hands it over.
    static func wildcard(of request: HTTPRequest) throws(ConvexAPIError) -> String {
        guard let text = PathSegment.decoded(request.path.dropFirst(prefix.count)) else {
            throw ConvexAPIError.badRequest("BadPathArgs", "Invalid UTF-8 in `functionIdentifier`")
        }
        return text
    }

    /// `module:function` from the wildcard's segments, for the function-path parser.
    static func functionPathText(_ wildcard: String) throws(ConvexAPIError) -> String {
        var segments: [String] = []
        for part in wildcard.split(separator: "/", omittingEmptySubsequences: false) {
            guard let segment = PathSegment.decoded(part) else { throw missingIdentifier }
            segments.append(segment)
        }
        guard segments.count >= 2, let function = segments.popLast() else { throw missingIdentifier }
        return segments.joined(separator: "/") + ":" + function
    }
}
