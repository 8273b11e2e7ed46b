import EventHTTP
import Foundation
@testable import MockConvex
import Testing
import TestSupport

/// User tokens on the function API against a `customJwt` provider whose JWKS is a `data:` URI
/// made from key pairs generated here: the identity a valid token gives, and each kind of bad
/// token refused with the backend's own 401.
@Suite(.timeLimit(.minutes(1))) struct UserTokenTests {
    static let issuer = "https://issuer.test"
    static let now: Int64 = 1_800_000_000
    static let rsa = try! TestSigningKey(.RS256, keyID: "rsa-1")
    static let ec = try! TestSigningKey(.ES256, keyID: "ec-1")

    static func config(algorithm: String = "RS256", keys: [TestSigningKey] = [rsa], applicationID: String? = "my-app") -> String {
        let app = applicationID.map { #", "applicationID": "\#($0)""# } ?? ""
        return """
            {"auth": {"providers": [{"type": "customJwt", "issuer": "\(issuer)", "jwks": "\(TestSigningKey.dataURI(keys))", "algorithm": "\(algorithm)"\(app)}]},
             "functions": {"me:who": {"type": "query", "identity": true}}}
            """
    }

    static func claims(sub: String = "alice", iss: String = issuer, aud: String = #""my-app""#, exp: Int64 = now + 3600, extra: String = "") -> String {
        #"{"iss":"\#(iss)","sub":"\#(sub)","aud":\#(aud),"iat":\#(now),"exp":\#(exp)\#(extra)}"#
    }

    private func who(_ token: String, config: String = config()) throws -> HTTPResponse {
        try InProcess(config: config, clock: { Self.now }).post("/api/query", #"{"path":"me:who","args":{}}"#, headers: ["Authorization": "Bearer \(token)"])
    }

    private func rejection(_ token: String, config: String = config()) throws -> (Int, String) {
        let response = try who(token, config: config)
        return (response.status, response.bodyText)
    }

    @Test func aValidTokenGivesTheIdentityWithCustomClaimsFlattened() throws {
        let token = try Self.rsa.sign(Self.claims(extra: #","name":"Alice","email":"a@example.com","org":{"id":7,"role":"admin"},"fva":[1,2],"jti":"x""#))
        let response = try who(token)
        #expect(response.status == 200)
        #expect(try response.json == JSONReader.parse(Array(#"""
            {"status":"success","value":{"email":"a@example.com","issuer":"https://issuer.test","name":"Alice","org.id":7.0,"org.role":"admin","subject":"alice","tokenIdentifier":"https://issuer.test|alice"}}
            """#.utf8)))
    }

    @Test func anES256ProviderTakesES256Tokens() throws {
        let response = try who(try Self.ec.sign(Self.claims()), config: Self.config(algorithm: "ES256", keys: [Self.ec]))
        #expect(response.status == 200)
        #expect(try response.json["value"]?["tokenIdentifier"] == .string("https://issuer.test|alice"))
    }

    @Test func withoutATokenTheIdentityIsNull() throws {
        let response = try InProcess(config: Self.config()).post("/api/query", #"{"path":"me:who","args":{}}"#)
        #expect(response.bodyText == #"{"status":"success","value":null}"#)
    }

    @Test func aBadSignatureIsUndecodable() throws {
        let other = try TestSigningKey(.RS256, keyID: "rsa-1")
        let (status, body) = try rejection(try other.sign(Self.claims()))
        #expect(status == 401)
        #expect(body == #"{"code":"InvalidAuthHeader","message":"Could not decode token. The JWT's 'kid' (key ID) header is 'rsa-1', does this key match any key in the provider's JWKS?"}"#)
    }

    @Test func anUnknownKidIsUndecodable() throws {
        let (status, body) = try rejection(try Self.rsa.sign(Self.claims(), header: ["kid": "rotated-away"]))
        #expect(status == 401)
        #expect(body == #"{"code":"InvalidAuthHeader","message":"Could not decode token. The JWT's 'kid' (key ID) header is 'rotated-away', does this key match any key in the provider's JWKS?"}"#)
    }

    @Test func aMissingKidIsUndecodable() throws {
        let (status, body) = try rejection(try Self.rsa.sign(Self.claims(), header: ["kid": ""]))
        #expect(status == 401)
        #expect(body == #"{"code":"InvalidAuthHeader","message":"Could not decode token. JWT may be missing a 'kid' (key ID) header."}"#)
    }

    @Test func anAlgorithmTheProviderDoesNotAllowIsUndecodable() throws {
        // Signed correctly with ES256, for a provider that takes RS256 only; and an `alg` header
        // that lies about an RS256 signature.
        let config = Self.config(keys: [Self.rsa, Self.ec])
        #expect(try rejection(try Self.ec.sign(Self.claims()), config: config).1
            == #"{"code":"InvalidAuthHeader","message":"Could not decode token. The JWT's 'kid' (key ID) header is 'ec-1', does this key match any key in the provider's JWKS?"}"#)
        #expect(try rejection(try Self.rsa.sign(Self.claims(), header: ["alg": "HS256"])).0 == 401)
    }

    @Test func anExpiredTokenIsRefusedPastFiveSecondsOfLeeway() throws {
        #expect(try who(try Self.rsa.sign(Self.claims(exp: Self.now - 5))).status == 200)
        let (status, body) = try rejection(try Self.rsa.sign(Self.claims(exp: Self.now - 65)))
        #expect(status == 401)
        #expect(body == #"{"code":"InvalidAuthHeader","message":"Could not validate token: Token expired 65 seconds ago"}"#)
    }

    @Test func aTokenNotYetValidIsRefused() throws {
        let (status, body) = try rejection(try Self.rsa.sign(Self.claims(extra: #","nbf":\#(Self.now + 120)"#)))
        #expect(status == 401)
        #expect(body == #"{"code":"InvalidAuthHeader","message":"Could not validate token: Token will be valid in 120 seconds"}"#)
    }

    @Test func aWrongIssuerOrAudienceMatchesNoProvider() throws {
        let expected = #"{"code":"NoAuthProvider","message":"No auth provider found matching the given token. Check that your JWT's issuer and audience match one of your configured providers: [CustomJWT(issuer=https://issuer.test, app_id=my-app)]"}"#
        #expect(try rejection(try Self.rsa.sign(Self.claims(iss: "https://elsewhere.test"))) == (401, expected))
        #expect(try rejection(try Self.rsa.sign(Self.claims(aud: #"["other-app"]"#))) == (401, expected))
    }

    @Test func aMissingSubjectOrExpiryFailsTheClaimCheck() throws {
        let token = try Self.rsa.sign(#"{"iss":"https://issuer.test","aud":"my-app","iat":\#(Self.now)}"#)
        #expect(try rejection(token) == (401, #"{"code":"InvalidAuthHeader","message":"Could not verify token claim. Check that the JWT contains valid claims and matches your auth provider configuration."}"#))
    }

    /// Hostile tokens: each is refused with the parse error, and nothing traps.
    @Test(arguments: [
        "a.b", "....", "!!!.###.$$$", "e30.e30", "eyJhbGciOiJSUzI1NiJ9.bm90IGpzb24.c2ln",
        TestSigningKey.base64URL(Data(#"{"alg":"RS256"}"#.utf8)) + "." + TestSigningKey.base64URL(Data(#"{"iss":"https://issuer.test","exp":1e300}"#.utf8)) + ".c2ln",
        TestSigningKey.base64URL(Data(#"{"alg":"RS256"}"#.utf8)) + "." + TestSigningKey.base64URL(Data(#"{"iss":"https://issuer.test","exp":1.5}"#.utf8)) + ".c2ln",
        TestSigningKey.base64URL(Data(#"{"alg":"RS256"}"#.utf8)) + "." + TestSigningKey.base64URL(Data(#"{"iss":7}"#.utf8)) + ".c2ln",
        TestSigningKey.base64URL(Data(#"{"alg":"RS256"}"#.utf8)) + "." + TestSigningKey.base64URL(Data(#"{"iss":"x","aud":[1]}"#.utf8)) + ".c2ln",
        String(repeating: "A", count: 70_000) + ".e30.c2ln",
    ])
    func malformedTokensCannotBeParsed(token: String) throws {
        #expect(try rejection(token) == (401, #"{"code":"InvalidAuthHeader","message":"Could not parse JWT payload. Check that the token is a valid JWT format with three base64-encoded parts separated by dots."}"#))
    }

    @Test func aJWKSWithThousandsOfKeysIsReadUpToItsFirstHundred() throws {
        let key = try TestSigningKey(.ES256, keyID: "k")
        var keys = (0..<1000).map { _ in key.jwk }
        for index in keys.indices { keys[index]["kid"] = "k\(index)" }
        let jwks = try JSONSerialization.data(withJSONObject: ["keys": keys])
        let config = """
            {"auth": {"providers": [{"type": "customJwt", "issuer": "\(Self.issuer)", "jwks": "data:application/json;base64,\(jwks.base64EncodedString())", "algorithm": "ES256"}]},
             "functions": {"me:who": {"type": "query", "identity": true}}}
            """
        #expect(try who(try key.sign(Self.claims(), header: ["kid": "k99"]), config: config).status == 200)
        #expect(try rejection(try key.sign(Self.claims(), header: ["kid": "k100"]), config: config).0 == 401)
    }

    @Test func aDataURIThatIsNotAJWKSIsRefused() throws {
        let config = """
            {"auth": {"providers": [{"type": "customJwt", "issuer": "\(Self.issuer)", "jwks": "data:application/json;base64,bm90IGpzb24=", "algorithm": "RS256"}]},
             "functions": {"me:who": {"type": "query", "identity": true}}}
            """
        #expect(try rejection(try Self.rsa.sign(Self.claims()), config: config)
            == (401, #"{"code":"InvalidAuthHeader","message":"Invalid JWKS response body from 'data:application/json;base64,bm90IGpzb24='. The response is not valid JSON or doesn't match the expected JWKS format."}"#))
    }
}
