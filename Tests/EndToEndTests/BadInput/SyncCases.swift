import Foundation
import Testing
import TestSupport

/// The sync protocol in the bad-input matrix: upgrade requests the backend refuses (plain HTTP
/// rows), and hostile frames on an upgraded `/api/sync` (`SyncBadInputCase`): malformed JSON,
/// unknown message types, version mismatches, binary, oversized, unmasked and fragmented frames.
extension BadInputCase {
    static let upgrade = [("Upgrade", "websocket"), ("Connection", "Upgrade"), ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="), ("Sec-WebSocket-Version", "13")]

    static let syncUpgrades: [BadInputCase] = [
        BadInputCase("a sync upgrade without Connection: upgrade", Request.get("/api/sync", headers: upgrade.filter { $0.0 != "Connection" }),
                     400, #"{"code":"InvalidConnectionHeader","message":"Connection header did not include upgrade"}"#),
        BadInputCase("a sync upgrade to h2c", Request.get("/api/sync", headers: upgrade.map { $0.0 == "Upgrade" ? ("Upgrade", "h2c") : $0 }),
                     400, #"{"code":"InvalidUpgradeHeader","message":"Upgrade header did not include websocket"}"#),
        BadInputCase("a sync upgrade without a key", Request.get("/api/sync", headers: upgrade.filter { $0.0 != "Sec-WebSocket-Key" }),
                     400, #"{"code":"WebSocketKeyHeaderMissing","message":"Sec-WebSocket-Key header missing"}"#),
        BadInputCase("a sync upgrade of WebSocket version 8", Request.get("/api/1.45.0/sync", headers: upgrade.map { $0.0 == "Sec-WebSocket-Version" ? ($0.0, "8") : $0 }),
                     400, #"{"code":"InvalidWebSocketVersionHeader","message":"Sec-WebSocket-Version header did not include 13"}"#),
        BadInputCase("a sync upgrade by POST", Request.post("/api/sync", "{}", headers: upgrade),
                     405, ""),
        BadInputCase("a sync path version that is not semver", Request.get("/api/1.x/sync", headers: upgrade),
                     400, #"{"code":"InvalidVersion","message":"Failed to parse client version: 1.x is not a semantic version"}"#),
        BadInputCase("an unsupported npm version on the sync path", Request.get("/api/0.1.0/sync", headers: upgrade),
                     400, #"{"code":"ClientVersionUnsupported","message":"The Convex npm package at version 0.1.0 is no longer supported. Update your Convex npm version with `npx convex update` or `npm update`."}"#),
        BadInputCase("a Convex-Client header without a version on the sync path", Request.get("/api/sync", headers: upgrade + [("Convex-Client", "rust")]),
                     400, #"{"code":"InvalidClientVersion","message":"Failed to parse client version string: 'rust'. Expected format is {client_name}-{semver}, e.g. my-esolang-client-0.0.1"}"#),
        BadInputCase("a sync path with a trailing slash", Request.get("/api/sync/", headers: upgrade), 404, ""),
        BadInputCase("a sync path with a segment after it", Request.get("/api/1.0.0/sync/x", headers: upgrade), 404, ""),
    ]
}

/// One hostile sync client: the bytes it sends right after its upgrade (frames, usually
/// masked as clients must), the text frames the server answers (patterns, see `Wire`), and
/// how the server ends the session, if it does.
struct SyncBadInputCase: Sendable, CustomTestStringConvertible {
    enum Ending: Sendable, Equatable {
        /// The server sends a Close with this code and reason (no payload when the code is nil).
        case close(UInt16?, String)
        /// The session stays open: the client closes it itself.
        case open
    }

    let name: String
    let sent: [UInt8]
    let answers: [String]
    let ending: Ending

    init(_ name: String, _ sent: [UInt8], _ answers: [String], _ ending: Ending) {
        self.name = name
        self.sent = sent
        self.answers = answers
        self.ending = ending
    }

    init(_ name: String, text: String, _ answers: [String], _ ending: Ending) {
        self.init(name, Frames.text(text), answers, ending)
    }

    var testDescription: String { name }

    /// Client frames as bytes.
    enum Frames {
        static func text(_ text: String) -> [UInt8] { WebSocketClient.encode(.init(.text, Array(text.utf8))) }

        static func frame(fin: Bool = true, _ opcode: WebSocketClient.Opcode, _ payload: [UInt8], masked: Bool = true) -> [UInt8] {
            WebSocketClient.encode(.init(fin: fin, opcode, payload), mask: masked ? [0x37, 0xfa, 0x21, 0x3d] : nil)
        }

        /// A frame with an opcode RFC 6455 reserves.
        static func reserved(_ opcode: UInt8, _ payload: [UInt8]) -> [UInt8] {
            var frame = WebSocketClient.Frame(.binary, payload)
            frame.opcode = opcode
            return WebSocketClient.encode(frame)
        }
    }

    static func fatal(_ reason: String) -> String {
        #"{"type":"FatalError","error":"Received Invalid JSON on websocket: \#(reason.replacingOccurrences(of: "\"", with: "\\\""))"}"#
    }

    static let internalError = Ending.close(1011, "InternalServerError")
    static let version = Wire.updated(0, #""1.2.3""#, logLines: #""[LOG] 'serving version'""#)
    static let versionQuery = SyncWireClient.addQuery(base: 0, queryId: 0, path: "app:version")
    static let versionAnswer = Wire.transition(from: (0, 0, Wire.zero), to: (1, 0, Wire.ts), version, skew: "null")

    static let all: [SyncBadInputCase] = [
        SyncBadInputCase("sync: truncated JSON", text: "{", [fatal("EOF while parsing an object at line 1 column 1")], .close(nil, "")),
        SyncBadInputCase("sync: not JSON at all", text: "hello", [fatal("expected value at line 1 column 1")], .close(nil, "")),
        SyncBadInputCase("sync: a JSON string", text: #""Connect""#, [fatal(#"invalid type: string "Connect", expected struct ClientMessageJson"#)], .close(nil, "")),
        SyncBadInputCase("sync: no type", text: #"{"sessionId":"x"}"#, [fatal("missing field `type`")], .close(nil, "")),
        SyncBadInputCase("sync: an unknown message type", text: #"{"type":"Subscribe"}"#,
                         [fatal("unknown variant `Subscribe`, expected one of `Connect`, `ModifyQuerySet`, `Mutation`, `Action`, `Authenticate`, `Event`")], .close(nil, "")),
        SyncBadInputCase("sync: a server message type sent back", text: #"{"type":"Transition"}"#,
                         [fatal("unknown variant `Transition`, expected one of `Connect`, `ModifyQuerySet`, `Mutation`, `Action`, `Authenticate`, `Event`")], .close(nil, "")),
        SyncBadInputCase("sync: an unknown modification", text: #"{"type":"ModifyQuerySet","baseVersion":0,"newVersion":1,"modifications":[{"type":"Replace","queryId":0}]}"#,
                         [fatal("unknown variant `Replace`, expected `Add` or `Remove`")], .close(nil, "")),
        SyncBadInputCase("sync: a request id past u32", text: SyncWireClient.mutation(4_294_967_296, "messages:send"),
                         [fatal("invalid type: integer `4294967296`, expected u32")], .close(nil, "")),
        SyncBadInputCase("sync: a maxObservedTimestamp that is not 8 bytes", text: #"{"type":"Connect","sessionId":"\#(SyncWireClient.sessionId)","connectionCount":0,"maxObservedTimestamp":"AAAA"}"#,
                         [fatal("Invalid timestamp AAAA")], .close(nil, "")),
        SyncBadInputCase("sync: a query set version ahead", text: #"{"type":"ModifyQuerySet","baseVersion":7,"newVersion":8,"modifications":[]}"#,
                         [#"{"type":"FatalError","error":"Base version 7 passed up doesn't match the current version 0"}"#], .close(nil, "")),
        // Both in one read: the first one's Transition is not out yet when the second ends the session.
        SyncBadInputCase("sync: a query set version replayed", Frames.text(versionQuery) + Frames.text(versionQuery),
                         [#"{"type":"FatalError","error":"Base version 0 passed up doesn't match the current version 1"}"#], .close(nil, "")),
        SyncBadInputCase("sync: an identity version ahead", text: #"{"type":"Authenticate","baseVersion":3,"tokenType":"None"}"#, [], internalError),
        SyncBadInputCase("sync: a query set version that does not advance", text: #"{"type":"ModifyQuerySet","baseVersion":0,"newVersion":0,"modifications":[]}"#, [], internalError),
        SyncBadInputCase("sync: a binary frame", Frames.frame(.binary, Array(versionQuery.utf8)), [], internalError),
        SyncBadInputCase("sync: a message over the size limit", Frames.text(String(repeating: " ", count: 65537)), [], .close(1009, "")),
        SyncBadInputCase("sync: a message over the limit in fragments",
                         Frames.frame(fin: false, .text, [UInt8](repeating: 0x20, count: 40000)) + Frames.frame(.continuation, [UInt8](repeating: 0x20, count: 40000)),
                         [], .close(1009, "")),
        SyncBadInputCase("sync: an unmasked frame", Frames.frame(.text, Array(versionQuery.utf8), masked: false), [], .close(1002, "")),
        SyncBadInputCase("sync: a continuation with nothing to continue", Frames.frame(.continuation, Array(versionQuery.utf8)), [], .close(1002, "")),
        SyncBadInputCase("sync: a new message inside a fragmented one",
                         Frames.frame(fin: false, .text, Array(versionQuery.utf8.prefix(10))) + Frames.text(versionQuery), [], .close(1002, "")),
        SyncBadInputCase("sync: a reserved opcode", Frames.reserved(3, [1]), [], .close(1002, "")),
        SyncBadInputCase("sync: invalid UTF-8", Frames.frame(.text, [0x7B, 0xC3, 0x28, 0x7D]), [], .close(1007, "")),
        SyncBadInputCase("sync: a fragmented control frame", Frames.frame(fin: false, .ping, [1]), [], .close(nil, "")),
        // Controls: what a conforming client may do is served.
        SyncBadInputCase("sync: a query in three fragments with a ping between them (control)",
                         Frames.frame(fin: false, .text, Array(versionQuery.utf8.prefix(10)))
                            + Frames.frame(.ping, Array("between".utf8))
                            + Frames.frame(fin: false, .continuation, Array(versionQuery.utf8.dropFirst(10).prefix(20)))
                            + Frames.frame(.continuation, Array(versionQuery.utf8.dropFirst(30))),
                         [versionAnswer], .open),
        SyncBadInputCase("sync: a message exactly at the size limit (control)", Frames.text(versionQuery + String(repeating: " ", count: 65536 - versionQuery.utf8.count)),
                         [versionAnswer], .open),
    ]
}

extension BadInputServer {
    /// Upgrades `/api/sync` with the case's bytes right behind the request, checks every
    /// frame the server answers and how it ends the session, then that the bystander is
    /// answered and the descriptor is released.
    func check(_ row: SyncBadInputCase) throws {
        let socket = try WebSocketClient(port: try port(.admin), path: "/api/sync", following: row.sent)
        guard socket.head.hasPrefix("HTTP/1.1 101 ") else {
            Issue.record("\(row.name): no upgrade: \(socket.head)")
            return try expectStillServing(after: row.name)
        }
        let client = SyncWireClient(upgraded: socket)
        for answer in row.answers {
            var frame = try client.nextFrame()
            // A ping inside the case is answered before anything else.
            while frame.opcode == WebSocketClient.Opcode.pong.rawValue { frame = try client.nextFrame() }
            #expect(frame.opcode == WebSocketClient.Opcode.text.rawValue && Wire.match(frame.text, answer) != nil,
                    "\(row.name): \(frame)\n  does not match\n\(answer)")
        }
        switch row.ending {
        case .close(let code, let reason):
            let frame = try client.nextFrame()
            #expect(frame == .init(.close, WebSocketClient.closePayload(code: code, reason: reason)), "\(row.name): \(frame)")
            try? socket.sendClose(code: code, reason: reason)
            #expect(socket.readsEndOfStream(), "\(row.name): the server kept the connection open")
            socket.connection.close()
        case .open:
            try client.close()
        }
        try expectStillServing(after: row.name)
    }
}
