import EventHTTP
import Foundation
@testable import MockConvex
import Testing
import TestSupport

/// User tokens in the sync protocol's `Authenticate`: the identity reaches queries and
/// mutations, messages sent right behind the token wait for it, and a bad token is the
/// backend's `AuthError`.
@Suite(.timeLimit(.minutes(1))) struct SyncUserTokenTests {
    static let key = try! TestSigningKey(.RS256, keyID: "sync-1")
    static let config = """
        {"auth": {"providers": [{"type": "customJwt", "issuer": "https://issuer.test", "jwks": "\(TestSigningKey.dataURI([key]))", "algorithm": "RS256"}]},
         "functions": {"me:who": {"type": "query", "identity": true},
                       "mine:add": {"type": "mutation", "insert": "items", "ownerField": "owner", "auth": "required"}}}
        """

    static func token(sub: String = "alice", exp: Int64 = Int64(Date().timeIntervalSince1970) + 3600) throws -> String {
        try key.sign(#"{"iss":"https://issuer.test","sub":"\#(sub)","iat":\#(Int64(Date().timeIntervalSince1970)),"exp":\#(exp)}"#)
    }

    @Test func messagesBehindAUserTokenRunAsThatUser() throws {
        let harness = try SyncSessionTests.Harness(config: Self.config)
        let (session, connection) = harness.session()
        // The provider's keys are built on first use, after this returns: the query and the
        // mutation must wait for them rather than run anonymously.
        harness.send(session, #"{"type":"Authenticate","baseVersion":0,"tokenType":"User","value":"\#(try Self.token())"}"#)
        harness.send(session, #"{"type":"ModifyQuerySet","baseVersion":0,"newVersion":1,"modifications":[{"type":"Add","queryId":0,"udfPath":"me:who","args":[{}]}]}"#)
        harness.send(session, #"{"type":"Mutation","requestId":0,"udfPath":"mine:add","args":[{"text":"hi"}]}"#)
        // The mutation's response, then one Transition for everything (updates coalesce).
        let frames = harness.frames(connection, count: 2).map { try? JSONReader.parse(Array($0.utf8)) }
        let response = try #require(frames.first { $0?["type"] == .string("MutationResponse") } ?? nil, "\(connection.frames)")
        #expect(response["success"] == .bool(true))
        let transitions = frames.compactMap { $0 }.filter { $0["type"] == .string("Transition") }
        let who = transitions.compactMap { $0["modifications"]?[0]?["value"]?["tokenIdentifier"] }
        #expect(who.first == .string("https://issuer.test|alice"))
        #expect(transitions.allSatisfy { $0["endVersion"]?["identity"] == .number(1) })
    }

    @Test func anExpiredTokenIsAnAuthErrorAndTheSocketCloses() throws {
        let harness = try SyncSessionTests.Harness(config: Self.config)
        let (session, connection) = harness.session()
        let expired = try Self.token(exp: Int64(Date().timeIntervalSince1970) - 3600)
        harness.send(session, #"{"type":"Authenticate","baseVersion":0,"tokenType":"User","value":"\#(expired)"}"#)
        harness.send(session, #"{"type":"Mutation","requestId":0,"udfPath":"mine:add","args":[{"text":"never"}]}"#)
        let frames = harness.frames(connection, count: 1)
        #expect(frames.count == 1)
        #expect(frames.first?.hasPrefix(#"{"type":"AuthError","error":"Could not validate token: Token expired "#) == true)
        #expect(frames.first?.hasSuffix(#" seconds ago","baseVersion":0,"authUpdateAttempted":true}"#) == true)
        #expect(connection.closed?.code == nil)
        #expect(session.isClosed)
        #expect(harness.mock.deployment.snapshot().list("items").isEmpty)
    }
}
