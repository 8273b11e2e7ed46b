import EventHTTP
import Foundation
@testable import MockConvex
import Testing
import TestSupport

/// Review: a sync session's user token once its `exp` has passed.
@Suite(.timeLimit(.minutes(1))) struct SyncTokenExpiryReviewTests {
    static let rsa = try! TestSigningKey(.RS256, keyID: "review-1")
    static let now: Int64 = 1_750_000_000

    /// The backend's sync worker checks the session's user identity before every mutation,
    /// action and query update (`SyncState::identity`): once the token's `exp` has passed it
    /// fails with `TokenExpired` ("Convex token identity expired"), an `AuthError`, and the
    /// socket closes. A session signed in must not go on writing as that user for ever.
    @Test func aSyncSessionWhoseTokenExpiredRunsNothingMoreAsThatUser() throws {
        let now = Locked<Int64>(Self.now)
        let config = """
            {"auth": {"providers": [{"type": "customJwt", "issuer": "https://issuer.test", "jwks": "\(TestSigningKey.dataURI([Self.rsa]))", "algorithm": "RS256"}]},
             "functions": {"mine:add": {"type": "mutation", "insert": "items", "ownerField": "owner", "auth": "required"}}}
            """
        let mock = try InProcess(config: config, clock: { now.withLock { $0 } })
        let hub = SyncHub(deployment: mock.deployment, loop: mock.loop)
        let connection = RecordingConnection()
        let session = SyncSession(id: 1, connection: connection, deployment: mock.deployment, loop: mock.loop, clientVersion: .unknown)
        hub.add(session)
        func frames(_ count: Int) -> [String] {
            let deadline = Date().addingTimeInterval(5)
            while connection.frames.count < count && !session.isClosed && Date() < deadline {
                let loop = mock.loop
                loop.schedule(after: .milliseconds(2)) { loop.stop() }
                loop.run()
            }
            return connection.frames
        }
        let token = try Self.rsa.sign(#"{"iss":"https://issuer.test","sub":"alice","iat":\#(Self.now),"exp":\#(Self.now + 60)}"#)
        session.received(text: Array(#"{"type":"Authenticate","baseVersion":0,"tokenType":"User","value":"\#(token)"}"#.utf8))
        session.received(text: Array(#"{"type":"Mutation","requestId":0,"udfPath":"mine:add","args":[{"text":"in time"}]}"#.utf8))
        let first = frames(1)
        #expect(first.first?.contains(#""type":"MutationResponse""#) == true && first.first?.contains(#""success":true"#) == true, "\(first)")
        // An hour later the token is long expired; the session still believes in it.
        now.withLock { $0 = Self.now + 3600 }
        session.received(text: Array(#"{"type":"Mutation","requestId":1,"udfPath":"mine:add","args":[{"text":"too late"}]}"#.utf8))
        let later = frames(first.count + 1)
        let texts = mock.deployment.snapshot().list("items").map { $0.fields["text"] }
        #expect(texts == [.string("in time")], "a mutation ran after the token expired: \(later)")
        #expect(later.last?.contains(#""type":"AuthError""#) == true, "\(later)")
        #expect(later.last?.contains("Convex token identity expired") == true, "\(later)")
        #expect(session.isClosed)
    }
}
