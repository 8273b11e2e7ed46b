import EventHTTP

/// The HTTP actions apps add for the port-80 bug, served as if the app had them:
///
/// - `GET /debug/node-network-test[?storageId=...]` runs the Node-action emulation from inside
///   the deployment and answers its report;
/// - `POST /debug/storage-blob` stores a test blob and answers `{"storageId"}`;
/// - `GET /internal/storage-blob?storageId=...` streams a blob: the fallback that works when
///   `ctx.storage.get` cannot reach the backend.
struct DebugRoutes {
    static let networkTestPath = "/debug/node-network-test"
    static let createBlobPath = "/debug/storage-blob"
    static let fallbackPath = "/internal/storage-blob"
    /// What `POST /debug/storage-blob` stores.
    static let testBlob = Array("Hello from the mockconvex probe!!\n".utf8)

    let deployment: Deployment
    let loop: EventLoop

    /// Answers and returns true when `path` is one of the debug routes for `method`.
    func handle(_ request: HTTPRequest, method: HTTPMethod, path: String, _ responder: Responder) throws(ConvexAPIError) -> Bool {
        switch (method, path) {
        case (.GET, Self.networkTestPath):
            var options = NodeActionEmulation.Options(convexOrigin: deployment.settings.convexOrigin, siteOrigin: deployment.siteOrigin)
            // What the backend gives each Node action it starts.
            options.callbackToken = deployment.issueCallbackToken()
            options.storageId = request.queryValue("storageId")
            options.tls = deployment.settings.outboundTLS
            let emulation = NodeActionEmulation(loop: loop, options: options)
            // A client that leaves, or the handler timeout, ends the run and its calls.
            responder.whenClosed { emulation.cancel() }
            emulation.run { report in
                responder.send(ConvexResponses.json(200, report.json))
            }
        case (.POST, Self.createBlobPath):
            deployment.files.upload(RequestBody(Self.testBlob), contentType: "text/plain", expectedSHA256: nil, Reply(on: loop) { result in
                responder.send(result.map { ConvexResponses.json(200, .object([("storageId", .string($0.id.encoded))])) })
            })
        case (.GET, Self.fallbackPath):
            guard let storageId = request.queryValue("storageId"), !storageId.isEmpty else {
                responder.send(ConvexResponses.text(400, "Missing storageId query parameter"))
                return true
            }
            guard let file = try? ActionCallbackRoutes.resolve(storageId, in: deployment),
                  let body = deployment.files.blobs.content(uuid: file.uuid, range: 0..<file.size)
            else {
                responder.send(ConvexResponses.text(404, "No blob with storageId \(storageId)"))
                return true
            }
            var headers: HTTPHeaders = ["content-length": String(file.size)]
            if let type = file.contentType { headers.add("content-type", type) }
            responder.send(HTTPResponse(status: 200, headers: headers, content: body))
        default:
            return false
        }
        return true
    }
}
