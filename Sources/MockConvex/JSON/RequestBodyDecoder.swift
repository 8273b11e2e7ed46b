/// A call of a Convex function as the function routes' JSON bodies describe it.
public struct UdfCallBody: Equatable, Sendable {
    /// Only `/api/function` (`UdfPostRequestWithComponent`) reads it.
    public var componentPath: String?
    /// "" for the `/api/run` shape, whose path is in the URL.
    public var path: String
    /// The raw JSON text of `args`, exactly as sent, without surrounding whitespace.
    public var args: [UInt8]
    public var format: String?

    public init(componentPath: String? = nil, path: String, args: [UInt8], format: String? = nil) {
        self.componentPath = componentPath
        self.path = path
        self.args = args
        self.format = format
    }
}

/// A request body the backend answers with 400 `BadJsonBody`; `message` is the full text.
public struct RequestBodyError: Error, Equatable, Sendable {
    public let message: String

    public init(message: String) {
        self.message = message
    }
}

/// Decodes the function routes' request bodies with the backend's acceptance and its exact
/// error texts: axum 0.8.8's `Json` extractor around serde_path_to_error and serde_json.
public enum RequestBodyDecoder {
    /// `/api/query`, `/api/mutation`, `/api/action`: `UdfPostRequest`.
    public static func udfPostRequest(_ body: [UInt8]) throws(RequestBodyError) -> UdfCallBody {
        try decode(body, .udfPostRequest)
    }

    /// `/api/function`: `UdfPostRequestWithComponent`.
    public static func udfPostRequestWithComponent(_ body: [UInt8]) throws(RequestBodyError) -> UdfCallBody {
        try decode(body, .udfPostRequestWithComponent)
    }

    /// `/api/run/{*path}`: `UdfPostRequestArgsOnly`.
    public static func udfPostRequestArgsOnly(_ body: [UInt8]) throws(RequestBodyError) -> UdfCallBody {
        try decode(body, .udfPostRequestArgsOnly)
    }

    /// `/api/query_batch`: `QueryBatchArgs`.
    public static func queryBatchArgs(_ body: [UInt8]) throws(RequestBodyError) -> [UdfCallBody] {
        try decode(body, QueryBatch.shape).queries
    }

    /// `/api/actions/query`, `/mutation`, `/action`: `NodeCallbackUdfPostRequest`.
    public static func actionCallbackCall(_ body: [UInt8]) throws(RequestBodyError) -> ActionCallbackBody {
        try decode(body, ActionCallbackBody.udfPost)
    }

    /// `/api/actions/schedule_job`: `ScheduleJobRequest`.
    public static func scheduleJob(_ body: [UInt8]) throws(RequestBodyError) -> ActionCallbackBody {
        try decode(body, ActionCallbackBody.scheduleJob)
    }

    /// `/api/actions/cancel_job`: `CancelDeveloperJobRequest`.
    public static func cancelJob(_ body: [UInt8]) throws(RequestBodyError) -> ActionCallbackBody {
        try decode(body, ActionCallbackBody.cancelJob)
    }

    /// `/api/actions/storage_get_url`, `storage_get_metadata`, `storage_delete`: `GetParams`.
    public static func storageIdRequest(_ body: [UInt8]) throws(RequestBodyError) -> ActionCallbackBody {
        try decode(body, ActionCallbackBody.storageId)
    }

    /// axum's `Json::from_bytes`: data errors and syntax errors get different prefixes, and
    /// the trailing-characters check runs after decoding, outside any path.
    private static func decode<Target: Sendable>(_ body: [UInt8], _ shape: RequestStruct<Target>) throws(RequestBodyError) -> Target {
        let parsePrefix = "Failed to parse the request body as JSON: "
        let outcome = body.withUnsafeBufferPointer { buffer in
            Result { () throws(RequestBodyError) -> Target in
                var decoder = RequestStructDecoder(cursor: JSONCursor(buffer))
                let target: Target
                do throws(RequestDecodingFailure) {
                    target = try decoder.decodeStruct(shape, at: SerdePath())
                } catch {
                    let prefix = error.error.category == .data
                        ? "Failed to deserialize the JSON body into the target type: " : parsePrefix
                    throw RequestBodyError(message: prefix + error.path.messagePrefix + error.error.description)
                }
                if decoder.cursor.skipWhitespace() != nil {
                    throw RequestBodyError(message: parsePrefix + decoder.cursor.peekError(.trailingCharacters).description)
                }
                return target
            }
        }
        return try outcome.get()
    }
}
