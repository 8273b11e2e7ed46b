import EventHTTP

/// `/api/query`, `/api/mutation`, `/api/action`, `/api/function`, `/api/run/...`,
/// `/api/query_batch`, `/api/query_ts`, `/api/check_admin_key` on one loop.
final class FunctionRoutes {
    private let caller: FunctionCaller
    private var deployment: Deployment { caller.deployment }

    init(caller: FunctionCaller) {
        self.caller = caller
    }

    func register(on router: Router) {
        for kind in FunctionSpec.Kind.allCases {
            router.add(.POST, "/api/\(kind.rawValue)") { [self] request, responder in
                try publicCall(kind, request, responder)
            }
        }
        router.add(.GET, "/api/query") { request, _ in try Self.queryByGet(request) }
        router.add(.POST, "/api/function") { [self] request, responder in try adminCall(request, responder) }
        router.add(.POST, prefix: RunPath.prefix) { [self] request, responder in try runCall(request, responder) }
        // The wildcard needs at least one character: `/api/run/` itself is no route.
        router.add(nil, RunPath.prefix) { _, _ in throw ConvexAPIError(status: 404, code: "", message: "") }
        router.add(.POST, "/api/query_batch") { [self] request, responder in try queryBatch(request, responder) }
        router.add(.POST, "/api/query_ts") { [self] _, responder in
            responder.send(ConvexResponses.json(200, .object([("ts", .string(Timestamp.encode(deployment.latestTimestamp)))])))
        }
        router.add(.GET, "/api/check_admin_key") { [self] request, responder in
            // A user token is checked (and refused with its 401) before it is found no admin.
            try caller.authenticated(RequestChecks.credentials(request), for: responder) { identity throws(ConvexAPIError) in
                guard identity.isAdmin else { throw Self.notAnAdmin }
                responder.send(ConvexResponses.json(200, .object([("success", .bool(true)), ("allowedOps", .array([])), ("isReadOnly", .bool(false))])))
            }
        }
    }

    static let notAnAdmin = ConvexAPIError.forbidden("BadDeployKey", "The provided deploy key was invalid for this deployment. Double check that the environment this key was generated for matches the desired deployment.")

    private func publicCall(_ kind: FunctionSpec.Kind, _ request: HTTPRequest, _ responder: Responder) throws(ConvexAPIError) {
        let client = try ClientVersion(header: request.headers["Convex-Client"])
        let credentials = try RequestChecks.credentials(request)
        let body = try RequestChecks.decode(RequestBodyDecoder.udfPostRequest, RequestChecks.jsonBody(request))
        let path = try RequestChecks.functionPath(body.path)
        try caller.authenticated(credentials, for: responder) { [self] identity throws(ConvexAPIError) in
            let arguments = try FunctionCaller.positionalArguments(body.args)
            finish(path, arguments, identity, .publicAPI(expected: kind), body.format, client.defaultFormat, RequestId.of(request), responder)
        }
    }

    /// `/api/function`: admins only, any function; the key is checked before the path.
    private func adminCall(_ request: HTTPRequest, _ responder: Responder) throws(ConvexAPIError) {
        let client = try ClientVersion(header: request.headers["Convex-Client"])
        let credentials = try RequestChecks.credentials(request)
        let body = try RequestChecks.decode(RequestBodyDecoder.udfPostRequestWithComponent, RequestChecks.jsonBody(request))
        try caller.authenticated(credentials, for: responder) { [self] identity throws(ConvexAPIError) in
            guard identity.isAdmin else { throw Self.notAnAdmin }
            let component = try Self.componentPath(body.componentPath)
            let path = try RequestChecks.functionPath(body.path)
            let arguments = try FunctionCaller.positionalArguments(body.args)
            finish(path, arguments, identity, .anyFunction(component: component), body.format, client.defaultFormat, RequestId.of(request), responder)
        }
    }

    /// `componentPath`: names of components (identifiers) joined by `/`; absent or empty is
    /// the root, which is nil here since the app has no other components.
    private static func componentPath(_ text: String?) throws(ConvexAPIError) -> String? {
        guard let text, !text.isEmpty else { return nil }
        for name in text.split(separator: "/", omittingEmptySubsequences: false) {
            do {
                try IdentifierRules.check(String(name))
            } catch {
                throw ConvexAPIError.badRequest("InvalidComponentPath", error.reason)
            }
        }
        return text
    }

