import EventHTTP
@testable import MockConvex
import Testing

/// `GET /api/storage/{uuid}` in-process: the headers of a whole file, HEAD, every form of
/// `Range`, unknown files, and paths that are not a UUID (protocol §5).
@Suite(.timeLimit(.minutes(1))) struct StorageDownloadTests {
    let mock: InProcess
    /// `/api/storage/{uuid}` of `0123456789`, stored as `text/plain`.
    let digits: String

    init() throws {
        mock = try InProcess(config: StorageFixture.config)
        digits = try mock.downloadPath(try mock.store(StorageFixture.digits, contentType: "text/plain"))
    }

    private var uuid: String { String(digits.dropFirst("/api/storage/".count)) }

    private static let wholeHeaders = StorageFixture.headers([
        ("digest", "sha-256=\(StorageFixture.digitsSHA256)"), ("content-type", "text/plain"), ("content-length", "10"),
        ("cache-control", StorageFixture.cacheControl), ("accept-ranges", "bytes"),
    ])

    /// The headers of a 206: no digest, and `content-range` after the type.
    private static func partialHeaders(contentRange: String, length: Int, contentType: String? = "text/plain") -> HTTPHeaders {
        StorageFixture.headers((contentType.map { [("content-type", $0)] } ?? []) + [
            ("content-range", contentRange), ("content-length", String(length)),
            ("cache-control", StorageFixture.cacheControl), ("accept-ranges", "bytes"),
        ])
    }

    private static func invalidPath(_ segment: String) -> String {
        StorageFixture.errorBody("InvalidStoragePath", "Invalid storage path: \"\(segment)\". Please use `storage.getUrl(storageId: Id<\"_storage\">)` to generate a valid URL to retrieve files. See https://docs.convex.dev/file-storage/serve-files for more details")
    }

    // MARK: Whole files

    @Test func aWholeFileHasItsDigestTypeLengthAndCaching() throws {
        let response = try mock.admin(.GET, digits)
        #expect(response.status == 200)
        #expect(response.headers == Self.wholeHeaders)
        #expect(!response.headers.contains("etag"))
        #expect(response.body == StorageFixture.digits)
    }

    @Test func headIsAnsweredWithTheHeadersOfGet() throws {
        // The body of a HEAD answer is dropped by the HTTP layer when it is written (see
        // EventHTTPTests.BodyTests); in-process only status and headers can be compared.
        let head = try mock.admin(.HEAD, digits)
        #expect(head.status == 200)
        #expect(head.headers == Self.wholeHeaders)
        let headRange = try mock.admin(.HEAD, digits, headers: ["Range": "bytes=0-4"])
        #expect(headRange.status == 206)
        #expect(headRange.headers == Self.partialHeaders(contentRange: "bytes 0-4/10", length: 5))
    }

    @Test(arguments: ["uppercase", "simple", "braced", "urn"])
    func theUUIDIsReadInEveryFormTheUuidCrateReads(form: String) throws {
        let spelled = switch form {
        case "uppercase": uuid.uppercased()
        case "simple": uuid.replacing("-", with: "")
        case "braced": "{\(uuid)}"
        default: "urn:uuid:\(uuid)"
        }
        let response = try mock.admin(.GET, "/api/storage/\(spelled)")
        #expect(response.status == 200)
        #expect(response.headers == Self.wholeHeaders)
        #expect(response.body == StorageFixture.digits)
    }

    // MARK: Ranges

    @Test(arguments: [
        ("bytes=0-4", "bytes 0-4/10", "01234"),
        ("bytes=5-", "bytes 5-9/10", "56789"),
        ("bytes=0-0", "bytes 0-0/10", "0"),
        ("bytes=9-9", "bytes 9-9/10", "9"),
        ("bytes=0-9", "bytes 0-9/10", "0123456789"),
        ("bytes=0-", "bytes 0-9/10", "0123456789"),
        ("bytes= 2-3", "bytes 2-3/10", "23"),
        ("bytes=2-3,", "bytes 2-3/10", "23"),
    ])
    func oneRangeIsPartialContent(range: String, contentRange: String, body: String) throws {
        let response = try mock.admin(.GET, digits, headers: ["Range": range])
        #expect(response.status == 206)
        #expect(response.headers == Self.partialHeaders(contentRange: contentRange, length: body.utf8.count))
        #expect(response.bodyText == body)
    }

    // The backend reads ranges against a length of u64::MAX rather than the file's (see
    // local_backend/src/storage.rs, `satisfiable_ranges(u64::MAX)`), so a single range is never
    // 416 and `content-range` repeats the bounds asked for. Protocol §5 says "one `Range:
    // bytes=a-b` → 206, `Content-Range: bytes a-b/size`", which these follow; the bytes served
    // are those of the file inside the range (docs/wire-compatibility.md, "The backend's Range
    // quirks").
    @Test(arguments: [
        ("bytes=3-100", "bytes 3-100/10", "3456789"),
        ("bytes=10-20", "bytes 10-20/10", ""),
        ("bytes=100-", "bytes 100-9/10", ""),
        ("bytes=5-2", "bytes 5-2/10", ""),
        // A suffix starts at u64::MAX - 3, past every file.
        ("bytes=-3", "bytes 18446744073709551612-9/10", ""),
    ])
    func aRangeOutsideTheFileIsPartialContentWithTheRequestedBounds(range: String, contentRange: String, body: String) throws {
        let response = try mock.admin(.GET, digits, headers: ["Range": range])
        #expect(response.status == 206)
        #expect(response.headers == Self.partialHeaders(contentRange: contentRange, length: body.utf8.count))
        #expect(response.bodyText == body)
    }

    @Test(arguments: ["bytes=0-1,3-4", "bytes=0-0,0-0", "bytes=0-1, 5-", "bytes=", "bytes=abc", "bytes=a-b", "bytes=1-x"])
    func noneOrSeveralRangesAre416AndEmpty(range: String) throws {
        let response = try mock.admin(.GET, digits, headers: ["Range": range])
        #expect(response.status == 416)
        #expect(response.body.isEmpty)
        // Protocol §5 says "416 empty": a length of 0 if any (hyper writes one where the mock
        // places it is not fixed by the protocol), and only the CORS headers besides.
        #expect(response.headers.values("content-length").allSatisfy { $0 == "0" })
        var others = response.headers
        others.remove("content-length")
        #expect(others == StorageFixture.headers([]))
    }

    @Test func severalRangesAre416EvenForAnUnknownFile() throws {
        // The ranges are counted before the file is looked up.
        let response = try mock.admin(.GET, "/api/storage/00000000-0000-4000-8000-000000000000", headers: ["Range": "bytes=0-1,3-4"])
        #expect(response.status == 416)
        #expect(response.body.isEmpty)
    }

    @Test(arguments: ["items=0-4", "0-4", "Bytes=0-4", "bytes 0-4", "bytes=0-4\u{00e9}"])
    func anUnparseableRangeIsIgnored(range: String) throws {
        let response = try mock.admin(.GET, digits, headers: ["Range": range])
        #expect(response.status == 200)
        #expect(response.headers == Self.wholeHeaders)
        #expect(response.body == StorageFixture.digits)
    }

    @Test(arguments: ["bytes=0-0", "bytes=0-", "bytes=5-9", "bytes=-1"])
    func aRangeOfAnEmptyFileIsAnEmpty200WithoutADigest(range: String) throws {
        // The backend has no Content-Range for a file of size 0 and answers it whole, without a
        // digest (docs/wire-compatibility.md, "a range of an empty file is a 200"); protocol §5
        // does not cover it.
        let empty = try mock.downloadPath(try mock.store([], contentType: "text/plain"))
        let response = try mock.admin(.GET, empty, headers: ["Range": range])
        #expect(response.status == 200)
        #expect(response.headers == StorageFixture.headers([
            ("content-type", "text/plain"), ("content-length", "0"), ("cache-control", StorageFixture.cacheControl), ("accept-ranges", "bytes"),
        ]))
        #expect(response.body.isEmpty)
    }

    @Test func aRangeOfAFileWithoutAContentTypeHasNone() throws {
        let untyped = try mock.downloadPath(try mock.store(StorageFixture.digits))
        let response = try mock.admin(.GET, untyped, headers: ["Range": "bytes=1-2"])
        #expect(response.status == 206)
        #expect(response.headers == Self.partialHeaders(contentRange: "bytes 1-2/10", length: 2, contentType: nil))
        #expect(response.bodyText == "12")
    }

    // MARK: Unknown files and bad paths

    @Test func anUnknownUUIDIsFileNotFound() throws {
        let response = try mock.admin(.GET, "/api/storage/6f1c2a4e-0b7d-4c55-9e1a-2b3c4d5e6f70")
        #expect(response.status == 404)
        #expect(response.headers == StorageFixture.headers([("content-type", "application/json")]))
        #expect(response.bodyText == StorageFixture.errorBody("FileNotFound", "File 6f1c2a4e-0b7d-4c55-9e1a-2b3c4d5e6f70 not found"))
    }

    @Test func anUnknownUUIDIsNamedInItsLowercaseHyphenatedForm() throws {
        let response = try mock.admin(.GET, "/api/storage/6F1C2A4E0B7D4C559E1A2B3C4D5E6F70")
        #expect(response.status == 404)
        #expect(response.bodyText == StorageFixture.errorBody("FileNotFound", "File 6f1c2a4e-0b7d-4c55-9e1a-2b3c4d5e6f70 not found"))
    }

    @Test func theDocumentIdIsNotADownloadPath() throws {
        // Download URLs name the UUID, never the kg2... id (protocol §5).
        let id = try mock.store(StorageFixture.hello)
        let response = try mock.admin(.GET, "/api/storage/\(id)")
        #expect(response.status == 400)
        #expect(response.headers == StorageFixture.headers([("content-type", "application/json")]))
        #expect(response.bodyText == Self.invalidPath(id))
    }

    @Test(arguments: [
        ("not-a-uuid", "not-a-uuid"),
        ("..%2F..%2Fetc%2Fpasswd", "../../etc/passwd"),
        ("..%2f..%2f..%2fetc%2fpasswd", "../../../etc/passwd"),
        ("..", ".."),
        ("%2e%2e", ".."),
        ("%2E%2E%2F", "../"),
        ("..%5C..%5Cwindows", "..\\..\\windows"),
        ("%252e%252e%252f", "%2e%2e%2f"),
        ("6f1c2a4e-0b7d-4c55-9e1a-2b3c4d5e6f7", "6f1c2a4e-0b7d-4c55-9e1a-2b3c4d5e6f7"),
        ("6f1c2a4e-0b7d-4c55-9e1a-2b3c4d5e6f70x", "6f1c2a4e-0b7d-4c55-9e1a-2b3c4d5e6f70x"),
        ("g%20f1c2a4e-0b7d-4c55-9e1a-2b3c4d5e6f7", "g f1c2a4e-0b7d-4c55-9e1a-2b3c4d5e6f7"),
    ])
    func aSegmentThatIsNotAUUIDIsAnInvalidStoragePath(segment: String, decoded: String) throws {
        let response = try mock.admin(.GET, "/api/storage/\(segment)")
        #expect(response.status == 400)
        #expect(response.headers == StorageFixture.headers([("content-type", "application/json")]))
        #expect(response.bodyText == Self.invalidPath(decoded))
    }

    @Test func aVeryLongSegmentIsAnInvalidStoragePath() throws {
        let segment = String(repeating: "a", count: 10_000)
        let response = try mock.admin(.GET, "/api/storage/\(segment)")
        #expect(response.status == 400)
        #expect(response.bodyText == Self.invalidPath(segment))
    }

    @Test(arguments: ["/api/storage/", "/api/storage/../../etc/passwd", "/api/storage/../", "/api/storage/a/b"])
    func morePathSegmentsThanOneAreNoRoute(path: String) throws {
        let response = try mock.admin(.GET, path)
        #expect(response.status == 404)
        #expect(response.headers == StorageFixture.headers([]))
        #expect(response.body.isEmpty)
    }

    @Test func aRealFileFollowedByMoreSegmentsIsNoRoute() throws {
        for path in [digits + "/", digits + "/..", digits + "/../" + uuid] {
            let response = try mock.admin(.GET, path)
            #expect(response.status == 404, "\(path)")
            #expect(response.body.isEmpty, "\(path)")
        }
    }
}
