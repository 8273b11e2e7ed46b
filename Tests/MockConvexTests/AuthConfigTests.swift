@testable import MockConvex
import Testing

/// `auth.providers` and the auth settings of functions: what is read, and every rule refused
/// with the JSON path of the problem.
@Suite(.timeLimit(.minutes(1))) struct AuthConfigTests {
    @Test func providersAreReadInBothShapes() throws {
        let config = try DeploymentConfig.parse(Array("""
            {"auth": {"providers": [
              {"domain": "https://issuer.example", "applicationID": "convex"},
              {"type": "customJwt", "issuer": "https://issuer.test", "jwks": "https://issuer.test/jwks.json", "algorithm": "ES256"}
            ]},
             "functions": {"mine:list": {"type": "query", "list": "items", "ownerField": "owner", "auth": "required"}}}
            """.utf8))
        #expect(config.authProviders == [
            AuthProvider(kind: .oidc, issuer: "https://issuer.example", applicationID: "convex"),
            AuthProvider(kind: .customJwt(jwks: "https://issuer.test/jwks.json", algorithm: .ES256), issuer: "https://issuer.test", applicationID: nil),
        ])
        let spec = try #require(config.functions[try FunctionPath(parsing: "mine:list")])
        #expect(spec.ownerField == "owner")
        #expect(spec.requiresAuth)
    }

    @Test(arguments: [
        (#"{"auth": []}"#, "$.auth", "expected an object, got an array"),
        (#"{"auth": {"providers": {}}}"#, "$.auth.providers", "expected an array, got an object"),
        (#"{"auth": {"users": []}}"#, "$.auth.users", "unknown key; expected one of providers"),
        (#"{"auth": {"providers": [{"domain": "https://x.example"}]}}"#, "$.auth.providers[0]", #"missing "applicationID": the aud its tokens carry"#),
        (#"{"auth": {"providers": [{"domain": "x.example", "applicationID": "a"}]}}"#, "$.auth.providers[0].domain", #"expected an absolute http:// or https:// URL, got "x.example""#),
        (#"{"auth": {"providers": [{"type": "oidc", "domain": "https://x.example", "applicationID": "a"}]}}"#, "$.auth.providers[0].type", #"expected "customJwt" (or no type, for an OIDC provider), got "oidc""#),
        (#"{"auth": {"providers": [{"type": "customJwt", "issuer": "https://x.example", "jwks": "https://x.example/k", "algorithm": "HS256"}]}}"#, "$.auth.providers[0].algorithm", "Invalid signature algorithm (only RS256 and ES256 are supported): HS256"),
        (#"{"auth": {"providers": [{"type": "customJwt", "issuer": "https://x.example", "jwks": "file:///etc/keys", "algorithm": "RS256"}]}}"#, "$.auth.providers[0].jwks", "expected an http:// or https:// URL, or a data: URI holding the JWKS"),
        (#"{"functions": {"a:b": {"type": "query", "returns": 1, "ownerField": "owner"}}}"#, #"$.functions["a:b"].ownerField"#, #""ownerField" applies to insert, get, list, patch, replace and delete on a user table"#),
        (#"{"functions": {"a:b": {"type": "query", "list": "t", "ownerField": "$x"}}}"#, #"$.functions["a:b"].ownerField"#, "not a field name: Invalid first character '$' in $x: Identifiers must start with an alphabetic character or underscore"),
        (#"{"functions": {"a:b": {"type": "query", "returns": 1, "auth": "optional"}}}"#, #"$.functions["a:b"].auth"#, #"expected "required", got "optional""#),
        (#"{"functions": {"a:b": {"type": "query", "identity": false}}}"#, #"$.functions["a:b"].identity"#, "expected true, got false"),
    ])
    func everyRuleRefusesWithItsPathAndMessage(config: String, path: String, message: String) {
        #expect {
            try DeploymentConfig.parse(Array(config.utf8))
        } throws: { error in
            guard let error = error as? ConfigError else { return false }
            return error.path.description == path && error.message == message
        }
    }
}
