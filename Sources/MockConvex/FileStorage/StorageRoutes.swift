import EventHTTP

/// `POST /api/storage/upload?token=...` and `GET /api/storage/{uuid}`, checked in the
/// backend's order with its answers.
struct StorageRoutes {
    let deployment: Deployment
    let loop: EventLoop

    static let prefix = "/api/storage/"
    static let uploadPath = "/api/storage/upload"

    func register(on router: Router) {
        router.add(.POST, Self.uploadPath) { request, responder in try upload(request, responder) }
        router.add(.GET, prefix: Self.prefix) { request, responder in responder.send(try download(request)) }
    }

    // MARK: Upload

    func upload(_ request: HTTPRequest, _ responder: Responder) throws(ConvexAPIError) {
        let tokens = request.queryItems.filter { $0.name == "token" }
        guard tokens.count == 1 else {
            throw .badRequest("BadQueryArgs", "Failed to deserialize query string: \(tokens.isEmpty ? "missing" : "duplicate") field `token`")
        }
        if let rejection = deployment.files.checkUploadToken(tokens[0].value) { throw rejection }
        let contentType = try request.headers["Content-Type"].map { (value) throws(ConvexAPIError) in
            guard let type = MediaType(parsing: value) else { throw Self.badHeader("content-type") }
            return type.normalized
        }
        let digest = try request.headers["Digest"].map { (value) throws(ConvexAPIError) in
            guard let expected = Self.sha256(fromDigest: value) else { throw Self.badHeader("digest") }
            return expected
        }
        deployment.files.upload(request.content, contentType: contentType, expectedSHA256: digest, Reply(on: loop) { result in
            responder.send(result.map { ConvexResponses.json(200, .object([("storageId", .string($0.id.encoded))])) })
        })
    }

    /// `sha-256=<base64 of 32 bytes>`, exactly: the prefix is case-sensitive and only the first
    /// value counts.
    static func sha256(fromDigest value: String) -> [UInt8]? {
        guard value.hasPrefix("sha-256="), let bytes = try? Base64.decode(String(value.dropFirst("sha-256=".count))), bytes.count == 32 else {
            return nil
        }
        return bytes
    }

    static func badHeader(_ name: String) -> ConvexAPIError {
        .badRequest("BadHeader", "Bad header for \(name): invalid HTTP header")
    }

    // MARK: Download

    func download(_ request: HTTPRequest) throws(ConvexAPIError) -> HTTPResponse {
        let segment = request.path.dropFirst(Self.prefix.count)
        // Only `/api/storage/{one segment}` is a route.
        guard !segment.isEmpty, !segment.contains("/") else { throw ConvexAPIError(status: 404, code: "", message: "") }
        guard let decoded = PathSegment.decoded(segment) else {
            throw .badRequest("BadPathArgs", "Invalid UTF-8 in `storage_id`")
        }
        let components = request.queryItems.filter { $0.name == "component" }
        if components.count > 1 {
            throw .badRequest("BadQueryArgs", "Failed to deserialize query string: duplicate field `component`")
        }
        guard let uuid = UUIDText.normalize(decoded) else {
            throw .badRequest("InvalidStoragePath", "Invalid storage path: \"\(decoded)\". Please use `storage.getUrl(storageId: Id<\"_storage\">)` to generate a valid URL to retrieve files. See https://docs.convex.dev/file-storage/serve-files for more details")
        }
        if let component = components.first {
            // There are no components here: a valid component id names nothing; anything else
            // fails to decode, which the backend answers 500.
            guard (try? DocumentId(decoding: component.value)) != nil else { throw .internalServerError }
            throw Self.notFound(uuid)
        }
        let range = RangeRequest(header: request.headers["Range"])
        if range == .unsatisfiable {
            return HTTPResponse(status: 416, headers: ["content-length": "0"])
        }
        guard let file = deployment.files.file(uuid: uuid) else { throw Self.notFound(uuid) }
        // A row whose bytes are gone is the backend's 500 too.
        guard let answer = respond(file, range) else { throw .internalServerError }
        return answer
    }

    static func notFound(_ uuid: String) -> ConvexAPIError {
        .notFound("FileNotFound", "File \(uuid) not found")
    }

    /// The headers in the backend's order; the body straight from the blob store.
    private func respond(_ file: StoredFile, _ range: RangeRequest) -> HTTPResponse? {
        var headers = HTTPHeaders()
        switch range {
        case .single(let start, let end) where file.size > 0:
            let served = RangeRequest.served(start: start, end: end, size: file.size)
            guard let body = deployment.files.blobs.content(uuid: file.uuid, range: served) else { return nil }
            if let type = file.contentType { headers.add("content-type", type) }
            headers.add("content-range", RangeRequest.contentRange(start: start, end: end, size: file.size))
            headers.add("content-length", String(served.count))
            Self.addCaching(&headers)
            return HTTPResponse(status: 206, headers: headers, content: body)
        case .single:
            // A range of an empty file: 200, empty, without a digest.
            guard deployment.files.blobs.content(uuid: file.uuid, range: 0..<0) != nil else { return nil }
            if let type = file.contentType { headers.add("content-type", type) }
            headers.add("content-length", "0")
            Self.addCaching(&headers)
            return HTTPResponse(status: 200, headers: headers)
        case .whole, .unsatisfiable:
            guard let body = deployment.files.blobs.content(uuid: file.uuid, range: 0..<file.size) else { return nil }
            headers.add("digest", "sha-256=\(Base64.encode(file.sha256))")
            if let type = file.contentType { headers.add("content-type", type) }
            headers.add("content-length", String(file.size))
            Self.addCaching(&headers)
            return HTTPResponse(status: 200, headers: headers, content: body)
        }
    }

    /// Files never change, so they may be cached for 30 days.
    private static func addCaching(_ headers: inout HTTPHeaders) {
        headers.add("cache-control", "private, max-age=2592000")
        headers.add("accept-ranges", "bytes")
    }
}
