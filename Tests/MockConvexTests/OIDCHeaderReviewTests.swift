import Foundation
@testable import MockConvex
import Testing
import TestSupport

/// Review: the JOSE header of an OIDC token, as the backend's openidconnect verifier checks it
/// (`validate_jose_header`): `typ` absent or JWT (`application/jwt`, `application/jose`), no
/// `cty` (nested JWTs), no `crit`. Anything else is `Unauthenticated`, however good the
/// signature.
@Suite(.timeLimit(.minutes(1))) struct OIDCHeaderReviewTests {
    static let rsa = try! TestSigningKey(.RS256, keyID: "review-3")
    static let now: Int64 = 1_750_000_000

    /// `crit` is a list of names to the header's parser: a string there is a token it cannot
    /// read at all.
    @Test(arguments: [
        ([String: String](), nil), (["typ": "JWT"], nil), (["typ": "application/jwt"], nil), (["typ": "jose"], nil),
        (["typ": "at+jwt"], TokenRejection.oidcUnverified), (["typ": "secevent+jwt"], TokenRejection.oidcUnverified),
        (["cty": "JWT"], TokenRejection.oidcUnverified), (["crit": "exp"], TokenRejection.notOIDC),
    ])
    func theHeaderIsCheckedAsTheBackendChecksIt(header: [String: String], refusal: ConvexAPIError?) async throws {
        let provider = AuthProvider(kind: .oidc, issuer: "https://issuer.example", applicationID: "convex")
        let jwks = try #require(VerificationKeys.parse(Array(TestSigningKey.jwks([Self.rsa]).utf8)))
        let keys = await VerificationKeys.build(jwks, algorithms: TokenCheck.oidcAlgorithms)
        var fields = header
        if fields["typ"] == nil { fields["typ"] = "" }  // TestSigningKey leaves out empty fields
        let claims = #"{"iss":"https://issuer.example","sub":"alice","aud":"convex","iat":\#(Self.now),"exp":\#(Self.now + 3600)}"#
        let token = try Self.rsa.sign(claims, header: fields)
        let unverified = try #require(UnverifiedToken(token))
        let result = TokenCheck.oidc(unverified, provider: provider, discoveredIssuer: "https://issuer.example", keys: keys, now: Self.now)
        switch result {
        case .success: #expect(refusal == nil, "\(header) was accepted")
        case .failure(let error): #expect(error == refusal, "\(header)")
        }
    }
}
