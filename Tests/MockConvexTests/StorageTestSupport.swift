import EventHTTP
@testable import MockConvex
import Synchronization
import Testing

/// What the storage tests share: a config with every storage behaviour, contents whose digests
/// were computed outside the code under test (Python's `hashlib`), and the calls a client makes.
enum StorageFixture {
    static let config = """
        {"functions": {
          "files:generateUploadUrl": {"type": "mutation", "storage": "generateUploadUrl"},
          "files:uploadUrlInAction": {"type": "action", "storage": "generateUploadUrl"},
          "files:getUrl": {"type": "query", "storage": "getUrl"},
          "files:getUrlInMutation": {"type": "mutation", "storage": "getUrl"},
          "files:getUrlInAction": {"type": "action", "storage": "getUrl"},
          "files:metadata": {"type": "query", "storage": "getMetadata"},
          "files:metadataInAction": {"type": "action", "storage": "getMetadata"},
          "files:remove": {"type": "mutation", "storage": "delete"},
          "files:removeInAction": {"type": "action", "storage": "delete"},
          "files:get": {"type": "query", "get": "_storage"},
          "files:list": {"type": "query", "list": "_storage"},
          "files:newest": {"type": "query", "list": "_storage", "order": "desc"},
          "messages:send": {"type": "mutation", "insert": "messages"}
        }}
        """

    /// `DeploymentSettings.convexOrigin`'s default, spelled out here.
    static let defaultOrigin = "http://127.0.0.1"

    static let hello = Array("hello world".utf8)
    static let helloSHA256 = "uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek="
    static let helloSHA256Hex = "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"
    static let emptySHA256 = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
    static let emptySHA256Hex = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    /// 0x00 through 0xff.
    static let allBytes = (0...255).map { UInt8($0) }
    static let allBytesSHA256 = "QK/y6dLYki5Hr9RkjmlnSXFYeF+9Hahw5xECZr+USIA="
    static let digits = Array("0123456789".utf8)
    static let digitsSHA256 = "hNiYd/DUBB77a/kaFvAkjy/Vc+avBcGflr7bn4gveII="
    /// The digest of `something else`: a valid digest that matches none of the above.
    static let otherSHA256 = "9B8/piX/Eg3cp+9Fa/ZjcezqI8Ep9OTDI2cQHttRbPg="

    /// A well-formed `_storage` id (the protocol's test vector) that names no file here.
    static let absentStorageId = "kg27rxfv99gzp01wmph0gvt92d6hnvy6"

    static let requestId: HTTPHeaders = ["Convex-Request-Id": "s1"]

    /// `cache-control` and `accept-ranges` as protocol §5 gives them.
    static let cacheControl = "private, max-age=2592000"

    /// The CORS layer's two headers on a request without `Origin`.
    static let cors: [(String, String)] = [("vary", CORSHeaders.vary), ("access-control-allow-credentials", "true")]

    /// `[("a","b")] + cors` as headers.
    static func headers(_ fields: [(String, String)], cors: Bool = true) -> HTTPHeaders {
        HTTPHeaders(fields + (cors ? Self.cors : []))
    }

    /// A `{"code":...,"message":...}` body, written here rather than by the code under test.
    static func errorBody(_ code: String, _ message: String) -> String {
        let escaped = message.replacing("\\", with: "\\\\").replacing("\"", with: "\\\"").replacing("\n", with: "\\n")
        return #"{"code":"\#(code)","message":"\#(escaped)"}"#
    }

    /// A `_storage` id as protocol §5 describes it: table 540, so `kg2` and 29 more characters of
    /// the Crockford-like alphabet (20 bytes: a 2-byte VInt, 16 id bytes, 2 footer bytes).
    static func isStorageId(_ text: String) -> Bool {
        text.wholeMatch(of: /kg2[0-9a-hjkmnp-tv-z]{29}/) != nil
            && (try? DocumentId(decoding: text))?.tableNumber == 540
    }

