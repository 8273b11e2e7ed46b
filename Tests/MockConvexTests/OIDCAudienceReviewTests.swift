import EventHTTP
import Foundation
@testable import MockConvex
import Testing
import TestSupport

/// Review: an OIDC token's audiences, as the backend's verifier checks them.
@Suite(.timeLimit(.minutes(1))) struct OIDCAudienceReviewTests {
    static let rsa = try! TestSigningKey(.RS256, keyID: "review-1")
    static let now: Int64 = 1_750_000_000

    /// The backend's OIDC verifier (openidconnect's `IdTokenVerifier`, with no
    /// `other_aud_verifier_fn`) refuses an ID token that also names an audience it does not
    /// trust: `aud: ["convex", "someone-else"]` is `Unauthenticated`, not a signed-in user.
    @Test func anOIDCTokenForAnotherAudienceTooIsRefused() async throws {
        let provider = AuthProvider(kind: .oidc, issuer: "https://issuer.example", applicationID: "convex")
        let jwks = try #require(VerificationKeys.parse(Array(TestSigningKey.jwks([Self.rsa]).utf8)))
        let keys = await VerificationKeys.build(jwks, algorithms: TokenCheck.oidcAlgorithms)
        func check(_ audience: String) throws -> Result<UserIdentity, ConvexAPIError> {
            let token = try Self.rsa.sign(#"{"iss":"https://issuer.example","sub":"alice","aud":\#(audience),"iat":\#(Self.now),"exp":\#(Self.now + 3600)}"#)
            let unverified = try #require(UnverifiedToken(token))
            return TokenCheck.oidc(unverified, provider: provider, discoveredIssuer: "https://issuer.example", keys: keys, now: Self.now)
        }
        #expect(try check(#""convex""#).map(\.tokenIdentifier) == .success("https://issuer.example|alice"))
        #expect(try check(#"["convex"]"#).map(\.tokenIdentifier) == .success("https://issuer.example|alice"))
        #expect(throws: ConvexAPIError.self) { try check(#"["convex","someone-else"]"#).get() }
        if case .failure(let error) = try check(#"["convex","someone-else"]"#) {
            #expect(error == TokenRejection.oidcUnverified)
        }
    }
}