    /// `/api/run/dir/module/function`: the last segment names the function; the default
    /// format is always clean here. The URL is read first, but only made sense of after the
    /// caller is authenticated, as the backend does.
    private func runCall(_ request: HTTPRequest, _ responder: Responder) throws(ConvexAPIError) {
        let wildcard = try RunPath.wildcard(of: request)
        let credentials = try RequestChecks.credentials(request)
        _ = try ClientVersion(header: request.headers["Convex-Client"])
        let body = try RequestChecks.decode(RequestBodyDecoder.udfPostRequestArgsOnly, RequestChecks.jsonBody(request))
        try caller.authenticated(credentials, for: responder) { [self] identity throws(ConvexAPIError) in
            let path = try RequestChecks.functionPath(RunPath.functionPathText(wildcard))
            let arguments = try FunctionCaller.positionalArguments(body.args)
            finish(path, arguments, identity, .anyFunction(component: nil), body.format, .clean, RequestId.of(request), responder)
        }
    }

    private func finish(
        _ path: FunctionPath, _ arguments: [JSON], _ identity: Identity, _ lookup: FunctionCaller.Lookup,
        _ format: String?, _ defaultFormat: ValueFormat, _ requestId: String, _ responder: Responder
    ) {
        caller.call(path, arguments: arguments, identity: identity, lookup: lookup, for: responder) { result in
            do throws(ConvexAPIError) {
                let outcome = try result.get()
                let format = try RequestChecks.format(format, default: defaultFormat)
                responder.send(ConvexResponses.json(200, UdfResponse.json(outcome, format: format, requestId: requestId)))
            } catch {
                responder.send(error.response)
            }
        }
    }

    /// Every query at one timestamp, one after another; the first HTTP-level problem (format,
    /// path, arguments) fails the whole batch, function errors stay per query.
    private func queryBatch(_ request: HTTPRequest, _ responder: Responder) throws(ConvexAPIError) {
        let client = try ClientVersion(header: request.headers["Convex-Client"])
        let credentials = try RequestChecks.credentials(request)
        let queries = try RequestChecks.decode(RequestBodyDecoder.queryBatchArgs, RequestChecks.jsonBody(request))
        // The backend picks the batch's timestamp before it authenticates.
        let snapshot = deployment.snapshot()
        try caller.authenticated(credentials, for: responder) { [self] identity in
            runBatch(queries, identity: identity, snapshot: snapshot, client: client, requestId: RequestId.of(request), responder)
        }
    }

    private func runBatch(_ queries: [UdfCallBody], identity: Identity, snapshot: DocumentStore,
                          client: ClientVersion, requestId: String, _ responder: Responder) {
        var results: [JSON] = []
        var remaining = queries[...]
        // Queries that answer at once call back before `call` returns; looping here instead of
        // recursing keeps a batch of any length off the stack.
        var stepping = false
        var more = false
        func next() {
            more = true
            guard !stepping else { return }
            stepping = true
            while more {
                more = false
                step()
            }
            stepping = false
        }
        func step() {
            guard let query = remaining.popFirst() else {
                responder.send(ConvexResponses.json(200, .object([("results", .array(results))])))
                return
            }
            do throws(ConvexAPIError) {
                let format = try RequestChecks.format(query.format, default: client.defaultFormat)
                let path = try RequestChecks.functionPath(query.path)
                let arguments = try FunctionCaller.positionalArguments(query.args)
                caller.call(path, arguments: arguments, identity: identity, lookup: .publicAPI(expected: .query), snapshot: snapshot,
                            for: responder) { result in
                    switch result {
                    case .success(let outcome):
                        results.append(UdfResponse.json(outcome, format: format, requestId: requestId))
                        next()
                    case .failure(let error):
                        responder.send(error.response)
                    }
                }
            } catch {
                responder.send(error.response)
            }
        }
        next()
    }

    /// The GET form of `/api/query` exists but its `args` cannot come from a query string, so
    /// the backend always refuses it, with the first problem serde meets walking the pairs.
    private static func queryByGet(_ request: HTTPRequest) throws(ConvexAPIError) {
        var seen: Set<String> = []
        var problem: String?
        for name in request.queryItems.map(\.name) where problem == nil {
            switch name {
            case "args": problem = "invalid type: newtype struct, expected any valid JSON value"
            case "path", "format": if !seen.insert(name).inserted { problem = "duplicate field `\(name)`" }
            default: continue
            }
        }
        let message = problem ?? (seen.contains("path") ? "missing field `args`" : "missing field `path`")
        throw ConvexAPIError.badRequest("BadQueryArgs", "Failed to deserialize query string: \(message)")
    }
}

/// Timestamps travel as base64 of the little-endian u64.
enum Timestamp {
    static func encode(_ value: UInt64) -> String {
        Base64.encode((0..<8).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) })
    }

    /// The value of an encoded timestamp: exactly 8 bytes, at most i64::MAX (the backend's
    /// `Timestamp` range); nil otherwise.
    static func decode(_ text: String) -> UInt64? {
        guard let bytes = try? Base64.decode(text), bytes.count == 8 else { return nil }
        let value = bytes.reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return value <= UInt64(Int64.max) ? value : nil
    }
}
