import Foundation
@testable import MockConvex
import Testing
import TestSupport

/// Review: `updated_at` written as an RFC 3339 string, as Auth0 writes it. The backend's
/// openidconnect is built with `accept-rfc3339-timestamps`, so such a token is a user whose
/// `updatedAt` is that time in chrono's `to_rfc3339`, not a token it cannot parse.
@Suite(.timeLimit(.minutes(1))) struct OIDCUpdatedAtReviewTests {
    static let rsa = try! TestSigningKey(.RS256, keyID: "review-2")
    static let now: Int64 = 1_750_000_000

    @Test(arguments: [
        ("\"2023-01-01T00:00:00.000Z\"", "2023-01-01T00:00:00+00:00"),
        ("\"2023-01-01T02:30:00+02:00\"", "2023-01-01T00:30:00+00:00"),
        ("\"2023-06-15T12:34:56.789Z\"", "2023-06-15T12:34:56.789+00:00"),
        ("1672531200", "2023-01-01T00:00:00+00:00"),
    ])
    func anAuth0StyleUpdatedAtGivesTheUser(updatedAt: String, expected: String) async throws {
        let provider = AuthProvider(kind: .oidc, issuer: "https://tenant.auth0.example/", applicationID: "convex")
        let jwks = try #require(VerificationKeys.parse(Array(TestSigningKey.jwks([Self.rsa]).utf8)))
        let keys = await VerificationKeys.build(jwks, algorithms: TokenCheck.oidcAlgorithms)
        let token = try Self.rsa.sign(#"{"iss":"https://tenant.auth0.example/","sub":"auth0|1","aud":"convex","iat":\#(Self.now),"exp":\#(Self.now + 3600),"updated_at":\#(updatedAt)}"#)
        let unverified = try #require(UnverifiedToken(token))
        let result = TokenCheck.oidc(unverified, provider: provider, discoveredIssuer: "https://tenant.auth0.example/", keys: keys, now: Self.now)
        #expect(result.map { $0.object["updatedAt"] } == .success(.string(expected)), "\(result)")
    }
}
