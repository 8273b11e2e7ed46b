import EventHTTP

/// `mockconvex record` on one loop: sends the function API and HTTP actions to the upstream,
/// answers each client with the upstream's answer, and hands what came back to the recording.
/// Sync sessions' queries, mutations and actions go through it too, as HTTP calls.
final class Forwarder {
    let recording: Recording
    private let client: HTTPClient
    /// The backend's own limit on a request; the server's `--request-timeout` answers first
    /// when it is shorter, and the late upstream answer is then dropped.
    static let timeout: Duration = .seconds(300)
    static let maxResponseBytes = 64 << 20

    init(recording: Recording, loop: EventLoop) {
        self.recording = recording
        client = HTTPClient(loop: loop)
    }

    /// The admin port's routes that run functions: everything else (meta routes, storage, the
    /// control API, sync upgrades) is served here.
    static func forwards(_ path: String) -> Bool {
        ["/api/query", "/api/mutation", "/api/action", "/api/function", "/api/query_batch", "/api/query_ts"].contains(path)
            || path.hasPrefix(RunPath.prefix)
    }

    /// Request headers that belong to one hop, and those the client computes for its own.
    private static let hopHeaders: Set<String> = ["connection", "keep-alive", "te", "trailer", "transfer-encoding", "upgrade",
                                                  "proxy-connection", "proxy-authorization", "host", "content-length"]

    /// Forwards a function-API request to the upstream deployment.
    func forwardFunctionCall(_ request: HTTPRequest, _ responder: Responder) throws(ConvexAPIError) {
        try forward(request, to: recording.upstream.url + request.path, responder) { [recording] response, body in
            guard response.status == 200 else { return }
            for call in FunctionCallReading.calls(path: request.path, body: body, response: response.body) {
                recording.record(path: call.path, kind: call.kind, args: call.args, outcome: call.outcome)
            }
            // Anything but a query may have written (`/api/run` and `/api/function` take any type).
            if !["/api/query", "/api/query_batch", "/api/query_ts"].contains(request.path) { recording.mutationPassed() }
        }
    }

    /// Forwards an HTTP action (`path` is the action's, without `/http`) to the upstream site.
    func forwardHTTPAction(_ request: HTTPRequest, path: String, _ responder: Responder) throws(ConvexAPIError) {
        try forward(request, to: recording.upstream.siteURL + path, responder) { [recording] response, _ in
            // An answer of the action's own making (5xx is the upstream failing) is kept.
            guard response.status < 500 else { return }
            recording.record(RecordedExchange(method: request.method, path: path, response: response))
        }
    }

    private func forward(_ request: HTTPRequest, to base: String, _ responder: Responder,
                         observe: @escaping (HTTPClientResponse, [UInt8]) -> Void) throws(ConvexAPIError) {
        let body = try RequestChecks.body(of: request)
        var headers = HTTPHeaders()
        for field in request.headers where !Self.hopHeaders.contains(field.name.lowercased()) {
            headers.add(field.name, field.value)
        }
        noteSecrets(in: request.headers["Authorization"])
        let url = base + (request.query.map { "?" + $0 } ?? "")
        let method = request.method
        client.send(method, url: url, headers: headers, body: body, timeout: Self.timeout, maxResponseBytes: Self.maxResponseBytes) { [recording] result in
            guard responder.isOpen else { return }
            switch result {
            case .success(let response):
                var answer = HTTPResponse(status: response.status, body: response.body)
                for field in response.headers where field.name.lowercased() != "date" && ResponseHeaderRules.allows(name: field.name, value: field.value) {
                    answer.headers.add(field.name, field.value)
                }
                responder.send(answer)
                observe(response, body)
            case .failure(let error):
                responder.send(Self.unreachable(recording, method: method, url: url, error).response)
            }
        }
    }

