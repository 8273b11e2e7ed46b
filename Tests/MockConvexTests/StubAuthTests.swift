import EventHTTP
import Foundation
@testable import MockConvex
import Testing
import TestSupport

/// Stubs with signed-in users: `"auth": "required"` refuses before a case is tried or a
/// sequence entry taken, and a case may answer with the caller's identity.
@Suite(.timeLimit(.minutes(1))) struct StubAuthTests {
    static let config = """
        {"auth": {"providers": [{"type": "customJwt", "issuer": "\(UserTokenTests.issuer)", "jwks": "\(TestSigningKey.dataURI([UserTokenTests.rsa]))", "algorithm": "RS256", "applicationID": "my-app"}]},
         "functions": {
           "jobs:mine": {"type": "query", "auth": "required", "sequence": [{"returns": "first"}, {"returns": "second"}]},
           "me:who": {"type": "query", "cases": [{"args": {"full": true}, "identity": true}], "returns": "hidden"}
         }}
        """

    @Test func anUnauthenticatedCallFailsWithoutTakingAnEntry() throws {
        let mock = try InProcess(config: Self.config, clock: { UserTokenTests.now })
        let token = try UserTokenTests.rsa.sign(UserTokenTests.claims())
        let refused = try mock.post("/api/query", #"{"path":"jobs:mine","args":{}}"#)
        #expect(try refused.json["errorMessage"]?.stringValue?.contains("Uncaught Error: Unauthenticated\n") == true, "\(refused.bodyText)")
        let first = try mock.post("/api/query", #"{"path":"jobs:mine","args":{}}"#, headers: ["Authorization": "Bearer \(token)"])
        #expect(first.bodyText == #"{"status":"success","value":"first"}"#)
    }

    @Test func aCaseAnswersWithTheSignedInCallersIdentity() throws {
        let mock = try InProcess(config: Self.config, clock: { UserTokenTests.now })
        let token = try UserTokenTests.rsa.sign(UserTokenTests.claims())
        let who = try mock.post("/api/query", #"{"path":"me:who","args":{"full":true}}"#, headers: ["Authorization": "Bearer \(token)"])
        #expect(try who.json["value"]?["tokenIdentifier"] == .string("https://issuer.test|alice"), "\(who.bodyText)")
        let hidden = try mock.post("/api/query", #"{"path":"me:who","args":{}}"#, headers: ["Authorization": "Bearer \(token)"])
        #expect(hidden.bodyText == #"{"status":"success","value":"hidden"}"#)
    }
}
