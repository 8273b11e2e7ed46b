import EventHTTP
import Foundation
@testable import MockConvex
import Testing
import TestSupport

/// A provider's keys fetched from a URL are fetched again once older than the JWKS answer's
/// `Cache-Control: max-age` (at most a day; an hour without one), so a key the provider
/// withdrew stops verifying tokens even when no token names a new kid. Time is the
/// deployment's clock, moved by hand.
@Suite(.timeLimit(.minutes(1))) struct KeyLifetimeTests {
    static let start: Int64 = 1_800_000_000

    @Test(arguments: [
        (nil, 3600), ("max-age=60", 60), ("public, max-age=120", 120), ("max-age = 30", 30), ("max-age=0", 0),
        ("max-age=86401", 86400), ("max-age=99999999999999999999", 86400), ("max-age=\"60\"", 3600), ("no-store", 3600), ("max-age=-5", 3600),
    ] as [(String?, Int64)])
    func theLifetimeIsTheAnswersMaxAgeWithinADay(cacheControl: String?, seconds: Int64) {
        #expect(KeyLifetime.seconds(cacheControl: cacheControl) == seconds)
    }

    /// The same kid with another key: only a fetch after the lifetime learns of it.
    @Test(arguments: [("max-age=60", 60), (nil, 3600)] as [(String?, Int64)])
    func keysAreFetchedAgainOnceTheirLifetimeHasPassed(cacheControl: String?, lifetime: Int64) throws {
        let first = try TestSigningKey(.RS256, keyID: "k")
        let second = try TestSigningKey(.RS256, keyID: "k")
        let served = Guarded((jwks: TestSigningKey.jwks([first]), fetches: 0))
        let server = HTTPServer(listeners: [HTTPServer.Listener(name: "jwks", host: "127.0.0.1", port: 0) { _ in
            HandlerFunction { _, responder in
                let jwks = served.withLock { state in
                    state.fetches += 1
                    return state.jwks
                }
                var headers: HTTPHeaders = ["Content-Type": "application/json"]
                if let cacheControl { headers.add("Cache-Control", cacheControl) }
                responder.send(HTTPResponse(status: 200, headers: headers, body: Array(jwks.utf8)))
            }
        }])
        try server.start()
        defer {
            server.shutdown(grace: .milliseconds(100))
            server.wait()
        }
        let port = try #require(server.status(of: "jwks")).port
        let clock = ManualClock(Self.start)
        let mock = try InProcess(config: """
            {"auth": {"providers": [{"type": "customJwt", "issuer": "https://issuer.test", "jwks": "http://127.0.0.1:\(port)/jwks.json", "algorithm": "RS256"}]},
             "functions": {"me:who": {"type": "query", "identity": true}}}
            """, clock: clock.function)
        func who(_ key: TestSigningKey) throws -> Int {
            let token = try key.sign(#"{"iss":"https://issuer.test","sub":"alice","iat":\#(Self.start),"exp":\#(Self.start + 100_000)}"#)
            return try mock.post("/api/query", #"{"path":"me:who","args":{}}"#, headers: ["Authorization": "Bearer \(token)"]).status
        }

        #expect(try who(first) == 200)
        served.withLock { $0.jwks = TestSigningKey.jwks([second]) }
        clock.set(Self.start + lifetime - 1)
        #expect(try who(second) == 401)
        #expect(served.withLock { $0.fetches } == 1)
        clock.set(Self.start + lifetime)
        #expect(try who(second) == 200)
        #expect(try who(first) == 401)
        #expect(served.withLock { $0.fetches } == 2)
    }
}