    /// A token or key seen on its way to the upstream: never saved.
    private func noteSecrets(in authorization: String?) {
        guard let authorization, let space = authorization.firstIndex(of: " ") else { return }
        recording.noteSecret(String(authorization[authorization.index(after: space)...].drop { $0 == " " || $0 == "\t" }))
    }

    /// The upstream could not be asked or did not answer: a 502 that names it, as a gateway says.
    static func unreachable(_ recording: Recording, method: HTTPMethod, url: String, _ error: HTTPClientError) -> ConvexAPIError {
        ConvexAPIError(status: 502, code: "UpstreamUnavailable",
                       message: "mockconvex record could not get an answer from the upstream for \(method.rawValue) \(url): \(error)")
    }

    /// A function call for a sync session: the upstream's answer as the outcome mockconvex would
    /// have given; an HTTP error or an unreachable upstream as a failure saying so.
    func call(_ kind: FunctionSpec.Kind, _ path: FunctionPath, arguments: [JSON], authorization: String?,
              completion: @escaping (FunctionOutcome) -> Void) {
        let body = JSON.object([("path", .string(path.stripped)), ("args", .array(arguments)), ("format", .string("convex_encoded_json"))])
        post("/api/\(kind.rawValue)", body, authorization: authorization) { result in
            switch result {
            case .success(let json):
                completion(UpstreamOutcome.parse(json) ?? FunctionOutcome(.failure(JSFailure(message: "the upstream's answer is not a function's result"))))
            case .failure(let failure):
                completion(FunctionOutcome(.failure(failure)))
            }
        }
    }

    /// Queries for a sync session's Transition, at one timestamp upstream (`/api/query_batch`).
    func queries(_ queries: [(path: FunctionPath, arguments: [JSON])], authorization: String?,
                 completion: @escaping ([FunctionOutcome]) -> Void) {
        let body = JSON.object([("queries", .array(queries.map { query in
            .object([("path", .string(query.path.stripped)), ("args", .array(query.arguments)), ("format", .string("convex_encoded_json"))])
        }))])
        post("/api/query_batch", body, authorization: authorization) { result in
            switch result {
            case .success(let json):
                let results: [JSON] = if case .array(let items)? = json.objectMembers?.value("results") { items } else { [] }
                guard results.count == queries.count else {
                    let failure = FunctionOutcome(.failure(JSFailure(message: "the upstream's query_batch answer does not hold \(queries.count) results")))
                    return completion(Array(repeating: failure, count: queries.count))
                }
                completion(results.map { UpstreamOutcome.parse($0) ?? FunctionOutcome(.failure(JSFailure(message: "the upstream's answer is not a query's result"))) })
            case .failure(let failure):
                completion(Array(repeating: FunctionOutcome(.failure(failure)), count: queries.count))
            }
        }
    }

    private func post(_ route: String, _ body: JSON, authorization: String?, completion: @escaping (Result<JSON, JSFailure>) -> Void) {
        var headers: HTTPHeaders = ["Content-Type": "application/json"]
        if let authorization { headers.add("Authorization", authorization) }
        let url = recording.upstream.url + route
        client.send(.POST, url: url, headers: headers, body: JSONWriter.serialize(body), timeout: Self.timeout,
                    maxResponseBytes: Self.maxResponseBytes) { [recording] result in
            switch result {
            case .success(let response):
                guard let json = try? JSONReader.parse(response.body, maxDepth: 256) else {
                    return completion(.failure(JSFailure(message: "the upstream answered \(route) with \(response.status) and a body that is not JSON")))
                }
                guard response.status == 200 else {
                    // The backend's HTTP errors: {"code": ..., "message": ...}.
                    let message = if case .string(let text)? = json.objectMembers?.value("message") { text } else { "HTTP \(response.status)" }
                    return completion(.failure(JSFailure(message: message)))
                }
                completion(.success(json))
            case .failure(let error):
                completion(.failure(JSFailure(message: Self.unreachable(recording, method: .POST, url: url, error).message)))
            }
        }
    }
}