    /// A UUID as download URLs name files: lowercase and hyphenated.
    static func isLowercaseUUID(_ text: String) -> Bool {
        text.wholeMatch(of: /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/) != nil
    }
}

/// A Unix-seconds clock that tests move by hand.
final class ManualClock: Sendable {
    private let seconds: Atomic<Int64>

    init(_ start: Int64) {
        seconds = Atomic(start)
    }

    func set(_ value: Int64) {
        seconds.store(value, ordering: .sequentiallyConsistent)
    }

    var function: @Sendable () -> Int64 {
        { [self] in seconds.load(ordering: .sequentiallyConsistent) }
    }
}

extension InProcess {
    /// Calls a function through `/api/{kind}`; the answer must be a 200 UdfResponse.
    func call(_ kind: String, _ path: String, _ args: String = "{}") throws -> HTTPResponse {
        let response = try post("/api/\(kind)", #"{"path":"\#(path)","args":\#(args)}"#, headers: StorageFixture.requestId)
        #expect(response.status == 200, "\(response.bodyText)")
        return response
    }

    /// The value of a call that must succeed.
    func value(_ kind: String, _ path: String, _ args: String = "{}") throws -> JSON {
        let response = try call(kind, path, args)
        let json = try response.json
        try #require(json["status"] == .string("success"), "\(response.bodyText)")
        return try #require(json["value"])
    }

    /// The `errorMessage` of a call that must fail.
    func errorMessage(_ kind: String, _ path: String, _ args: String) throws -> String {
        let response = try call(kind, path, args)
        let json = try response.json
        try #require(json["status"] == .string("error"), "\(response.bodyText)")
        return try #require(json["errorMessage"]?.stringValue)
    }

    /// A token from `files:generateUploadUrl`, whose URL must be `{origin}/api/storage/upload?token=<hex>`.
    func uploadToken(origin: String = StorageFixture.defaultOrigin) throws -> String {
        let url = try #require(try value("mutation", "files:generateUploadUrl").stringValue)
        let prefix = "\(origin)/api/storage/upload?token="
        try #require(url.hasPrefix(prefix), "upload URL \(url)")
        let token = String(url.dropFirst(prefix.count))
        try #require(token.wholeMatch(of: /(?:[0-9a-f]{2})+/) != nil, "token \(token)")
        return token
    }

    /// POSTs `bytes` to the upload route.
    func upload(_ bytes: [UInt8], token: String?, headers: HTTPHeaders = [:]) throws -> HTTPResponse {
        let query = token.map { "?token=\($0)" } ?? ""
        return try admin(.POST, "/api/storage/upload\(query)", headers: headers, body: bytes)
    }

    /// Uploads `bytes` with a fresh token and returns the `_storage` id of the 200 answer.
    func store(_ bytes: [UInt8], contentType: String? = nil) throws -> String {
        let response = try upload(bytes, token: try uploadToken(), headers: contentType.map { ["Content-Type": $0] } ?? [:])
        try #require(response.status == 200, "\(response.bodyText)")
        let id = try #require(try response.json["storageId"]?.stringValue)
        #expect(response.bodyText == #"{"storageId":"\#(id)"}"#)
        return id
    }

    /// The path of the file's download URL, from `files:getUrl`.
    func downloadPath(_ id: String, origin: String = StorageFixture.defaultOrigin) throws -> String {
        let url = try #require(try value("query", "files:getUrl", #"{"storageId":"\#(id)"}"#).stringValue)
        try #require(url.hasPrefix(origin + "/api/storage/"), "download URL \(url)")
        let path = String(url.dropFirst(origin.count))
        try #require(StorageFixture.isLowercaseUUID(String(path.dropFirst("/api/storage/".count))), "download URL \(url)")
        return path
    }

    /// The `_storage` documents, from `files:list`.
    func storedFiles() throws -> [JSON] {
        guard case .array(let documents) = try value("query", "files:list") else {
            Issue.record("files:list did not return an array")
            return []
        }
        return documents
    }
}
