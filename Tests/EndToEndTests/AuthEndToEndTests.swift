import Foundation
import Testing
import TestSupport

/// Signed-in users against the real binary: an OIDC provider served on loopback by a test
/// server (discovery, JWKS, a key rotation, then gone), and the real clients signing in with
/// set_auth / setAuth, with a customJwt provider's RS256 token and the test issuer's.
@Suite(.timeLimit(.minutes(3))) struct AuthEndToEndTests {
    static let functions = """
        "functions": {"me:who": {"type": "query", "identity": true},
                      "mine:add": {"type": "mutation", "insert": "items", "ownerField": "owner", "auth": "required"},
                      "mine:list": {"type": "query", "list": "items", "ownerField": "owner", "auth": "required"}}
        """

    private static func write(_ text: String, to path: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    private static func who(_ token: String, port: Int) throws -> RawHTTP.Response {
        try RawHTTP.post("/api/query", port: port, json: #"{"path":"me:who","args":{}}"#, headers: [("Authorization", "Bearer \(token)")])
    }

    @Test func anOIDCProviderOnLoopbackValidatesTokensThroughKeyRotation() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let provider = try ClientScript.python("oidc_provider.py", [directory])
        defer { provider.stop() }
        let port = try #require(provider.step("listening")?["port"] as? Int, "\(provider.transcript)")
        let issuer = "http://127.0.0.1:\(port)"
        let first = try TestSigningKey(.RS256, keyID: "first")
        let second = try TestSigningKey(.RS256, keyID: "second")
        try Self.write(#"{"issuer":"\#(issuer)","jwks_uri":"\#(issuer)/jwks.json"}"#, to: directory + "/openid-configuration.json")
        try Self.write(TestSigningKey.jwks([first]), to: directory + "/jwks.json")
        let config = try Fixtures.temporaryFile("""
            {"auth": {"providers": [{"domain": "\(issuer)", "applicationID": "convex"}]}, \(Self.functions)}
            """)
        defer { try? FileManager.default.removeItem(atPath: config) }
        let server = try MockConvexProcess(["--config", config, "--port", "0", "--site-proxy-port", "0", "--no-port80"])
        defer { server.stop() }
        let admin = try server.port("admin")
        let now = Int64(Date().timeIntervalSince1970)
        func claims(exp: Int64 = now + 600) -> String {
            #"{"iss":"\#(issuer)","sub":"u1","aud":"convex","iat":\#(now),"exp":\#(exp),"name":"Ada","email":"ada@example.com","email_verified":true,"picture":"https://p.example/a.png","updated_at":0,"org":"acme"}"#
        }

        let valid = try Self.who(try first.sign(claims()), port: admin)
        #expect(valid.status == 200)
        #expect(valid.text == #"{"status":"success","value":{"email":"ada@example.com","emailVerified":true,"issuer":"\#(issuer)","name":"Ada","org":"acme","pictureUrl":"https://p.example/a.png","subject":"u1","tokenIdentifier":"\#(issuer)|u1","updatedAt":"1970-01-01T00:00:00+00:00"}}"#)

        // The provider rotates to a new key: a token with the new kid makes mockconvex fetch
        // the JWKS again; the old key is gone with it.
        try Self.write(TestSigningKey.jwks([second]), to: directory + "/jwks.json")
        #expect(try Self.who(try second.sign(claims()), port: admin).status == 200)
        let unverified = #"{"code":"Unauthenticated","message":"Could not verify OIDC token claim. Check that the token signature is valid and the token hasn't expired."}"#
        let old = try Self.who(try first.sign(claims()), port: admin)
        #expect(old.status == 401)
        #expect(old.text == unverified)
        let expired = try Self.who(try second.sign(claims(exp: now - 60)), port: admin)
        #expect(expired.status == 401)
        #expect(expired.text == unverified)

        // Gone: a token that needs the keys again fails at once, and the server keeps serving.
        provider.stop()
        let third = try TestSigningKey(.RS256, keyID: "third")
        let started = Date()
        let gone = try Self.who(try third.sign(claims()), port: admin)
        #expect(Date().timeIntervalSince(started) < 15)
        #expect(gone.status == 400)
        #expect(gone.text == #"{"code":"AuthProviderDiscoveryFailed","message":"Auth provider discovery of \#(issuer) failed"}"#)
        #expect(try Self.who(try second.sign(claims()), port: admin).status == 200)
    }

    @Test func aCustomJWTProviderFetchesItsJWKSOverHTTPAndSaysWhyNot() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let provider = try ClientScript.python("oidc_provider.py", [directory])
        defer { provider.stop() }
        let port = try #require(provider.step("listening")?["port"] as? Int, "\(provider.transcript)")
        let key = try TestSigningKey(.ES256, keyID: "es")
        try Self.write(TestSigningKey.jwks([key]), to: directory + "/jwks.json")
        let missing = "http://127.0.0.1:\(port)/missing.json"
        let config = try Fixtures.temporaryFile("""
            {"auth": {"providers": [
               {"type": "customJwt", "issuer": "https://good.test", "jwks": "http://127.0.0.1:\(port)/jwks.json", "algorithm": "ES256"},
               {"type": "customJwt", "issuer": "https://missing.test", "jwks": "\(missing)", "algorithm": "ES256"}]}, \(Self.functions)}
            """)
        defer { try? FileManager.default.removeItem(atPath: config) }
        let server = try MockConvexProcess(["--config", config, "--port", "0", "--site-proxy-port", "0", "--no-port80"])
        defer { server.stop() }
        let admin = try server.port("admin")
        let now = Int64(Date().timeIntervalSince1970)
        let good = try Self.who(try key.sign(#"{"iss":"https://good.test","sub":"e","iat":\#(now),"exp":\#(now + 600)}"#), port: admin)
        #expect(good.status == 200)
        #expect(good.text == #"{"status":"success","value":{"issuer":"https://good.test","subject":"e","tokenIdentifier":"https://good.test|e"}}"#)
        let bad = try Self.who(try key.sign(#"{"iss":"https://missing.test","sub":"e","iat":\#(now),"exp":\#(now + 600)}"#), port: admin)
        #expect(bad.status == 401)
        #expect(bad.text == #"{"code":"InvalidAuthHeader","message":"Could not fetch JWKS from URL '\#(missing)': HTTP 404 Not Found. Check that the URL is correct and accessible."}"#)
    }

    @Test func aProviderThatNeverAnswersHoldsARequestNoLongerThanTheRequestTimeout() throws {
        let silent = try Sockets.listen()
        defer { close(silent.fd) }
        let config = try Fixtures.temporaryFile("""
            {"auth": {"providers": [{"domain": "http://127.0.0.1:\(silent.port)", "applicationID": "convex"}]}, \(Self.functions)}
            """)
        defer { try? FileManager.default.removeItem(atPath: config) }
        let server = try MockConvexProcess(["--config", config, "--port", "0", "--site-proxy-port", "0", "--no-port80", "--request-timeout", "2"])
        defer { server.stop() }
        let admin = try server.port("admin")
        let key = try TestSigningKey(.RS256, keyID: "k")
        let now = Int64(Date().timeIntervalSince1970)
        let token = try key.sign(#"{"iss":"http://127.0.0.1:\#(silent.port)","sub":"u","aud":"convex","iat":\#(now),"exp":\#(now + 600)}"#)
        let started = Date()
        let answer = try Self.who(token, port: admin)
        #expect(answer.status == 408)
        #expect(Date().timeIntervalSince(started) < 8)
        // The server serves on meanwhile.
        #expect(try RawHTTP.get("/version", port: admin).status == 200)
    }

    @Test func theTestIssuersKeyOutlivesARestartInTheDataDirectory() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let config = try Fixtures.temporaryFile("{\(Self.functions)}")
        defer { try? FileManager.default.removeItem(atPath: config) }
        let arguments = ["--config", config, "--port", "0", "--site-proxy-port", "0", "--no-port80", "--data-dir", directory]
        let first = try MockConvexProcess(arguments)
        let issued = try RawHTTP.post("/_mock/auth/token", port: try first.port("admin"), json: #"{"subject": "dora"}"#)
        #expect(first.stop() == 0)
        let token = try #require((try JSONSerialization.jsonObject(with: Data(issued.body)) as? [String: Any])?["token"] as? String)
        let keyFile = directory + "/auth-test-issuer-key.pem"
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: keyFile)[.posixPermissions] as? Int)
        #expect(mode == 0o600)

        let second = try MockConvexProcess(arguments)
        defer { second.stop() }
        let answer = try Self.who(token, port: try second.port("admin"))
        #expect(answer.status == 200)
        #expect(answer.text.contains(#""tokenIdentifier":"http://127.0.0.1/_mock/auth|dora""#))
    }

    @Test func thePythonClientSignsInWithACustomJWTAndATestIssuerToken() throws {
        let key = try TestSigningKey(.RS256, keyID: "py")
        let config = try Fixtures.temporaryFile("""
            {"auth": {"providers": [{"type": "customJwt", "issuer": "https://issuer.test", "jwks": "\(TestSigningKey.dataURI([key]))", "algorithm": "RS256", "applicationID": "my-app"}]}, \(Self.functions)}
            """)
        defer { try? FileManager.default.removeItem(atPath: config) }
        let server = try MockConvexProcess(["--config", config, "--port", "0", "--site-proxy-port", "0", "--no-port80"])
        defer { server.stop() }
        let admin = try server.port("admin")
        let now = Int64(Date().timeIntervalSince1970)
        let alice = try key.sign(#"{"iss":"https://issuer.test","sub":"alice","aud":"my-app","iat":\#(now),"exp":\#(now + 600),"name":"Alice"}"#)
        let issued = try RawHTTP.post("/_mock/auth/token", port: admin, json: #"{"subject": "bob"}"#)
        #expect(issued.status == 200)
        let bob = try #require((try JSONSerialization.jsonObject(with: Data(issued.body)) as? [String: Any])?["token"] as? String)

        let script = try ClientScript.python("auth_steps.py", ["http://127.0.0.1:\(admin)", alice, bob])
        defer { script.stop() }
        let aliceIdentity = try #require(script.step("alice")?["value"] as? [String: Any], "\(script.transcript)")
        #expect(aliceIdentity["tokenIdentifier"] as? String == "https://issuer.test|alice")
        #expect(aliceIdentity["name"] as? String == "Alice")
        #expect(script.step("aliceList")?["texts"] as? [String] == ["from alice"])
        #expect((script.step("bob")?["value"] as? [String: Any])?["tokenIdentifier"] as? String == "http://127.0.0.1/_mock/auth|bob")
        #expect(script.step("bobList")?["texts"] as? [String] == [])
        let anonymous = try #require(script.step("anonymous"), "\(script.transcript)")
        #expect(anonymous["raised"] as? Bool == true)
        #expect((anonymous["message"] as? String)?.contains("Uncaught Error: Unauthenticated") == true, "\(anonymous)")
        #expect(script.step("done") != nil, "\(script.transcript)")
    }

    @Test func theJSClientSignsInWithATestIssuerToken() throws {
        let config = try Fixtures.temporaryFile("{\(Self.functions)}")
        defer { try? FileManager.default.removeItem(atPath: config) }
        let server = try MockConvexProcess(["--config", config, "--port", "0", "--site-proxy-port", "0", "--no-port80"])
        defer { server.stop() }
        let admin = try server.port("admin")
        let issued = try RawHTTP.post("/_mock/auth/token", port: admin, json: #"{"subject": "carol", "claims": {"email": "carol@example.com"}}"#)
        let token = try #require((try JSONSerialization.jsonObject(with: Data(issued.body)) as? [String: Any])?["token"] as? String)

        let script = try ClientScript.node("auth_steps.cjs", ["http://127.0.0.1:\(admin)", token])
        defer { script.stop() }
        #expect(script.step("authenticated")?["value"] as? Bool == true, "\(script.transcript)")
        let who = try #require(script.step("who")?["value"] as? [String: Any], "\(script.transcript)")
        #expect(who["tokenIdentifier"] as? String == "http://127.0.0.1/_mock/auth|carol")
        #expect(who["email"] as? String == "carol@example.com")
        #expect(script.step("list")?["texts"] as? [String] == ["from js"])
        #expect(script.step("done") != nil, "\(script.transcript)")
    }
}
