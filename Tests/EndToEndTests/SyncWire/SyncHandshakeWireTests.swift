import Foundation
import Testing
import TestSupport

/// The upgrade to the sync protocol against the real binary, byte for byte: the 101 on every
/// sync path and through port 80, the backend's 400 for each handshake error, 405, the version
/// checks, and 404 (empty) for paths that only look like sync paths (sync-protocol.md §1).
@Suite(.timeLimit(.minutes(2))) struct SyncHandshakeWireTests {
    /// The backend's CORS layer wraps the sync routes too: these come on every answer.
    static let corsHeaders = "vary: origin, access-control-request-method, access-control-request-headers\r\naccess-control-allow-credentials: true\r\n"

    static let upgradeHeaders = [("Upgrade", "websocket"), ("Connection", "Upgrade"), ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="), ("Sec-WebSocket-Version", "13")]

    static func head101(key: String) -> String {
        "HTTP/1.1 101 Switching Protocols\r\nconnection: upgrade\r\nupgrade: websocket\r\nsec-websocket-accept: \(WebSocketClient.accept(forKey: key))\r\n" + corsHeaders + "\r\n"
    }

    @Test(arguments: [("admin", "/api/sync"), ("admin", "/api/1.45.0/sync"), ("port80", "/api/sync"), ("port80", "/api/1.45.0/sync")])
    func theUpgradeIsA101WithTheAcceptKey(listener: String, path: String) throws {
        let server = try SyncWireServer()
        let key = "dGhlIHNhbXBsZSBub25jZQ=="
        let socket = try WebSocketClient(port: try server.port(listener), path: path, key: key)
        #expect(socket.head == Self.head101(key: key))
        // RFC 6455 §1.3's own example.
        #expect(WebSocketClient.accept(forKey: key) == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
        // The session is served there.
        let client = try SyncWireClient(port: try server.port(listener), path: path)
        try client.send(SyncWireClient.addQuery(base: 0, queryId: 0, path: "app:version"))
        try client.expectText(Wire.transition(from: (0, 0, Wire.zero), to: (1, 0, Wire.ts), Wire.updated(0, #""1.2.3""#, logLines: #""[LOG] 'serving version'""#), skew: "null"))
        try client.close()
    }

    @Test func aBrowserOriginIsAnsweredAsTheBackendsCORSLayerAnswersIt() throws {
        let server = try SyncWireServer()
        let key = WebSocketClient.makeKey()
        let socket = try WebSocketClient(port: server.admin, path: "/api/1.45.0/sync", key: key, headers: [("Origin", "http://localhost:5173")])
        #expect(socket.head == Self.head101(key: key).replacingOccurrences(of: "\r\n\r\n", with: "\r\naccess-control-allow-origin: http://localhost:5173\r\n\r\n"))
    }

    static let handshakeErrors: [(String, [(String, String)], String)] = [
        ("no Connection: upgrade", [("Upgrade", "websocket"), ("Sec-WebSocket-Key", "a"), ("Sec-WebSocket-Version", "13")],
         #"{"code":"InvalidConnectionHeader","message":"Connection header did not include upgrade"}"#),
        ("Connection: keep-alive", [("Connection", "keep-alive"), ("Upgrade", "websocket"), ("Sec-WebSocket-Key", "a"), ("Sec-WebSocket-Version", "13")],
         #"{"code":"InvalidConnectionHeader","message":"Connection header did not include upgrade"}"#),
        ("no Upgrade", [("Connection", "Upgrade"), ("Sec-WebSocket-Key", "a"), ("Sec-WebSocket-Version", "13")],
         #"{"code":"InvalidUpgradeHeader","message":"Upgrade header did not include websocket"}"#),
        ("Upgrade: h2c", [("Connection", "Upgrade"), ("Upgrade", "h2c"), ("Sec-WebSocket-Key", "a"), ("Sec-WebSocket-Version", "13")],
         #"{"code":"InvalidUpgradeHeader","message":"Upgrade header did not include websocket"}"#),
        ("no Sec-WebSocket-Key", [("Connection", "Upgrade"), ("Upgrade", "websocket"), ("Sec-WebSocket-Version", "13")],
         #"{"code":"WebSocketKeyHeaderMissing","message":"Sec-WebSocket-Key header missing"}"#),
        ("Sec-WebSocket-Version 8", [("Connection", "Upgrade"), ("Upgrade", "websocket"), ("Sec-WebSocket-Key", "a"), ("Sec-WebSocket-Version", "8")],
         #"{"code":"InvalidWebSocketVersionHeader","message":"Sec-WebSocket-Version header did not include 13"}"#),
        ("no Sec-WebSocket-Version", [("Connection", "Upgrade"), ("Upgrade", "websocket"), ("Sec-WebSocket-Key", "a")],
         #"{"code":"InvalidWebSocketVersionHeader","message":"Sec-WebSocket-Version header did not include 13"}"#),
    ]

    @Test(arguments: handshakeErrors)
    func eachHandshakeErrorIsTheBackends400(name: String, headers: [(String, String)], body: String) throws {
        let server = try SyncWireServer()
        for path in ["/api/sync", "/api/1.45.0/sync"] {
            let response = try RawHTTP.send("GET", path, port: server.admin, headers: headers)
            #expect(response.status == 400, "\(name) on \(path)")
            #expect(response.header("Content-Type") == "application/json")
            #expect(response.text == body, "\(name) on \(path)")
        }
        try Self.expectStillUpgrading(server)
    }

    @Test func headIsMethodNotGetAndPostIs405() throws {
        let server = try SyncWireServer()
        let head = try RawHTTP.send("HEAD", "/api/sync", port: server.admin, headers: Self.upgradeHeaders)
        #expect(head.status == 400)
        // A HEAD answer has no body: its length is the MethodNotGet body's.
        #expect(head.header("Content-Length") == String(#"{"code":"MethodNotGet","message":"Request method must be GET"}"#.utf8.count))
        #expect(head.header("Content-Type") == "application/json")
        let post = try RawHTTP.send("POST", "/api/sync", port: server.admin, headers: Self.upgradeHeaders)
        #expect(post.status == 405)
        #expect(post.header("Allow") == "GET,HEAD")
        #expect(post.body.isEmpty)
        try Self.expectStillUpgrading(server)
    }

    @Test func theClientVersionIsCheckedAsTheBackendChecksIt() throws {
        let server = try SyncWireServer()
        let invalid = try RawHTTP.send("GET", "/api/notaversion/sync", port: server.admin, headers: Self.upgradeHeaders)
        #expect(invalid.status == 400)
        #expect(invalid.text == #"{"code":"InvalidVersion","message":"Failed to parse client version: notaversion is not a semantic version"}"#)

        let old = try RawHTTP.send("GET", "/api/0.19.0/sync", port: server.admin, headers: Self.upgradeHeaders)
        let message = "The Convex npm package at version 0.19.0 is no longer supported. Update your Convex npm version with `npx convex update` or `npm update`."
        #expect(old.status == 400)
        #expect(old.header("x-convex-deprecation-state") == "Unsupported")
        #expect(old.header("x-convex-deprecation-message") == message)
        #expect(old.text == #"{"code":"ClientVersionUnsupported","message":"\#(message)"}"#)
        // The threshold itself is refused too (the backend's `below_threshold` is `<=`); the
        // next patch is the oldest supported npm version.
        let threshold = try RawHTTP.send("GET", "/api/0.19.1/sync", port: server.admin, headers: Self.upgradeHeaders)
        #expect(threshold.status == 400)
        #expect(threshold.header("x-convex-deprecation-state") == "Unsupported")
        let oldest = try WebSocketClient(port: server.admin, path: "/api/0.19.2/sync")
        #expect(oldest.head.hasPrefix("HTTP/1.1 101 "))
        // A version segment that is not one, even `sync`, is the route's 400, not a 404.
        let named = try RawHTTP.send("GET", "/api/sync/sync", port: server.admin, headers: Self.upgradeHeaders)
        #expect(named.status == 400)
        #expect(named.text == #"{"code":"InvalidVersion","message":"Failed to parse client version: sync is not a semantic version"}"#)

        // A Convex-Client header goes first, and must name a client and a version.
        let header = try RawHTTP.send("GET", "/api/sync", port: server.admin, headers: Self.upgradeHeaders + [("Convex-Client", "python")])
        #expect(header.status == 400)
        #expect(header.text == #"{"code":"InvalidClientVersion","message":"Failed to parse client version string: 'python'. Expected format is {client_name}-{semver}, e.g. my-esolang-client-0.0.1"}"#)
        let python = try WebSocketClient(port: server.admin, path: "/api/sync", headers: [("Convex-Client", "python-0.8.1")])
        #expect(python.head.hasPrefix("HTTP/1.1 101 "))
        try Self.expectStillUpgrading(server)
    }

    @Test(arguments: ["/api/sync/", "/api/1.0.0/sync/x", "/api//sync", "/api/v1/sync/extra", "/sync", "/api/1.45.0/syncs"])
    func pathsThatOnlyLookLikeSyncAre404WithAnEmptyBody(path: String) throws {
        let server = try SyncWireServer()
        let response = try RawHTTP.send("GET", path, port: server.admin, headers: Self.upgradeHeaders)
        #expect(response.status == 404)
        #expect(response.body.isEmpty)
        #expect(response.header("Content-Length") == "0")
    }

    @Test func aStatusFaultOnTheSyncPathRefusesTheUpgrade() throws {
        let server = try SyncWireServer()
        let added = try server.call("POST", "/_mock/faults", json: #"{"path":"/api/sync","kind":"status","status":503,"body":{"code":"Overloaded","message":"try later"},"times":1}"#)
        #expect(added.status == 201)
        let refused = try RawHTTP.send("GET", "/api/sync", port: server.admin, headers: Self.upgradeHeaders)
        #expect(refused.status == 503)
        #expect(refused.text == #"{"code":"Overloaded","message":"try later"}"#)
        // Once only: the next upgrade goes through, and the fault is gone.
        try Self.expectStillUpgrading(server)
        #expect(try server.call("GET", "/_mock/faults").text == #"{"faults":[]}"#)
    }

    /// A new session still upgrades and is served.
    static func expectStillUpgrading(_ server: SyncWireServer) throws {
        let client = try server.client()
        try client.send(SyncWireClient.addQuery(base: 0, queryId: 0, path: "app:version"))
        try client.expectText(Wire.transition(from: (0, 0, Wire.zero), to: (1, 0, Wire.ts), Wire.updated(0, #""1.2.3""#, logLines: #""[LOG] 'serving version'""#), skew: "null"))
        try client.close()
    }
}
