import EventHTTP

/// What a "use node" action does when it calls back into its deployment, done over the network
/// against `--convex-origin`: `ctx.storage.store`, `getUrl`, `get`, `getMetadata`, `delete`,
/// `ctx.runQuery`, `runMutation`, `runAction`, with the Node executor's headers; then the app's
/// usual workaround, the blob through the site origin's fallback route. Every request goes out
/// through libevent's client on `loop`, with a deadline, never blocking it.
///
/// Used by `mockconvex probe` and by the `/debug/node-network-test` route alike.
public final class NodeActionEmulation {
    public struct Options: Sendable {
        /// Where the backend's callbacks are: `CONVEX_CLOUD_ORIGIN`.
        public var convexOrigin: String
        /// Where the HTTP actions are: `CONVEX_SITE_ORIGIN`.
        public var siteOrigin: String
        /// A blob to read; without one, the blob `ctx.storage.store` made, else one the site's
        /// `POST /debug/storage-blob` makes.
        public var storageId: String?
        /// Tries per request; the Node executor makes 5 (with backoff) where it retries.
        public var attempts = 1
        public var timeout: Duration = .seconds(10)
        /// The `Convex-Action-Callback-Token` the deployment issued for this run; without one
        /// the callbacks carry a token of the right form that the deployment will refuse.
        public var callbackToken: String?
        /// What `https://` origins' certificates are checked against; nil: the system's store.
        public var tls: TLSClientSettings?

        public init(convexOrigin: String, siteOrigin: String) {
            self.convexOrigin = convexOrigin
            self.siteOrigin = siteOrigin
        }
    }

    /// What the emulated action stores with `ctx.storage.store`.
    static let storedBytes = Array("stored by the mockconvex Node-action emulation\n".utf8)
    /// The `convex` package version the emulated executor reports in `Convex-Client`.
    static let clientVersion = "1.29.3"

    private let loop: EventLoop
    private let client: HTTPClient
    private let options: Options
    private let headers: HTTPHeaders
    private var mutationRequestId = 0
    private let mutationSessionId: String

    public init(loop: EventLoop, options: Options) {
        self.loop = loop
        client = HTTPClient(loop: loop, tls: options.tls)
        self.options = options
        var generator = SystemRandomNumberGenerator()
        let randomHex = { (count: Int) in Hex.encode((0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }) }
        var allocator = IdAllocator()
        mutationSessionId = allocator.uuid()
        headers = [
            "Content-Type": "application/json",
            "Convex-Client": "actions-\(Self.clientVersion)",
            // A token of the backend's form (version byte, then ciphertext, in hex).
            "Convex-Action-Callback-Token": options.callbackToken ?? "01" + randomHex(56),
            "Convex-Action-Function-Name": "mockconvexProbe.js:nodeNetworkTest",
            "Convex-Request-Id": randomHex(8),
            "Convex-Execution-Id": allocator.uuid(),
            "Convex-Root-Request": "true",
        ]
    }

    /// Stops the run: calls in flight are abandoned and no later step starts, so the
    /// completion never runs. For a run whose report nobody waits for any more.
    public func cancel() {
        client.close()
    }

    /// Runs every step, one after another, and hands over the report on the loop (unless
    /// cancelled first). Every step waits on an outbound call, so once the client is closed
    /// the chain stops where it is.
    public func run(completion: @escaping (NodeEmulationReport) -> Void) {
        var steps: [NodeStepResult] = []
        store { stored in
            steps.append(stored.result)
            self.testBlob(stored: stored.storageId) { blob in
                let reads: [(@escaping (NodeStepResult) -> Void) -> Void] = [
                    { self.getUrl(blob, $0) },
                    { self.getDirect(blob, $0) },
                    { self.getMetadata(blob, $0) },
                    { self.runFunction(.query, BuiltInFunctions.query, $0) },
                    { self.runFunction(.mutation, BuiltInFunctions.mutation, $0) },
                    { self.runFunction(.action, BuiltInFunctions.action, $0) },
                    { self.viaWorkaround(blob, $0) },
                    // Last, since the blob stored may be the one the other steps read.
                    { self.delete(stored.storageId, $0) },
                ]
                self.sequence(reads[...], into: steps, completion)
            }
        }
    }

    private func sequence(_ remaining: ArraySlice<(@escaping (NodeStepResult) -> Void) -> Void>, into steps: [NodeStepResult],
                          _ completion: @escaping (NodeEmulationReport) -> Void) {
        guard let next = remaining.first else { return completion(NodeEmulationReport(steps: steps)) }
        next { result in self.sequence(remaining.dropFirst(), into: steps + [result], completion) }
    }

    // MARK: Steps

