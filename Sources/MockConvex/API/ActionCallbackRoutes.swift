import EventHTTP

/// `/api/actions/...`: what a Node action's `ctx.run*`, `ctx.scheduler` and `ctx.storage`
/// calls reach. Values are always in the encoded format and errors carry no request id.
/// Internal functions may be called from here.
struct ActionCallbackRoutes {
    let caller: FunctionCaller
    private var deployment: Deployment { caller.deployment }

    static let prefix = "/api/actions/"

    func register(on router: Router) {
        let loop = caller.loop
        for kind in FunctionSpec.Kind.allCases {
            add(router, kind.rawValue) { request, responder in try call(kind, request, responder) }
        }
        add(router, "schedule_job") { request, responder in try scheduleJob(request, responder) }
        add(router, "cancel_job") { request, responder in
            let body = try RequestChecks.decode(RequestBodyDecoder.cancelJob, RequestChecks.jsonBody(request))
            guard let id = try? DocumentId(decoding: body.id) else {
                throw ConvexAPIError.badRequest("InvalidArgument", "Invalid scheduled function ID")
            }
            deployment.cancelJob(id, Reply(on: loop) { result in
                responder.send(result.map { ConvexResponses.json(200, .null) })
            })
        }
        add(router, "storage_generate_upload_url") { _, responder in
            responder.send(ConvexResponses.json(200, .object([("url", .string(deployment.files.uploadURL()))])))
        }
        add(router, "storage_get_url") { request, responder in
            let file = try storageFile(request)
            let url = file.map { JSON.string(StorageCalls.downloadURL(origin: deployment.settings.convexOrigin, file: $0)) } ?? .null
            responder.send(ConvexResponses.json(200, .object([("url", url)])))
        }
        add(router, "storage_get_metadata") { request, responder in
            // The older metadata shape, with `size` as an integer.
            let metadata: JSON = try storageFile(request).map { file in
                .object([("storageId", .string(file.uuid)), ("sha256", .string(Hex.encode(file.sha256))),
                         ("size", .integer(Int64(file.size))), ("contentType", file.contentType.map(JSON.string) ?? .null)])
            } ?? .null
            responder.send(ConvexResponses.json(200, metadata))
        }
        add(router, "storage_delete") { request, responder in
            let body = try RequestChecks.decode(RequestBodyDecoder.storageIdRequest, RequestChecks.jsonBody(request))
            guard let file = try Self.resolve(body.id, in: deployment) else {
                throw ConvexAPIError.badRequest("StorageIdNotFound", "storage id \(UUIDText.normalize(body.id) ?? body.id) not found")
            }
            deployment.files.delete(file, Reply(on: loop) { result in
                responder.send(result.map { ConvexResponses.json(200, .null) })
            })
        }
    }

    /// Every callback route first needs a token this deployment issued (to its Node-action
    /// emulation, or to a test through the control API), as the backend accepts only its own;
    /// anything else gets the backend's bare 500.
    private func add(_ router: Router, _ name: String, _ body: @escaping (HTTPRequest, Responder) throws -> Void) {
        router.add(.POST, Self.prefix + name) { [deployment] request, responder in
            if let rejection = deployment.checkCallbackToken(request.headers[ActionCallbackTokens.header]) { throw rejection }
            try body(request, responder)
        }
    }

    /// `/api/actions/query|mutation|action`.
    private func call(_ kind: FunctionSpec.Kind, _ request: HTTPRequest, _ responder: Responder) throws(ConvexAPIError) {
        let credentials = try RequestChecks.credentials(request)
        let body = try RequestChecks.decode(RequestBodyDecoder.actionCallbackCall, RequestChecks.jsonBody(request))
        try caller.authenticated(credentials, for: responder) { [caller] identity throws(ConvexAPIError) in
            let path = try Self.functionPath(body.path, reference: body.reference, functionHandle: body.functionHandle)
            let identifier = try body.mutationIdentifier.map(Self.mutationIdentifier)
            let arguments = try FunctionCaller.positionalArguments(body.args)
            let format = body.format
            caller.call(path, arguments: arguments, identity: identity, lookup: .actionCallback(expected: kind),
                        mutationIdentifier: identifier, for: responder) { result in
                switch result {
                case .success(let outcome):
                    // The backend refuses a `format` only after the function ran.
                    guard format == nil else { return responder.send(ConvexAPIError.internalServerError.response) }
                    responder.send(ConvexResponses.json(200, UdfResponse.json(outcome, format: .encoded, requestId: nil)))
                case .failure(let error):
                    responder.send(error.response)
                }
            }
        }
    }

