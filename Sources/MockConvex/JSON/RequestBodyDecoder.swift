/// A call of a Convex function as the function routes' JSON bodies describe it.
struct UdfCallBody: Equatable, Sendable {
    /// Only `/api/function` (`UdfPostRequestWithComponent`) reads it.
    var componentPath: String?
    /// "" for the `/api/run` shape, whose path is in the URL.
    var path: String
    /// The raw JSON text of `args`, exactly as sent, without surrounding whitespace.
    var args: [UInt8]
    var format: String?

    init(componentPath: String? = nil, path: String, args: [UInt8], format: String? = nil) {
        self.componentPath = componentPath
        self.path = path
        self.args = args
        self.format = format
    }
}

/// A request body the backend answers with 400 `BadJsonBody`; `message` is the full text.
struct RequestBodyError: Error, Equatable, Sendable {
    let message: String

    init(message: String) {
        self.message = message
    }
}

/// Decodes the function routes' request bodies with the backend's acceptance and its exact
/// error texts: axum 0.8.8's `Json` extractor around serde_path_to_error and serde_json.
enum RequestBodyDecoder {
    /// `/api/query`, `/api/mutation`, `/api/action`: `UdfPostRequest`.
    static func udfPostRequest(_ body: [UInt8]) throws(RequestBodyError) -> UdfCallBody {
        try decode(body, .udfPostRequest)
    }

    /// `/api/function`: `UdfPostRequestWithComponent`.
    static func udfPostRequestWithComponent(_ body: [UInt8]) throws(RequestBodyError) -> UdfCallBody {
        try decode(body, .udfPostRequestWithComponent)
    }

    /// `/api/run/{*path}`: `UdfPostRequestArgsOnly`.
    static func udfPostRequestArgsOnly(_ body: [UInt8]) throws(RequestBodyError) -> UdfCallBody {
        try decode(body, .udfPostRequestArgsOnly)
    }

    /// `/api/query_batch`: `QueryBatchArgs`.
    static func queryBatchArgs(_ body: [UInt8]) throws(RequestBodyError) -> [UdfCallBody] {
        try decode(body, QueryBatch.shape).queries
    }

    /// `/api/actions/query`, `/mutation`, `/action`: `NodeCallbackUdfPostRequest`.
    static func actionCallbackCall(_ body: [UInt8]) throws(RequestBodyError) -> ActionCallbackBody {
        try decode(body, ActionCallbackBody.udfPost)
    }

    /// `/api/actions/schedule_job`: `ScheduleJobRequest`.
    static func scheduleJob(_ body: [UInt8]) throws(RequestBodyError) -> ActionCallbackBody {
        try decode(body, ActionCallbackBody.scheduleJob)
    }

    /// `/api/actions/cancel_job`: `CancelDeveloperJobRequest`.
    static func cancelJob(_ body: [UInt8]) throws(RequestBodyError) -> ActionCallbackBody {
        try decode(body, ActionCallbackBody.cancelJob)
    }

    /// `/api/actions/storage_get_url`, `storage_get_metadata`, `storage_delete`: `GetParams`.
    static func storageIdRequest(_ body: [UInt8]) throws(RequestBodyError) -> ActionCallbackBody {
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
