import EventHTTP
@testable import MockConvex
import Testing

/// `POST /api/storage/upload?token=...` in-process: the round trip byte for byte, `Digest`,
/// `Content-Type`, and the 400s that come before anything is stored (protocol §5).
@Suite(.timeLimit(.minutes(1))) struct StorageUploadTests {
    let mock: InProcess

    init() throws {
        mock = try InProcess(config: StorageFixture.config)
    }

    /// The upload's answer, exactly: `{"storageId":"kg2..."}` as JSON with the CORS headers.
    private func expectStored(_ response: HTTPResponse) throws -> String {
        #expect(response.status == 200, "\(response.bodyText)")
        #expect(response.headers == StorageFixture.headers([("content-type", "application/json")]))
        let id = try #require(response.bodyText.wholeMatch(of: /\{"storageId":"([^"]*)"\}/)?.1).description
        #expect(StorageFixture.isStorageId(id), "not a _storage id: \(id)")
        return id
    }

    // MARK: Round trip

    @Test func aSmallFileComesBackByteForByte() throws {
        let id = try expectStored(mock.upload(StorageFixture.hello, token: mock.uploadToken(), headers: ["Content-Type": "text/plain"]))
        let download = try mock.admin(.GET, try mock.downloadPath(id))
        #expect(download.status == 200)
        #expect(download.headers == StorageFixture.headers([
            ("digest", "sha-256=\(StorageFixture.helloSHA256)"), ("content-type", "text/plain"), ("content-length", "11"),
            ("cache-control", StorageFixture.cacheControl), ("accept-ranges", "bytes"),
        ]))
        #expect(download.body == StorageFixture.hello)
    }

    @Test func anEmptyFileWithoutAContentTypeComesBackEmptyWithoutOne() throws {
        let id = try expectStored(mock.upload([], token: mock.uploadToken()))
        let download = try mock.admin(.GET, try mock.downloadPath(id))
        #expect(download.status == 200)
        #expect(download.headers == StorageFixture.headers([
            ("digest", "sha-256=\(StorageFixture.emptySHA256)"), ("content-length", "0"),
            ("cache-control", StorageFixture.cacheControl), ("accept-ranges", "bytes"),
        ]))
        #expect(download.body.isEmpty)
    }

    @Test func everyByteValueSurvives() throws {
        let id = try expectStored(mock.upload(StorageFixture.allBytes, token: mock.uploadToken(), headers: ["Content-Type": "application/octet-stream"]))
        let download = try mock.admin(.GET, try mock.downloadPath(id))
        #expect(download.status == 200)
        #expect(download.headers == StorageFixture.headers([
            ("digest", "sha-256=\(StorageFixture.allBytesSHA256)"), ("content-type", "application/octet-stream"), ("content-length", "256"),
            ("cache-control", StorageFixture.cacheControl), ("accept-ranges", "bytes"),
        ]))
        #expect(download.body == StorageFixture.allBytes)
    }

    @Test func theRowHoldsTheTypeSizeAndDigest() throws {
        let id = try expectStored(mock.upload(StorageFixture.allBytes, token: mock.uploadToken(), headers: ["Content-Type": "image/png"]))
        let document = try mock.value("query", "files:get", #"{"id":"\#(id)"}"#)
        #expect(document["_id"] == .string(id))
        #expect(document["contentType"] == .string("image/png"))
        #expect(document["size"] == .number(256))
        #expect(document["sha256"] == .string(StorageFixture.allBytesSHA256))
    }

    @Test func eachUploadIsANewFile() throws {
        let token = try mock.uploadToken()
        // A token is not used up by an upload, as on the backend: it only expires.
        let first = try expectStored(mock.upload(StorageFixture.hello, token: token))
        let second = try expectStored(mock.upload(StorageFixture.hello, token: token))
        #expect(first != second)
        #expect(try mock.downloadPath(first) != mock.downloadPath(second))
        #expect(try mock.storedFiles().count == 2)
    }

    // MARK: Content-Type

    @Test(arguments: [
        ("text/plain", "text/plain"),
        ("TEXT/Plain", "text/plain"),
        ("text/html; charset=UTF-8", "text/html; charset=utf-8"),
        ("application/vnd.api+json", "application/vnd.api+json"),
    ])
    func theContentTypeIsStoredAsTheBackendNormalisesIt(sent: String, stored: String) throws {
        let id = try expectStored(mock.upload(StorageFixture.hello, token: mock.uploadToken(), headers: ["Content-Type": sent]))
        #expect(try mock.admin(.GET, try mock.downloadPath(id)).headers["content-type"] == stored)
    }

    @Test(arguments: ["not a type", "text", "/plain", "text/plain; charset"])
    func aMalformedContentTypeIsABadHeader(value: String) throws {
        let response = try mock.upload(StorageFixture.hello, token: mock.uploadToken(), headers: ["Content-Type": value])
        #expect(response.status == 400)
        #expect(response.headers == StorageFixture.headers([("content-type", "application/json")]))
        #expect(response.bodyText == StorageFixture.errorBody("BadHeader", "Bad header for content-type: invalid HTTP header"))
        #expect(try mock.storedFiles().isEmpty)
    }

    // MARK: Digest

    @Test(arguments: [
        (StorageFixture.hello, StorageFixture.helloSHA256),
        ([], StorageFixture.emptySHA256),
        (StorageFixture.allBytes, StorageFixture.allBytesSHA256),
    ])
    func aMatchingDigestIsAccepted(bytes: [UInt8], digest: String) throws {
        let id = try expectStored(mock.upload(bytes, token: mock.uploadToken(), headers: ["Digest": "sha-256=\(digest)"]))
        let download = try mock.admin(.GET, try mock.downloadPath(id))
        #expect(download.headers["digest"] == "sha-256=\(digest)")
        #expect(download.body == bytes)
    }

    @Test func aMismatchedDigestIsRefusedAndNothingIsStored() throws {
        let response = try mock.upload(StorageFixture.hello, token: mock.uploadToken(), headers: ["Digest": "sha-256=\(StorageFixture.otherSHA256)"])
        #expect(response.status == 400)
        #expect(response.headers == StorageFixture.headers([("content-type", "application/json")]))
        #expect(response.bodyText == StorageFixture.errorBody(
            "Sha256Mismatch", "Sha256 mismatch. Expected: \(StorageFixture.otherSHA256) Actual: \(StorageFixture.helloSHA256)"))
        #expect(try mock.storedFiles().isEmpty)
        #expect(mock.deployment.withStore { $0.allFiles.isEmpty })
    }

    @Test(arguments: [
        "sha-256=not base64!",
        "sha-256=",
        "SHA-256=\(StorageFixture.helloSHA256)",
        "sha-512=\(StorageFixture.helloSHA256)",
        "md5=XrY7u+Ae7tCTyyK7j1rNww==",
        // 16 bytes: valid base64, but not a SHA-256.
        "sha-256=XrY7u+Ae7tCTyyK7j1rNww==",
        StorageFixture.helloSHA256,
    ])
    func aMalformedDigestIsABadHeader(value: String) throws {
        let response = try mock.upload(StorageFixture.hello, token: mock.uploadToken(), headers: ["Digest": value])
        #expect(response.status == 400)
        #expect(response.headers == StorageFixture.headers([("content-type", "application/json")]))
        #expect(response.bodyText == StorageFixture.errorBody("BadHeader", "Bad header for digest: invalid HTTP header"))
        #expect(try mock.storedFiles().isEmpty)
    }

    // MARK: The query string

    @Test(arguments: ["/api/storage/upload", "/api/storage/upload?", "/api/storage/upload?tokens=abc", "/api/storage/upload?Token=abc"])
    func withoutATokenTheQueryIsBad(uri: String) throws {
        let response = try mock.admin(.POST, uri, body: StorageFixture.hello)
        #expect(response.status == 400)
        #expect(response.headers == StorageFixture.headers([("content-type", "application/json")]))
        #expect(response.bodyText == StorageFixture.errorBody("BadQueryArgs", "Failed to deserialize query string: missing field `token`"))
        #expect(try mock.storedFiles().isEmpty)
    }

    @Test func twoTokensAreADuplicateField() throws {
        let token = try mock.uploadToken()
        let response = try mock.admin(.POST, "/api/storage/upload?token=\(token)&token=\(token)", body: StorageFixture.hello)
        #expect(response.status == 400)
        #expect(response.bodyText == StorageFixture.errorBody("BadQueryArgs", "Failed to deserialize query string: duplicate field `token`"))
    }

    @Test func otherQueryParametersAreIgnored() throws {
        let token = try mock.uploadToken()
        _ = try expectStored(mock.admin(.POST, "/api/storage/upload?x=1&token=\(token)&y", body: StorageFixture.hello))
    }
}