    /// `/api/actions/schedule_job`: `{udfPath, udfArgs, scheduledTs}` (seconds) → `{jobId}`.
    private func scheduleJob(_ request: HTTPRequest, _ responder: Responder) throws(ConvexAPIError) {
        let body = try RequestChecks.decode(RequestBodyDecoder.scheduleJob, RequestChecks.jsonBody(request))
        let milliseconds = try ScheduledTime.milliseconds(fromSeconds: body.scheduledTs)
        let path: FunctionPath
        do {
            path = try Self.functionPath(body.path, reference: body.reference, functionHandle: body.functionHandle)
        } catch {
            throw .badRequest("InvalidUdfPath", error.message)
        }
        let arguments = try FunctionCaller.positionalArguments(body.args)
        guard let values = try? ConvexValue.importingArguments(arguments) else { throw .internalServerError }
        deployment.scheduleJob(path, arguments: values, at: milliseconds, Reply(on: caller.loop) { result in
            responder.send(result.map { ConvexResponses.json(200, .object([("jobId", .string($0.id.encoded))])) })
        })
    }

    /// The function a callback names, by path; references and function handles are not
    /// something a config-declared app has.
    static func functionPath(_ path: String?, reference: String?, functionHandle: String?) throws(ConvexAPIError) -> FunctionPath {
        if functionHandle != nil {
            throw .badRequest("InvalidFunctionHandle", "mockconvex has no function handles; call the function by its path")
        }
        switch (path, reference) {
        case (nil, nil):
            throw .badRequest("MissingUdfPathOrFunctionReference", "Missing UDF path or function reference. One must be provided.")
        case (_?, _?):
            throw .badRequest("InvalidUdfPathOrFunctionReference", "Both UDF path and function reference provided. Only one must be provided.")
        case (nil, _?):
            throw .badRequest("InvalidFunctionReference", "mockconvex resolves functions by path only; send `path`")
        case (let text?, nil):
            // The backend fails here without an error code of its own.
            guard let parsed = try? FunctionPath(parsing: text) else { throw .internalServerError }
            return parsed
        }
    }

    /// `{"sessionId": "<uuid>", "requestId": <u32>}` as one key.
    static func mutationIdentifier(_ text: [UInt8]) throws(ConvexAPIError) -> String {
        guard let object = try? JSONReader.parse(text), case .string(let session)? = object["sessionId"],
              let uuid = UUIDText.normalize(session), case .number(let number)? = object["requestId"],
              number >= 0, number <= Double(UInt32.max), number.rounded() == number
        else { throw .internalServerError }
        return "\(uuid)/\(Int(number))"
    }

    /// The file a `{storageId}` body names; nil when there is none.
    private func storageFile(_ request: HTTPRequest) throws(ConvexAPIError) -> StoredFile? {
        let body = try RequestChecks.decode(RequestBodyDecoder.storageIdRequest, RequestChecks.jsonBody(request))
        return try Self.resolve(body.id, in: deployment)
    }

    static func resolve(_ storageId: String, in deployment: Deployment) throws(ConvexAPIError) -> StoredFile? {
        switch deployment.files.resolve(storageId) {
        case .file(let file): return file
        case .missing: return nil
        case .invalid(let message): throw .badRequest("InvalidStorageId", message)
        case .otherTable: throw .badRequest("InvalidArgument", StorageIdArgument.otherTableMessage)
        }
    }
}
