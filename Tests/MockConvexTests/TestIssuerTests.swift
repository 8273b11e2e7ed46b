import EventHTTP
import Foundation
@testable import MockConvex
import Testing
import TestSupport

/// The built-in test issuer and what its tokens reach: identities, per-user data kept apart,
/// `"auth": "required"`, HTTP actions; its JWKS and discovery documents, public even behind a
/// control token.
@Suite(.timeLimit(.minutes(1))) struct TestIssuerTests {
    static let config = """
        {"functions": {
           "me:who": {"type": "query", "identity": true},
           "mine:add": {"type": "mutation", "insert": "items", "ownerField": "owner", "auth": "required"},
           "mine:list": {"type": "query", "list": "items", "ownerField": "owner", "auth": "required"},
           "mine:get": {"type": "query", "get": "items", "ownerField": "owner"},
           "mine:patch": {"type": "mutation", "patch": "items", "ownerField": "owner"},
           "mine:remove": {"type": "mutation", "delete": "items", "ownerField": "owner"},
           "open:hello": {"type": "query", "returns": "hi", "auth": "required"}
         },
         "httpRoutes": [{"method": "GET", "path": "/whoami", "identity": true}]}
        """
    static let issuer = "http://127.0.0.1/_mock/auth"

    private func token(_ mock: ControlInProcess, _ body: String) throws -> String {
        let response = try mock.call(.POST, "/_mock/auth/token", body)
        #expect(response.status == 200, "\(response.bodyText)")
        return try #require(try response.json["token"]?.stringValue)
    }

    private func call(_ mock: ControlInProcess, _ route: String, _ path: String, _ args: String = "{}", token: String?) throws -> HTTPResponse {
        var headers: HTTPHeaders = ["Content-Type": "application/json"]
        if let token { headers.add("Authorization", "Bearer \(token)") }
        return try #require(try mock.admin(.POST, "/api/\(route)", headers: headers, body: #"{"path":"\#(path)","args":\#(args)}"#).response)
    }

    @Test func aTokenGivesItsSubjectAndClaimsAsTheIdentity() throws {
        let mock = try ControlInProcess(config: Self.config)
        let token = try token(mock, #"{"subject": "alice", "claims": {"name": "Alice", "email": "alice@example.com", "aud": "my-app"}}"#)
        let response = try call(mock, "query", "me:who", token: token)
        #expect(response.bodyText == #"{"status":"success","value":{"email":"alice@example.com","issuer":"\#(Self.issuer)","name":"Alice","subject":"alice","tokenIdentifier":"\#(Self.issuer)|alice"}}"#)
    }

    @Test func twoUsersSeeOnlyTheirOwnDocuments() throws {
        let mock = try ControlInProcess(config: Self.config)
        let alice = try token(mock, #"{"subject": "alice"}"#)
        let bob = try token(mock, #"{"subject": "bob"}"#)
        let aliceId = try #require(try call(mock, "mutation", "mine:add", #"{"text": "a"}"#, token: alice).json["value"]?.stringValue)
        _ = try call(mock, "mutation", "mine:add", #"{"text": "b", "owner": "forged"}"#, token: bob)
        let aliceList = try call(mock, "query", "mine:list", token: alice).json["value"]
        #expect(aliceList?[0]?["text"] == .string("a"))
        #expect(aliceList?[0]?["owner"] == .string("\(Self.issuer)|alice"))
        #expect(aliceList?[1] == nil)
        let bobList = try call(mock, "query", "mine:list", token: bob).json["value"]
        #expect(bobList?[0]?["owner"] == .string("\(Self.issuer)|bob"))
        #expect(bobList?[1] == nil)
        // Bob cannot read, change or delete Alice's document: to him it does not exist.
        #expect(try call(mock, "query", "mine:get", #"{"id": "\#(aliceId)"}"#, token: bob).bodyText == #"{"status":"success","value":null}"#)
        let patch = try call(mock, "mutation", "mine:patch", #"{"id": "\#(aliceId)", "text": "mine now"}"#, token: bob)
        #expect(patch.textWithoutRequestId == #"{"status":"error","errorMessage":"[Request ID: X] Server Error\nUncaught Error: Update on nonexistent document ID \#(aliceId)\n    at handler (../convex/mine.ts:1:1)\n"}"#)
        let remove = try call(mock, "mutation", "mine:remove", #"{"id": "\#(aliceId)"}"#, token: bob)
        #expect(remove.textWithoutRequestId.contains("Delete on nonexistent document ID \(aliceId)"))
        #expect(try call(mock, "query", "mine:get", #"{"id": "\#(aliceId)"}"#, token: alice).json["value"]?["text"] == .string("a"))
    }

    @Test func authRequiredRefusesAnAnonymousCallAsAnAppWould() throws {
        let mock = try ControlInProcess(config: Self.config)
        for path in ["open:hello", "mine:list"] {
            let response = try call(mock, "query", path, token: nil)
            #expect(response.status == 200)
            #expect(response.textWithoutRequestId == #"{"status":"error","errorMessage":"[Request ID: X] Server Error\nUncaught Error: Unauthenticated\n    at handler (../convex/\#(path.split(separator: ":")[0]).ts:1:1)\n"}"#)
        }
        let token = try token(mock, #"{"subject": "alice"}"#)
        #expect(try call(mock, "query", "open:hello", token: token).bodyText == #"{"status":"success","value":"hi"}"#)
    }

    @Test func aNegativeLifetimeMakesAnExpiredToken() throws {
        // A fixed clock: on the wall clock, signing and checking can fall in two seconds.
        let mock = try ControlInProcess(config: Self.config, clock: { 1_750_000_000 })
        let token = try token(mock, #"{"subject": "alice", "expiresInSeconds": -60}"#)
        let response = try call(mock, "query", "me:who", token: token)
        #expect(response.status == 401)
        #expect(response.bodyText == #"{"code":"InvalidAuthHeader","message":"Could not validate token: Token expired 60 seconds ago"}"#)
    }

    @Test(arguments: [
        ("[]", "The body must be a JSON object: {\\\"subject\\\": \\\"alice\\\", \\\"claims\\\": {...}, \\\"expiresInSeconds\\\": 3600}"),
        (#"{}"#, "\\\"subject\\\" must be a non-empty string: the user's id, which becomes the token's sub"),
        (#"{"subject": "a", "claims": {"iss": "x"}}"#, "\\\"claims\\\" cannot set \\\"iss\\\": the issuer is mockconvex's own and the subject is \\\"subject\\\""),
        (#"{"subject": "a", "expiresInSeconds": 1e300}"#, "\\\"expiresInSeconds\\\" must be a whole number of seconds from -315360000 to 315360000 (negative makes an expired token)"),
        (#"{"subject": "a", "ttl": 5}"#, "Unknown field \\\"ttl\\\"; the fields are subject, claims and expiresInSeconds"),
    ])
    func badTokenRequestsAreRefused(body: String, message: String) throws {
        let response = try ControlInProcess().call(.POST, "/_mock/auth/token", body)
        #expect(response.status == 400)
        #expect(response.bodyText == #"{"code":"InvalidTokenRequest","message":"\#(message)"}"#)
    }

    @Test func itsJWKSAndDiscoveryArePublicBehindAControlToken() throws {
        var options = ControlAPI.Options()
        options.token = "s3cret"
        let mock = try ControlInProcess(config: Self.config, options: options)
        #expect(try mock.call(.POST, "/_mock/auth/token", #"{"subject": "a"}"#).status == 401)
        let discovery = try mock.call(.GET, "/_mock/auth/.well-known/openid-configuration")
        #expect(discovery.status == 200)
        #expect(discovery.bodyText == #"{"issuer":"\#(Self.issuer)","jwks_uri":"\#(Self.issuer)/jwks.json","response_types_supported":["id_token"],"subject_types_supported":["public"],"id_token_signing_alg_values_supported":["RS256"]}"#)
        let jwks = try mock.call(.GET, "/_mock/auth/jwks.json")
        #expect(jwks.status == 200)
        let key = try #require(try jwks.json["keys"]?[0])
        #expect(key["kty"] == .string("RSA"))
        #expect(key["alg"] == .string("RS256"))
        #expect(key["d"] == nil)
        // A token it signs names that key.
        let token = try #require(try mock.call(.POST, "/_mock/auth/token", #"{"subject": "a"}"#, headers: ["Authorization": "Bearer s3cret"]).json["token"]?.stringValue)
        let header = try #require(Base64URL.decode(Array(token.split(separator: ".")[0].utf8)[...]))
        #expect(try JSONReader.parse(header)["kid"] == key["kid"])
    }

    @Test func withoutTheControlAPIItsTokensAreRefused() throws {
        let issuing = try ControlInProcess(config: Self.config)
        let token = try token(issuing, #"{"subject": "alice"}"#)
        let mock = try InProcess(config: Self.config) { $0.testIssuerEnabled = false }
        let response = try mock.post("/api/query", #"{"path":"me:who","args":{}}"#, headers: ["Authorization": "Bearer \(token)"])
        #expect(response.status == 401)
        #expect(response.bodyText == #"{"code":"NoAuthProvider","message":"No auth provider found matching the given token (no providers configured). Check convex/auth.config.ts."}"#)
    }

    @Test func anHTTPActionGetsTheIdentityFromTheAuthorizationHeader() throws {
        let mock = try ControlInProcess(config: Self.config)
        let token = try token(mock, #"{"subject": "alice"}"#)
        let signedIn = try #require(try mock.site(.GET, "/whoami", headers: ["Authorization": "Bearer \(token)"]).response)
        #expect(signedIn.status == 200)
        #expect(signedIn.headers["content-type"] == "application/json")
        #expect(signedIn.bodyText == #"{"issuer":"\#(Self.issuer)","subject":"alice","tokenIdentifier":"\#(Self.issuer)|alice"}"#)
        #expect(try mock.site(.GET, "/whoami").response?.bodyText == "null")
        let bad = try #require(try mock.site(.GET, "/whoami", headers: ["Authorization": "Bearer x.y.z"]).response)
        #expect(bad.status == 500)
        #expect(bad.bodyText.contains("Server Error: Uncaught Error: Could not parse JWT payload."))
    }
}
