import Foundation
@testable import MockConvex
import Testing
import TestSupport

/// Review: which key checks an OIDC token without a `kid`. openidconnect's `signing_key`
/// takes every key of the JWKS that suits the algorithm, with or without a kid of its own,
/// and needs exactly one: a provider publishing its single key with a kid still signs tokens
/// that name none; two candidate keys are ambiguous.
@Suite(.timeLimit(.minutes(1))) struct OIDCKeyChoiceReviewTests {
    static let first = try! TestSigningKey(.RS256, keyID: "only")
    static let second = try! TestSigningKey(.RS256, keyID: "other")
    static let now: Int64 = 1_750_000_000

    private func check(jwks: [TestSigningKey]) async throws -> Result<UserIdentity, ConvexAPIError> {
        let provider = AuthProvider(kind: .oidc, issuer: "https://issuer.example", applicationID: "convex")
        let parsed = try #require(VerificationKeys.parse(Array(TestSigningKey.jwks(jwks).utf8)))
        let keys = await VerificationKeys.build(parsed, algorithms: TokenCheck.oidcAlgorithms)
        let claims = #"{"iss":"https://issuer.example","sub":"alice","aud":"convex","iat":\#(Self.now),"exp":\#(Self.now + 3600)}"#
        let token = try Self.first.sign(claims, header: ["kid": ""])
        let unverified = try #require(UnverifiedToken(token))
        #expect(unverified.keyID == nil)
        return TokenCheck.oidc(unverified, provider: provider, discoveredIssuer: "https://issuer.example", keys: keys, now: Self.now)
    }

    @Test func aTokenWithoutAKidIsCheckedWithTheProvidersOnlyKey() async throws {
        #expect(try await check(jwks: [Self.first]).map(\.tokenIdentifier) == .success("https://issuer.example|alice"))
    }

    @Test func aTokenWithoutAKidAmongTwoKeysIsRefused() async throws {
        #expect(try await check(jwks: [Self.first, Self.second]).map(\.tokenIdentifier) == .failure(TokenRejection.oidcUnverified))
    }
}
