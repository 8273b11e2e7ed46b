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

    /// `tls`: what an `https` upstream's certificate is checked against (`--upstream-ca`; nil
    /// is the system's store).
    init(recording: Recording, loop: EventLoop, tls: TLSClientSettings?) {
        self.recording = recording
        client = HTTPClient(loop: loop, tls: tls)
    }

    /// The admin port's routes that run functions: everything else (meta routes, storage, the
    /// control API, sync upgrades) is served here.
    static func forwards(_ path: String) -> Bool {
        forwardedPaths.contains(path) || path.hasPrefix(RunPath.prefix)
    }

    private static let forwardedPaths: Set<String> = ["/api/query", "/api/mutation", "/api/action", "/api/function", "/api/query_batch", "/api/query_ts"]

    /// Request headers that belong to one hop, and those the client computes for its own.
    /// `Accept-Encoding` too: a compressed answer could not be read for the recording (and
    /// the outbound client does not decompress).
    private static let hopHeaders: Set<String> = ["connection", "keep-alive", "te", "trailer", "transfer-encoding", "upgrade",
                                                  "proxy-connection", "proxy-authorization", "host", "content-length", "accept-encoding"]

    /// Marks what a recorder forwards, so that one forwarding to itself (`--upstream` naming
    /// its own port) answers 508 at once instead of calling itself until it runs out of sockets.
    static let hopHeader = "Mockconvex-Recorded-By"

    /// Why a call for a sync session got no function answer from the upstream.
    enum Problem: Error {
        /// 401: the token or key the session signed in with; the session gets an `AuthError`.
        case credentialsRejected(String)
        /// Any other HTTP error, or no answer: the calls fail with this message.
        case failed(JSFailure)
    }

    /// Forwards a function-API request to the upstream deployment.
    func forwardFunctionCall(_ request: HTTPRequest, _ responder: Responder) throws(ConvexAPIError) {
        try forward(request, to: recording.upstream.url + request.path, responder) { [recording] response, body in
            guard response.status == 200 else { return }
            let calls = FunctionCallReading.calls(path: request.path, body: body, response: response.body)
            if calls.isEmpty, request.path != "/api/query_ts" { recording.notRecorded() }
            for call in calls {
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
        if request.headers.contains(Self.hopHeader) {
            throw ConvexAPIError(status: 508, code: "RecordingLoop",
                                 message: "This request was forwarded by a mockconvex recorder to itself: give --upstream the deployment's URL, not the recorder's")
        }
        let body = try RequestChecks.body(of: request)
        var headers = HTTPHeaders()
        for field in request.headers where !Self.hopHeaders.contains(field.name.lowercased()) {
            headers.add(field.name, field.value)
        }
        headers.add(Self.hopHeader, "1")
        noteSecrets(in: request.headers["Authorization"])
        let url = base + (request.query.map { "?" + $0 } ?? "")
        let method = request.method
        client.send(method, url: url, headers: headers, body: body, timeout: Self.timeout, maxResponseBytes: Self.maxResponseBytes) { [recording] result in
            switch result {
            case .success(let response):
                // What ran upstream is recorded (and wakes sync sessions) even when the client
                // stopped waiting for it.
                observe(response, body)
                guard responder.isOpen else { return }
                var answer = HTTPResponse(status: response.status, body: response.body)
                for field in response.headers where field.name.lowercased() != "date" && ResponseHeaderRules.allows(name: field.name, value: field.value) {
                    answer.headers.add(field.name, field.value)
                }
                responder.send(answer)
            case .failure(let error):
                guard responder.isOpen else { return }
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

    /// A function call for a sync session: the upstream's answer as the outcome mockconvex
    /// would have given, or why there is none.
    func call(_ kind: FunctionSpec.Kind, _ path: FunctionPath, arguments: [JSON], authorization: String?,
              completion: @escaping (Result<FunctionOutcome, Problem>) -> Void) {
        let body = JSON.object([("path", .string(path.stripped)), ("args", .array(arguments)), ("format", .string("convex_encoded_json"))])
        post("/api/\(kind.rawValue)", body, authorization: authorization) { result in
            completion(result.flatMap { json in
                UpstreamOutcome.parse(json).map { .success($0) } ?? .failure(.failed(JSFailure(message: "the upstream's answer is not a function's result")))
            })
        }
    }

    /// Queries for a sync session's Transition, at one timestamp upstream (`/api/query_batch`):
    /// one outcome per query, or why there are none.
    func queries(_ queries: [(path: FunctionPath, arguments: [JSON])], authorization: String?,
                 completion: @escaping (Result<[FunctionOutcome], Problem>) -> Void) {
        let body = JSON.object([("queries", .array(queries.map { query in
            .object([("path", .string(query.path.stripped)), ("args", .array(query.arguments)), ("format", .string("convex_encoded_json"))])
        }))])
        post("/api/query_batch", body, authorization: authorization) { result in
            completion(result.flatMap { json in
                guard case .array(let results)? = json.objectMembers?.value("results"), results.count == queries.count else {
                    return .failure(.failed(JSFailure(message: "the upstream's query_batch answer does not hold \(queries.count) results")))
                }
                return .success(results.map { UpstreamOutcome.parse($0) ?? FunctionOutcome(.failure(JSFailure(message: "the upstream's answer is not a query's result"))) })
            })
        }
    }

    private func post(_ route: String, _ body: JSON, authorization: String?, completion: @escaping (Result<JSON, Problem>) -> Void) {
        var headers: HTTPHeaders = ["Content-Type": "application/json", Self.hopHeader: "1"]
        if let authorization { headers.add("Authorization", authorization) }
        let url = recording.upstream.url + route
        client.send(.POST, url: url, headers: headers, body: JSONWriter.serialize(body), timeout: Self.timeout,
                    maxResponseBytes: Self.maxResponseBytes) { [recording] result in
            switch result {
            case .success(let response):
                let json = try? JSONReader.parse(response.body, maxDepth: 256)
                // The backend's HTTP errors: {"code": ..., "message": ...}.
                let message = if case .string(let text)? = json?.objectMembers?.value("message") { text } else { "HTTP \(response.status)" }
                switch (response.status, json) {
                case (200, let json?): completion(.success(json))
                case (200, nil): completion(.failure(.failed(JSFailure(message: "the upstream answered \(route) with a body that is not JSON"))))
                case (401, _): completion(.failure(.credentialsRejected(message)))
                default: completion(.failure(.failed(JSFailure(message: message))))
                }
            case .failure(let error):
                completion(.failure(.failed(JSFailure(message: Self.unreachable(recording, method: .POST, url: url, error).message))))
            }
        }
    }
}
