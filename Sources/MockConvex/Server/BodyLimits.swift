import EventHTTP

/// How large request bodies may be. The HTTP layer refuses (with libevent's 413 page) bodies
/// over the larger of the two limits before any handler runs; this refuses, with a JSON 413,
/// bodies between the limit that applies to their route and that.
public struct BodyLimits: Sendable {
    /// `--max-body-bytes`: every route but uploads.
    public var body = 64 << 20
    /// `--max-upload-bytes`: `POST /api/storage/upload`.
    public var upload = 64 << 20

    public init() {}

    /// What the HTTP layer must accept so that every route can apply its own limit.
    var transport: Int { max(body, upload) }

    func check(_ request: HTTPRequest) throws(ConvexAPIError) {
        let isUpload = request.method == .POST && request.path == StorageRoutes.uploadPath
        let limit = isUpload ? upload : body
        guard request.content.count <= limit else {
            let flag = isUpload ? "--max-upload-bytes" : "--max-body-bytes"
            throw ConvexAPIError(status: 413, code: "PayloadTooLarge",
                                 message: "The request body is \(request.content.count) bytes, more than the \(limit) bytes \(flag) allows")
        }
    }
}