    /// `ctx.storage.store(blob)`: an upload URL from a callback, then the bytes to it.
    private func store(_ done: @escaping ((result: NodeStepResult, storageId: String?)) -> Void) {
        let name = "node_storage_store"
        callback("storage_generate_upload_url", operation: "generate upload url", body: .object([])) { answer in
            guard case .success(let json) = answer, case .string(let uploadURL)? = json["url"] else {
                return done((self.failure(name, answer), nil))
            }
            NodeRequest.send(self.client, loop: self.loop, .POST, url: uploadURL, headers: ["Content-Type": "text/plain"],
                             body: Self.storedBytes, timeout: self.options.timeout, attempts: 1, retryAnswers: false) { result in
                switch result {
                case .failure(let failure):
                    done((self.networkFailure(name, failure, operation: nil), nil))
                case .success(let response) where !(200..<300).contains(response.status):
                    done((self.answerFailure(name, response, url: uploadURL, thrown: "Error uploading file: \(response.text)"), nil))
                case .success(let response):
                    guard case .string(let id)? = try? JSONReader.parse(response.body)["storageId"] else {
                        return done((self.answerFailure(name, response, url: uploadURL, thrown: "Did not get a storageId in store blob response"), nil))
                    }
                    done((NodeStepResult(name: name, success: true, details: [("storageId", .string(id)), ("size", .integer(Int64(Self.storedBytes.count)))]), id))
                }
            }
        }
    }

    /// The blob the read steps use: the one given, the one stored, or a new one from the site's
    /// debug route (which works even when the callbacks do not).
    private func testBlob(stored: String?, _ done: @escaping (String) -> Void) {
        if let blob = options.storageId ?? stored { return done(blob) }
        let url = NodeRequest.url(DebugRoutes.createBlobPath, origin: options.siteOrigin)
        client.send(.POST, url: url, timeout: options.timeout) { result in
            if case .success(let response) = result, case .string(let id)? = try? JSONReader.parse(response.body)["storageId"] {
                done(id)
            } else {
                var allocator = IdAllocator()
                done(allocator.uuid())
            }
        }
    }

    /// `ctx.storage.getUrl(id)`.
    private func getUrl(_ blob: String, _ done: @escaping (NodeStepResult) -> Void) {
        let name = "node_storage_get_url"
        callback("storage_get_url", operation: "storage get url", body: .object([("storageId", .string(blob))])) { answer in
            guard case .success(let json) = answer, let url = json["url"] else { return done(self.failure(name, answer)) }
            done(NodeStepResult(name: name, success: true, details: [("url", url)]))
        }
    }

    /// `ctx.storage.get(id)`: the URL from a callback, then a plain fetch of it. Node does not
    /// look at the status: whatever comes back is the blob.
    private func getDirect(_ blob: String, _ done: @escaping (NodeStepResult) -> Void) {
        let name = "node_storage_get_direct"
        callback("storage_get_url", operation: "storage get url", body: .object([("storageId", .string(blob))])) { answer in
            guard case .success(let json) = answer, let urlValue = json["url"] else { return done(self.failure(name, answer)) }
            guard case .string(let url) = urlValue else {
                return done(NodeStepResult(name: name, success: true, details: [("value", .null)]))
            }
            NodeRequest.send(self.client, loop: self.loop, .GET, url: url, headers: [:], body: [], timeout: self.options.timeout,
                             attempts: 1, retryAnswers: false) { result in
                switch result {
                case .failure(let failure):
                    done(self.networkFailure(name, failure, operation: nil))
                case .success(let response):
                    done(NodeStepResult(name: name, success: true, details: [("size", .integer(Int64(response.body.count))), ("status", .integer(Int64(response.status)))]))
                }
            }
        }
    }

    /// `ctx.storage.getMetadata(id)`.
    private func getMetadata(_ blob: String, _ done: @escaping (NodeStepResult) -> Void) {
        let name = "node_storage_get_metadata"
        callback("storage_get_metadata", operation: "storage get metadata", body: .object([("storageId", .string(blob))])) { answer in
            guard case .success(let json) = answer else { return done(self.failure(name, answer)) }
            // The backend writes the size as an integer.
            let size: JSON = if case .number(let number)? = json["size"], let whole = Int64(exactly: number) { .integer(whole) } else { json["size"] ?? .null }
            done(NodeStepResult(name: name, success: true, details: [("size", size)]))
        }
    }

    /// `ctx.runQuery` / `runMutation` / `runAction` of a built-in function.
    private func runFunction(_ kind: FunctionSpec.Kind, _ path: FunctionPath, _ done: @escaping (NodeStepResult) -> Void) {
        let name = "node_run_\(kind.rawValue)"
        var body: [(key: String, value: JSON)] = [("path", .string(path.stripped)), ("args", .object([("probe", .string("mockconvex"))]))]
        if kind == .mutation {
            body.append(("mutationIdentifier", .object([("sessionId", .string(mutationSessionId)), ("requestId", .integer(Int64(mutationRequestId)))])))
            mutationRequestId += 1
        }
        callback(kind.rawValue, operation: kind.rawValue, body: .object(body), retryAnswers: kind != .action) { answer in
            guard case .success(let json) = answer else { return done(self.failure(name, answer)) }
            if json["status"] == .string("success") {
                return done(NodeStepResult(name: name, success: true, details: [("value", json["value"] ?? .null)]))
            }
            var result = NodeStepResult(name: name, success: false)
            result.error = json["errorMessage"]?.stringValue ?? "Invalid response: \(String(decoding: json.serialized, as: UTF8.self))"
            result.thrown = result.error
            done(result)
        }
    }

