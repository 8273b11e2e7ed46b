import EventHTTP
@testable import MockConvex
import Testing

/// Upload tokens in-process: missing, forged, altered, for another instance, expired on an
/// injected clock, each refused with the backend's 401 before the body is looked at; and the
/// upload body limit (protocol §5; the limit is the mock's own, README "Where mockconvex differs").
@Suite(.timeLimit(.minutes(1))) struct StorageTokenTests {
    static let invalid = StorageFixture.errorBody("StorageTokenInvalid", "Couldn't decode the StoreFileAuthorization token")
    static let expired = StorageFixture.errorBody("StorageTokenExpired", "Store File Authorization expired")
    /// Any fixed Unix time well after 0 (a token issued at 0 is malformed on the backend).
    static let issuedAt: Int64 = 1_700_000_000

    let mock: InProcess

    init() throws {
        mock = try InProcess(config: StorageFixture.config)
    }

    /// A 401 with exactly `body`, the CORS headers, and nothing stored.
    private func expectRefused(_ response: HTTPResponse, _ body: String, in mock: InProcess, sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(response.status == 401, sourceLocation: sourceLocation)
        #expect(response.headers == StorageFixture.headers([("content-type", "application/json")]), sourceLocation: sourceLocation)
        #expect(response.bodyText == body, sourceLocation: sourceLocation)
        #expect(try mock.storedFiles().isEmpty, sourceLocation: sourceLocation)
    }

    /// `token` with the hex digit at `index` changed to another hex digit.
    private static func flipping(_ token: String, at index: Int) -> String {
        var characters = Array(token)
        characters[index] = characters[index] == "0" ? "1" : "0"
        return String(characters)
    }

    private static func randomHex(count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return String((0..<count).map { _ in Array("0123456789abcdef")[Int.random(in: 0..<16, using: &generator)] })
    }

    // MARK: Forged and altered

    @Test func aRealTokenIsAccepted() throws {
        // The control for every refusal below.
        let response = try mock.upload(StorageFixture.hello, token: try mock.uploadToken())
        #expect(response.status == 200, "\(response.bodyText)")
    }

    @Test(arguments: ["", "not-a-token", "0x", "zz", "00", "01"])
    func aTokenThatIsNotOneIsInvalid(token: String) throws {
        try expectRefused(mock.upload(StorageFixture.hello, token: token), Self.invalid, in: mock)
    }

    @Test func randomHexIsInvalid() throws {
        let real = try mock.uploadToken()
        for count in [64, real.count, real.count + 2] {
            try expectRefused(mock.upload(StorageFixture.hello, token: Self.randomHex(count: count)), Self.invalid, in: mock)
        }
    }

    @Test func changingAnyOneHexDigitMakesATokenInvalid() throws {
        let token = try mock.uploadToken()
        // The first digit, the issue time, the nonce, the middle, and the very last digit.
        for index in Set([0, 1, 2, 10, 17, 20, 40, token.count / 2, token.count - 20, token.count - 1]) {
            let altered = Self.flipping(token, at: index)
            try #require(altered != token)
            try expectRefused(mock.upload(StorageFixture.hello, token: altered), Self.invalid, in: mock)
        }
    }

    @Test func aTruncatedOrExtendedTokenIsInvalid() throws {
        let token = try mock.uploadToken()
        try expectRefused(mock.upload(StorageFixture.hello, token: String(token.dropLast(2))), Self.invalid, in: mock)
        try expectRefused(mock.upload(StorageFixture.hello, token: token + "00"), Self.invalid, in: mock)
        try expectRefused(mock.upload(StorageFixture.hello, token: String(token.dropLast())), Self.invalid, in: mock)
    }

    @Test func aTokenOfADeploymentWithAnotherSecretIsInvalid() throws {
        let other = try InProcess(config: StorageFixture.config) { $0.instanceSecret = String(repeating: "cd", count: 32) }
        try expectRefused(mock.upload(StorageFixture.hello, token: try other.uploadToken()), Self.invalid, in: mock)
    }

    @Test func aTokenForAnotherInstanceNameIsRefusedAsSuch() throws {
        // Same secret, another name: the token is genuine but not this instance's. Protocol §5
        // lists only StorageTokenInvalid for bad tokens; the backend's key broker answers this
        // case with its own code, and a message with literal braces (not a format string there).
        let other = try InProcess(config: StorageFixture.config) { $0.instanceName = "another-instance" }
        try expectRefused(mock.upload(StorageFixture.hello, token: try other.uploadToken()),
                          StorageFixture.errorBody("InvalidStorageToken", "Storage token is for invalid instance {instance_name}"), in: mock)
    }

    @Test func theTokenIsCheckedBeforeTheHeaders() throws {
        // The backend checks the token first, then Content-Type and Digest.
        let response = try mock.upload(StorageFixture.hello, token: "00", headers: ["Digest": "garbage", "Content-Type": "garbage"])
        try expectRefused(response, Self.invalid, in: mock)
    }

    // MARK: Expiry

    @Test func aTokenIsGoodUntilTheLastSecondOfItsHour() throws {
        let clock = ManualClock(Self.issuedAt)
        let mock = try InProcess(config: StorageFixture.config, clock: clock.function)
        let token = try mock.uploadToken()
        clock.set(Self.issuedAt + 3599)
        let response = try mock.upload(StorageFixture.hello, token: token)
        #expect(response.status == 200, "\(response.bodyText)")
        #expect(try mock.storedFiles().count == 1)
    }

    @Test(arguments: [3600, 3601, 86_400 * 365])
    func aTokenExpiresAnHourAfterItWasIssued(after seconds: Int64) throws {
        let clock = ManualClock(Self.issuedAt)
        let mock = try InProcess(config: StorageFixture.config, clock: clock.function)
        let token = try mock.uploadToken()
        clock.set(Self.issuedAt + seconds)
        try expectRefused(mock.upload(StorageFixture.hello, token: token), Self.expired, in: mock)
        // A token issued now is good again.
        #expect(try mock.upload(StorageFixture.hello, token: try mock.uploadToken()).status == 200)
    }

    @Test func anExpiredTokenIsRefusedBeforeItsDigestIsChecked() throws {
        let clock = ManualClock(Self.issuedAt)
        let mock = try InProcess(config: StorageFixture.config, clock: clock.function)
        let token = try mock.uploadToken()
        clock.set(Self.issuedAt + 3600)
        let response = try mock.upload(StorageFixture.hello, token: token, headers: ["Digest": "sha-256=\(StorageFixture.otherSHA256)"])
        try expectRefused(response, Self.expired, in: mock)
    }

    @Test func anAlteredExpiredTokenIsInvalidRatherThanExpired() throws {
        let clock = ManualClock(Self.issuedAt)
        let mock = try InProcess(config: StorageFixture.config, clock: clock.function)
        let token = try mock.uploadToken()
        clock.set(Self.issuedAt + 7200)
        try expectRefused(mock.upload(StorageFixture.hello, token: Self.flipping(token, at: token.count - 1)), Self.invalid, in: mock)
    }

    // MARK: Body limit

    /// The admin handler with `limits`, which `InProcess` leaves at their defaults.
    private func handler(upload: Int, body: Int) -> AdminHandler {
        var limits = BodyLimits()
        limits.upload = upload
        limits.body = body
        return AdminHandler(deployment: mock.deployment, metrics: mock.metrics, loop: mock.loop, limits: limits)
    }

    private func post(_ bytes: [UInt8], to handler: AdminHandler) throws -> HTTPResponse {
        let token = try mock.uploadToken()
        return try mock.send(HTTPRequest(method: .POST, uri: "/api/storage/upload?token=\(token)", body: bytes, listener: "admin"), to: handler)
    }

    @Test func anUploadOverTheUploadLimitIs413() throws {
        let limited = handler(upload: 16, body: 64 << 20)
        #expect(try post([UInt8](repeating: 7, count: 16), to: limited).status == 200)
        let response = try post([UInt8](repeating: 7, count: 17), to: limited)
        #expect(response.status == 413)
        // Refused before the CORS layer, so without its headers.
        #expect(response.headers == ["content-type": "application/json"])
        #expect(response.bodyText == StorageFixture.errorBody(
            "PayloadTooLarge", "The request body is 17 bytes, more than the 16 bytes --max-upload-bytes allows"))
        #expect(try mock.storedFiles().count == 1)
    }

    @Test func uploadsAreHeldToTheUploadLimitNotTheBodyLimit() throws {
        let limited = handler(upload: 1024, body: 8)
        let response = try post([UInt8](repeating: 7, count: 1000), to: limited)
        #expect(response.status == 200, "\(response.bodyText)")
        #expect(try mock.storedFiles().count == 1)
    }
}
