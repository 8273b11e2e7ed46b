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
        router.add(.POST, prefix: "/api/run/") { [self] request, responder in try runCall(request, responder) }
        router.add(.POST, "/api/query_batch") { [self] request, responder in try queryBatch(request, responder) }
        router.add(.POST, "/api/query_ts") { [self] _, responder in
            responder.send(ConvexResponses.json(200, .object([("ts", .string(Timestamp.encode(deployment.latestTimestamp)))])))
        }
        router.add(.GET, "/api/check_admin_key") { [self] request, responder in
            guard try deployment.authenticate(RequestChecks.credentials(request)).isAdmin else { throw Self.notAnAdmin }
            responder.send(ConvexResponses.json(200, .object([("success", .bool(true)), ("allowedOps", .array([])), ("isReadOnly", .bool(false))])))
        }
    }

    static let notAnAdmin = ConvexAPIError.forbidden("BadDeployKey", "The provided deploy key was invalid for this deployment. Double check that the environment this key was generated for matches the desired deployment.")

    private func publicCall(_ kind: FunctionSpec.Kind, _ request: HTTPRequest, _ responder: Responder) throws(ConvexAPIError) {
        let client = try ClientVersion(header: request.headers["Convex-Client"])
        let credentials = try RequestChecks.credentials(request)
        let body = try RequestChecks.decode(RequestBodyDecoder.udfPostRequest, RequestChecks.jsonBody(request))
        let path = try RequestChecks.functionPath(body.path)
        let identity = try deployment.authenticate(credentials)
        let arguments = try FunctionCaller.positionalArguments(body.args)
        finish(path, arguments, identity, .publicAPI(expected: kind), body.format, client.defaultFormat, RequestId.of(request), responder)
    }

    /// `/api/function`: admins only, any function; the key is checked before the path.
    private func adminCall(_ request: HTTPRequest, _ responder: Responder) throws(ConvexAPIError) {
        let client = try ClientVersion(header: request.headers["Convex-Client"])
        let credentials = try RequestChecks.credentials(request)
        let body = try RequestChecks.decode(RequestBodyDecoder.udfPostRequestWithComponent, RequestChecks.jsonBody(request))
        let identity = try deployment.authenticate(credentials)
        guard identity.isAdmin else { throw Self.notAnAdmin }
        if let component = body.componentPath, !component.isEmpty {
            throw ConvexAPIError.badRequest("ComponentPathNotFound", "Component path '\(component)' not found")
        }
        let path = try RequestChecks.functionPath(body.path)
        let arguments = try FunctionCaller.positionalArguments(body.args)
        finish(path, arguments, identity, .anyFunction, body.format, client.defaultFormat, RequestId.of(request), responder)
    }

    /// `/api/run/dir/module/function`: the last segment names the function; the default
    /// format is always clean here.
    private func runCall(_ request: HTTPRequest, _ responder: Responder) throws(ConvexAPIError) {
        _ = try ClientVersion(header: request.headers["Convex-Client"])
        let credentials = try RequestChecks.credentials(request)
        let body = try RequestChecks.decode(RequestBodyDecoder.udfPostRequestArgsOnly, RequestChecks.jsonBody(request))
        // `/api/run/` alone does not match the backend's route.
        guard request.path != "/api/run/" else { throw ConvexAPIError(status: 404, code: "", message: "") }
        // axum decodes the wildcard, then the backend decodes each segment once more.
        let wildcard = HTTPRequest.percentDecode(String(request.path.dropFirst("/api/run/".count)), plusIsSpace: false)
        let segments = wildcard.split(separator: "/", omittingEmptySubsequences: false)
            .map { HTTPRequest.percentDecode(String($0), plusIsSpace: false) }
        guard segments.count >= 2 else {
            throw ConvexAPIError.badRequest("MissingIdentifier", "Path or function name not provided in path, e.g. /api/run/messages/list")
        }
        let path = try RequestChecks.functionPath(segments.dropLast().joined(separator: "/") + ":" + segments.last!)
        let identity = try deployment.authenticate(credentials)
        let arguments = try FunctionCaller.positionalArguments(body.args)
        finish(path, arguments, identity, .anyFunction, body.format, .clean, RequestId.of(request), responder)
    }

    private func finish(
        _ path: FunctionPath, _ arguments: [JSON], _ identity: Identity, _ lookup: FunctionCaller.Lookup,
        _ format: String?, _ defaultFormat: ValueFormat, _ requestId: String, _ responder: Responder
    ) {
        caller.call(path, arguments: arguments, identity: identity, lookup: lookup) { outcome in
            do throws(ConvexAPIError) {
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
        let identity = try deployment.authenticate(credentials)
        let requestId = RequestId.of(request)
        var results: [JSON] = []
        var remaining = queries[...]
        func next() {
            guard let query = remaining.popFirst() else {
                responder.send(ConvexResponses.json(200, .object([("results", .array(results))])))
                return
            }
            do throws(ConvexAPIError) {
                let format = try RequestChecks.format(query.format, default: client.defaultFormat)
                let path = try RequestChecks.functionPath(query.path)
                let arguments = try FunctionCaller.positionalArguments(query.args)
                caller.call(path, arguments: arguments, identity: identity, lookup: .publicAPI(expected: .query), snapshot: snapshot) { outcome in
                    results.append(UdfResponse.json(outcome, format: format, requestId: requestId))
                    next()
                }
            } catch {
                responder.send(error.response)
            }
        }
        next()
    }

    /// The GET form of `/api/query` exists but its `args` cannot come from a query string, so
    /// the backend always refuses it.
    private static func queryByGet(_ request: HTTPRequest) throws(ConvexAPIError) {
        let names = Set(request.queryItems.map(\.name))
        let problem = names.contains("args") ? "invalid type: newtype struct, expected any valid JSON value"
            : names.contains("path") ? "missing field `args`" : "missing field `path`"
        throw ConvexAPIError.badRequest("BadQueryArgs", "Failed to deserialize query string: \(problem)")
    }
}

/// Timestamps travel as base64 of the little-endian u64.
enum Timestamp {
    static func encode(_ value: UInt64) -> String {
        Base64.encode((0..<8).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) })
    }
}