    /// `ctx.storage.delete(id)` of what `store` stored (or of nothing, if that failed).
    private func delete(_ stored: String?, _ done: @escaping (NodeStepResult) -> Void) {
        let name = "node_storage_delete"
        var allocator = IdAllocator()
        let target = stored ?? allocator.uuid()
        callback("storage_delete", operation: "storage delete", body: .object([("storageId", .string(target))])) { answer in
            guard case .success = answer else { return done(self.failure(name, answer)) }
            done(NodeStepResult(name: name, success: true, details: [("storageId", .string(target))]))
        }
    }

    /// The app's fallback: the blob through the site origin's `GET /internal/storage-blob`.
    private func viaWorkaround(_ blob: String, _ done: @escaping (NodeStepResult) -> Void) {
        let name = NodeEmulationReport.workaroundStep
        let url = NodeRequest.url(DebugRoutes.fallbackPath, origin: options.siteOrigin) + "?storageId=\(blob)"
        NodeRequest.send(client, loop: loop, .GET, url: url, headers: [:], body: [], timeout: options.timeout,
                         attempts: 1, retryAnswers: false) { result in
            switch result {
            case .failure(let failure):
                done(self.networkFailure(name, failure, operation: nil))
            case .success(let response) where response.status != 200:
                done(self.answerFailure(name, response, url: url, thrown: "HTTP \(response.status): \(response.text)"))
            case .success(let response):
                done(NodeStepResult(name: name, success: true, details: [("size", .integer(Int64(response.body.count)))]))
            }
        }
    }

    // MARK: Callbacks and failures

    private enum Answer {
        case success(JSON)
        case network(NodeRequest.Failure, operation: String)
        case refused(HTTPClientResponse, url: String, thrown: String)
    }

    /// A POST to `/api/actions/<route>`, judged as the executor judges the answer.
    private func callback(_ route: String, operation: String, body: JSON, retryAnswers: Bool = false, _ done: @escaping (Answer) -> Void) {
        let url = NodeRequest.url(ActionCallbackRoutes.prefix + route, origin: options.convexOrigin)
        NodeRequest.send(client, loop: loop, .POST, url: url, headers: headers, body: body.serialized, timeout: options.timeout,
                         attempts: options.attempts, retryAnswers: retryAnswers) { result in
            switch result {
            case .failure(let failure):
                done(.network(failure, operation: operation))
            case .success(let response) where response.status == 400:
                done(.refused(response, url: url, thrown: "Invalid \(operation) request: \(response.text)"))
            case .success(let response) where !(200..<300).contains(response.status) && response.status != 560:
                done(.refused(response, url: url, thrown: "Transient error while running \(operation): \(response.text)"))
            case .success(let response):
                guard let json = try? JSONReader.parse(response.body) else {
                    return done(.refused(response, url: url, thrown: "Transient error while running \(operation)"))
                }
                done(.success(json))
            }
        }
    }

    private func failure(_ name: String, _ answer: Answer) -> NodeStepResult {
        switch answer {
        case .success(let json):
            var result = NodeStepResult(name: name, success: false)
            result.error = "Unexpected answer: \(String(decoding: json.serialized, as: UTF8.self))"
            return result
        case .network(let failure, let operation):
            return networkFailure(name, failure, operation: operation)
        case .refused(let response, let url, let thrown):
            return answerFailure(name, response, url: url, thrown: thrown)
        }
    }

    /// `TypeError: fetch failed` with its cause; a callback wraps it in the executor's retry
    /// message.
    private func networkFailure(_ name: String, _ failure: NodeRequest.Failure, operation: String?) -> NodeStepResult {
        guard case .network(let error, let url, let attempts) = failure else { preconditionFailure() }
        var result = NodeStepResult(name: name, success: false)
        result.error = "fetch failed"
        result.cause = error.description
        result.thrown = operation.map {
            "Transient network error running \($0) (\(error.nodeCode), \(attempts) attempt\(attempts == 1 ? "" : "s"))"
        } ?? "fetch failed"
        result.url = url
        return result
    }

    private func answerFailure(_ name: String, _ response: HTTPClientResponse, url: String, thrown: String) -> NodeStepResult {
        var result = NodeStepResult(name: name, success: false)
        result.error = thrown
        result.thrown = thrown
        result.status = response.status
        result.url = url
        return result
    }
}

extension HTTPClientResponse {
    var text: String { String(decoding: body, as: UTF8.self) }
}
