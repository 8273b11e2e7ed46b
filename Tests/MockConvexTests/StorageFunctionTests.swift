import EventHTTP
@testable import MockConvex
import Testing

/// The config's storage behaviours through `/api/query`, `/api/mutation` and `/api/action`:
/// upload and download URLs built from `convexOrigin`, `getMetadata`, `delete`, the `_storage`
/// documents `get` and `list` read, and the errors of bad storage ids (protocol §5).
@Suite(.timeLimit(.minutes(1))) struct StorageFunctionTests {
    static let frame = "\n    at handler (../convex/files.ts:1:1)\n"

    let mock: InProcess

    init() throws {
        mock = try InProcess(config: StorageFixture.config)
    }

    /// The `_storage` document protocol §5 gives, fields in the backend's (byte) order.
    private static func document(_ id: String, creationTime: Double, contentType: String?, sha256: String, size: Double) -> JSON {
        .object([
            ("_creationTime", .number(creationTime)), ("_id", .string(id)),
            ("contentType", contentType.map(JSON.string) ?? .null), ("sha256", .string(sha256)), ("size", .number(size)),
        ])
    }

    private func creationTime(of document: JSON) throws -> Double {
        guard case .number(let time)? = document["_creationTime"] else {
            Issue.record("no _creationTime in \(document)")
            return .nan
        }
        return time
    }

    /// Milliseconds since the epoch now, bounded by whole seconds either side.
    private static func nowMilliseconds(_ slackSeconds: Int64) -> Double {
        Double(Deployment.unixSeconds() + slackSeconds) * 1000
    }

    // MARK: Upload URLs

    @Test(arguments: ["mutation:files:generateUploadUrl", "action:files:uploadUrlInAction"])
    func anUploadURLIsTheOriginsUploadRouteWithAToken(call: String) throws {
        let (kind, path) = (String(call.prefix { $0 != ":" }), String(call.drop { $0 != ":" }.dropFirst()))
        let url = try #require(try mock.value(kind, path).stringValue)
        let token = try #require(url.wholeMatch(of: /http:\/\/127\.0\.0\.1\/api\/storage\/upload\?token=((?:[0-9a-f]{2})+)/)?.1, "\(url)")
        #expect(try mock.upload(StorageFixture.hello, token: String(token)).status == 200)
    }

    @Test func uploadAndDownloadURLsUseTheConfiguredOrigin() throws {
        let origin = "https://convex.example.com:8443"
        let mock = try InProcess(config: StorageFixture.config) { $0.convexOrigin = origin }
        let token = try mock.uploadToken(origin: origin)
        let stored = try mock.upload(StorageFixture.hello, token: token)
        let id = try #require(try stored.json["storageId"]?.stringValue)
        let path = try mock.downloadPath(id, origin: origin)
        #expect(try mock.admin(.GET, path).body == StorageFixture.hello)
    }

    @Test func generatingAnUploadURLStoresNothing() throws {
        _ = try mock.uploadToken()
        #expect(try mock.storedFiles().isEmpty)
    }

    // MARK: Download URLs

    @Test(arguments: ["query:files:getUrl", "mutation:files:getUrlInMutation", "action:files:getUrlInAction"])
    func aDownloadURLNamesTheUUIDNotTheId(call: String) throws {
        let (kind, path) = (String(call.prefix { $0 != ":" }), String(call.drop { $0 != ":" }.dropFirst()))
        let id = try mock.store(StorageFixture.hello, contentType: "text/plain")
        let url = try #require(try mock.value(kind, path, #"{"storageId":"\#(id)"}"#).stringValue)
        let uuid = try #require(url.wholeMatch(of: /http:\/\/127\.0\.0\.1\/api\/storage\/(.*)/)?.1, "\(url)")
        #expect(StorageFixture.isLowercaseUUID(String(uuid)), "\(url)")
        #expect(!url.contains(id))
        #expect(try mock.admin(.GET, "/api/storage/\(uuid)").body == StorageFixture.hello)
    }

    @Test func aUUIDIsAcceptedWhereAStorageIdIs() throws {
        let id = try mock.store(StorageFixture.hello)
        let path = try mock.downloadPath(id)
        let uuid = String(path.dropFirst("/api/storage/".count))
        #expect(try mock.value("query", "files:getUrl", #"{"storageId":"\#(uuid)"}"#) == .string(StorageFixture.defaultOrigin + path))
        #expect(try mock.value("query", "files:getUrl", #"{"storageId":"\#(uuid.uppercased())"}"#) == .string(StorageFixture.defaultOrigin + path))
    }

    @Test func anAbsentFileHasNoURL() throws {
        #expect(try mock.value("query", "files:getUrl", #"{"storageId":"\#(StorageFixture.absentStorageId)"}"#) == .null)
        #expect(try mock.value("query", "files:getUrl", #"{"storageId":"6f1c2a4e-0b7d-4c55-9e1a-2b3c4d5e6f70"}"#) == .null)
    }

    // MARK: Metadata

    @Test(arguments: ["query:files:metadata", "action:files:metadataInAction"])
    func metadataHasTheUUIDAHexDigestTheSizeAndType(call: String) throws {
        let (kind, path) = (String(call.prefix { $0 != ":" }), String(call.drop { $0 != ":" }.dropFirst()))
        let id = try mock.store(StorageFixture.hello, contentType: "text/plain")
        let uuid = String(try mock.downloadPath(id).dropFirst("/api/storage/".count))
        // The backend's getMetadata syscall: `storageId` is the UUID and `sha256` is hex.
        #expect(try mock.value(kind, path, #"{"storageId":"\#(id)"}"#) == .object([
            ("contentType", .string("text/plain")), ("sha256", .string(StorageFixture.helloSHA256Hex)),
            ("size", .number(11)), ("storageId", .string(uuid)),
        ]))
    }

    @Test func metadataOfAnUntypedEmptyFileHasANullType() throws {
        let id = try mock.store([])
        let uuid = String(try mock.downloadPath(id).dropFirst("/api/storage/".count))
        #expect(try mock.value("query", "files:metadata", #"{"storageId":"\#(id)"}"#) == .object([
            ("contentType", .null), ("sha256", .string(StorageFixture.emptySHA256Hex)), ("size", .number(0)), ("storageId", .string(uuid)),
        ]))
    }

    @Test func anAbsentFileHasNoMetadata() throws {
        #expect(try mock.value("query", "files:metadata", #"{"storageId":"\#(StorageFixture.absentStorageId)"}"#) == .null)
    }

    // MARK: Delete

    @Test(arguments: ["mutation:files:remove", "action:files:removeInAction"])
    func aDeletedFileIsGone(call: String) throws {
        let (kind, path) = (String(call.prefix { $0 != ":" }), String(call.drop { $0 != ":" }.dropFirst()))
        let kept = try mock.store(Array("kept".utf8))
        let id = try mock.store(StorageFixture.hello, contentType: "text/plain")
        let download = try mock.downloadPath(id)
        let uuid = String(download.dropFirst("/api/storage/".count))
        #expect(try mock.value(kind, path, #"{"storageId":"\#(id)"}"#) == .null)

        let response = try mock.admin(.GET, download)
        #expect(response.status == 404)
        #expect(response.headers == StorageFixture.headers([("content-type", "application/json")]))
        #expect(response.bodyText == StorageFixture.errorBody("FileNotFound", "File \(uuid) not found"))
        #expect(try mock.value("query", "files:getUrl", #"{"storageId":"\#(id)"}"#) == .null)
        #expect(try mock.value("query", "files:metadata", #"{"storageId":"\#(id)"}"#) == .null)
        #expect(try mock.value("query", "files:get", #"{"id":"\#(id)"}"#) == .null)
        #expect(try mock.storedFiles().map { $0["_id"] } == [.string(kept)])
        #expect(mock.deployment.files.blobs.content(uuid: uuid, range: 0..<0) == nil, "the bytes are still held")
        #expect(try mock.admin(.GET, try mock.downloadPath(kept)).bodyText == "kept")
    }

    @Test func deletingAnAbsentFileFails() throws {
        let id = try mock.store(StorageFixture.hello)
        #expect(try mock.value("mutation", "files:remove", #"{"storageId":"\#(id)"}"#) == .null)
        #expect(try mock.errorMessage("mutation", "files:remove", #"{"storageId":"\#(id)"}"#)
            == "[Request ID: s1] Server Error\nUncaught Error: storage id \(id) not found" + Self.frame)
        #expect(try mock.errorMessage("mutation", "files:remove", #"{"storageId":"6F1C2A4E-0B7D-4C55-9E1A-2B3C4D5E6F70"}"#)
            == "[Request ID: s1] Server Error\nUncaught Error: storage id 6f1c2a4e-0b7d-4c55-9e1a-2b3c4d5e6f70 not found" + Self.frame)
    }

    @Test func aDeleteByUUIDDeletesTheFile() throws {
        let id = try mock.store(StorageFixture.hello)
        let download = try mock.downloadPath(id)
        #expect(try mock.value("mutation", "files:remove", #"{"storageId":"\#(download.dropFirst("/api/storage/".count))"}"#) == .null)
        #expect(try mock.admin(.GET, download).status == 404)
    }

    // MARK: The _storage table

    @Test func getReadsTheStorageDocument() throws {
        let before = Self.nowMilliseconds(-1)
        let id = try mock.store(StorageFixture.hello, contentType: "text/plain")
        let after = Self.nowMilliseconds(1)
        let document = try mock.value("query", "files:get", #"{"id":"\#(id)"}"#)
        let created = try creationTime(of: document)
        #expect(created >= before && created <= after, "\(created) not in [\(before), \(after)]")
        #expect(document == Self.document(id, creationTime: created, contentType: "text/plain", sha256: StorageFixture.helloSHA256, size: 11))
    }

    @Test func anUntypedFileHasANullContentType() throws {
        // protocol §5 writes `contentType?`; the backend's virtual table (model/src/file_storage/
        // virtual_table.rs) always writes the field, as null when the upload had no type.
        let id = try mock.store([])
        let document = try mock.value("query", "files:get", #"{"id":"\#(id)"}"#)
        #expect(document == Self.document(id, creationTime: try creationTime(of: document), contentType: nil, sha256: StorageFixture.emptySHA256, size: 0))
    }

    @Test func listReadsEveryFileInCreationOrderOrReversed() throws {
        let first = try mock.store(StorageFixture.hello, contentType: "text/plain")
        let second = try mock.store(StorageFixture.allBytes)
        let files = try mock.storedFiles()
        try #require(files.count == 2)
        #expect(files[0] == Self.document(first, creationTime: try creationTime(of: files[0]), contentType: "text/plain", sha256: StorageFixture.helloSHA256, size: 11))
        #expect(files[1] == Self.document(second, creationTime: try creationTime(of: files[1]), contentType: nil, sha256: StorageFixture.allBytesSHA256, size: 256))
        #expect(try creationTime(of: files[0]) < creationTime(of: files[1]))
        #expect(try mock.value("query", "files:newest") == .array([files[1], files[0]]))
    }

    @Test func listFiltersOnItsArgs() throws {
        _ = try mock.store(StorageFixture.hello, contentType: "text/plain")
        let png = try mock.store(StorageFixture.allBytes, contentType: "image/png")
        guard case .array(let matched) = try mock.value("query", "files:list", #"{"contentType":"image/png"}"#) else {
            Issue.record("not an array")
            return
        }
        #expect(matched.map { $0["_id"] } == [.string(png)])
    }

    @Test func getOfAnAbsentStorageIdIsNull() throws {
        #expect(try mock.value("query", "files:get", #"{"id":"\#(StorageFixture.absentStorageId)"}"#) == .null)
    }

    @Test func getWithAnIdOfAnotherTableFailsValidation() throws {
        let message = try #require(try mock.value("mutation", "messages:send", #"{"body":"hi"}"#).stringValue)
        #expect(try mock.errorMessage("query", "files:get", #"{"id":"\#(message)"}"#)
            == "[Request ID: s1] Server Error\nArgumentValidationError: Found ID \"\(message)\" from table `messages`, which does not match the table name in validator `v.id(\"_storage\")`.Path: .id\n")
    }

    // MARK: Bad storage ids

    @Test(arguments: [
        ("query", "files:getUrl", "storage.getUrl"),
        ("query", "files:metadata", "storage.getMetadata"),
        ("mutation", "files:remove", "storage.delete"),
    ])
    func aStorageIdThatIsNeitherAnIdNorAUUIDIsInvalid(kind: String, path: String, call: String) throws {
        for text in ["garbage", "", "kg2", "6f1c2a4e-0b7d-4c55-9e1a-2b3c4d5e6f7"] {
            // The backend's message has a line break and indentation inside it (a Rust string
            // literal spanning two lines).
            #expect(try mock.errorMessage(kind, path, #"{"storageId":"\#(text)"}"#)
                == "[Request ID: s1] Server Error\nUncaught Error: Invalid argument `storageId` for `\(call)`: Invalid storage ID: \"\(text)\". Storage ID should be an\n                    Id of '_storage' table, or a UUID string." + Self.frame)
        }
    }

    @Test(arguments: [("query", "files:getUrl"), ("query", "files:metadata"), ("mutation", "files:remove")])
    func anIdOfAnotherTableIsNotAStorageId(kind: String, path: String) throws {
        let message = try #require(try mock.value("mutation", "messages:send", #"{"body":"hi"}"#).stringValue)
        #expect(try mock.errorMessage(kind, path, #"{"storageId":"\#(message)"}"#)
            == "[Request ID: s1] Server Error\nUncaught Error: Invalid storage ID. Storage ID cannot be an ID on any table other than '_storage'." + Self.frame)
    }

    @Test func aStorageIdMustBeAString() throws {
        #expect(try mock.errorMessage("query", "files:getUrl", #"{"storageId":5}"#)
            == "[Request ID: s1] Server Error\nArgumentValidationError: Value does not match validator.\nPath: .storageId\nValue: 5.0\nValidator: v.string()\n")
        #expect(try mock.errorMessage("query", "files:getUrl", "{}")
            == "[Request ID: s1] Server Error\nArgumentValidationError: Object is missing the required field `storageId`. Consider wrapping the field validator in `v.optional(...)` if this is expected.\n\nObject: {}\nValidator: v.object({storageId: v.string()})\n")
    }

    @Test func aFailedDeleteDeletesNothing() throws {
        let id = try mock.store(StorageFixture.hello)
        _ = try mock.errorMessage("mutation", "files:remove", #"{"storageId":"garbage"}"#)
        #expect(try mock.storedFiles().map { $0["_id"] } == [.string(id)])
        #expect(try mock.admin(.GET, try mock.downloadPath(id)).body == StorageFixture.hello)
    }
}
