import EventHTTP
import Foundation
import Testing
import TestSupport

/// The upgrade: the 101 on the wire, the connection taken from evhttp, frames both ways.
@Suite(.timeLimit(.minutes(1))) struct WebSocketUpgradeTests {
    @Test func theUpgradeAnswers101AndFramesFlowBothWaysByteForByte() throws {
        let events = SocketEvents()
        let records = Guarded<[AccessRecord]>([])
        var settings = HTTPServerSettings()
        settings.accessLog = { record in records.withLock { $0.append(record) } }
        try withServer([("main", webSocketServer(events))], settings: settings) { server in
            let port = server.port("main")
            // The example of RFC 6455 §1.3.
            let client = try WebSocketClient(port: port, path: "/socket", key: "dGhlIHNhbXBsZSBub25jZQ==")
            #expect(client.head == "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n")

            try client.sendText("hello")
            #expect(try client.connection.read(exactly: 7) == [0x81, 0x05] + Array("hello".utf8))
            try client.send(.init(.binary, [0, 1, 2, 255]))
            #expect(try client.connection.read(exactly: 6) == [0x82, 0x04, 0, 1, 2, 255])
            // Lengths of 126 and more take the 16-bit form, unmasked from the server.
            let long = [UInt8](repeating: UInt8(ascii: "a"), count: 300)
            try client.send(.init(.text, long))
            #expect(try client.connection.read(exactly: 304) == [0x81, 126, 0x01, 0x2C] + long)

            // The request was logged once, as a 101, and is no longer in flight: other
            // requests are served meanwhile.
            #expect(try RawHTTP.get("/", port: port).text == "plain")
            #expect(records.withLock { $0.map(\.status) } == [101, 200])
            #expect(records.withLock { $0.first?.uri } == "/socket")
            #expect(events.all == ["opened", "text: hello", "binary: 4 bytes", "text: \(String(repeating: "a", count: 40))"])

            try client.sendClose(code: 1000)
            #expect(try client.connection.read(exactly: 4) == [0x88, 0x02, 0x03, 0xE8])
            #expect(client.readsEndOfStream())
            client.connection.close()
            #expect(events.waitForClosed())
        }
    }

    @Test func framesSentRightBehindTheUpgradeRequestAreRead() throws {
        let events = SocketEvents()
        try withServer([("main", webSocketServer(events))]) { server in
            let early = WebSocketClient.encode(.init(.text, Array("first".utf8)))
                + WebSocketClient.encode(.init(fin: false, .text, Array("sec".utf8)))
            let client = try WebSocketClient.open(port: server.port("main"), following: early)
            // The rest of the second message arrives later, on the socket now the server's.
            try client.send(.init(.continuation, Array("ond".utf8)))
            #expect(try client.readFrame() == .init(.text, Array("first".utf8)))
            #expect(try client.readFrame() == .init(.text, Array("second".utf8)))
            #expect(events.all == ["opened", "text: first", "text: second"])
        }
    }

    @Test func anUpgradeDeferredWhileTheClientWaitsTakesTheConnectionOver() throws {
        let events = SocketEvents()
        let checkpoint = Signal()
        let router: @Sendable (EventLoop) -> any HTTPHandler = { loop in
            HandlerFunction { request, responder in
                // Timers on one loop fire in deadline order: by this one, the handler timeout
                // (300 ms) has answered unless the upgrade cancelled it. No sleep decides.
                loop.schedule(after: .milliseconds(400)) { checkpoint.fire() }
                // Later, from a timer: the disconnect watch is on the socket by then.
                responder.after(.milliseconds(50)) {
                    let key = request.headers["Sec-WebSocket-Key"] ?? ""
                    let response = HTTPResponse(status: 101, headers: [
                        "Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Accept": WebSocketClient.accept(forKey: key),
                    ])
                    responder.upgradeToWebSocket(response: response, settings: WebSocketSettings(), handler: CommandSocket(events))
                }
            }
        }
        var settings = HTTPServerSettings()
        settings.handlerTimeout = .milliseconds(300)
        try withServer([("main", router)], settings: settings) { server in
            let client = try WebSocketClient.open(port: server.port("main"))
            try client.sendText("late")
            #expect(try client.readFrame() == .init(.text, Array("late".utf8)))
            // Past the handler timeout, no 408 came: the request ended with the upgrade.
            #expect(checkpoint.wait())
            try client.sendText("still")
            #expect(try client.readFrame() == .init(.text, Array("still".utf8)))
            client.connection.reset()
            #expect(events.waitForClosed())
            #expect(events.closeReasons == [.peerVanished])
        }
    }

    @Test func aResponseThatIsNot101IsAnOrdinaryAnswerOnAConnectionThatGoesOn() throws {
        let upgraded = Guarded<[Bool]>([])
        let router: @Sendable (EventLoop) -> any HTTPHandler = { _ in
            HandlerFunction { request, responder in
                if request.path == "/again" { return responder.send(.text(200, "again")) }
                let socket = responder.upgradeToWebSocket(response: .text(400, "no upgrade here"), settings: WebSocketSettings(), handler: NeverUsed())
                upgraded.withLock { $0.append(socket != nil) }
            }
        }
        try withServer([("main", router)]) { server in
            let port = server.port("main")
            let connection = try RawHTTP.Connection(port: port)
            try connection.write(WebSocketClient.upgradeRequest("/", port: port, key: WebSocketClient.makeKey()))
            let answer = try connection.readResponse()
            #expect(answer.status == 400)
            #expect(answer.text == "no upgrade here")
            try connection.write(RawHTTP.request("GET", "/again", port: port))
            #expect(try connection.readResponse().text == "again")
            #expect(upgraded.withLock { $0 } == [false])
        }
    }

    @Test func aRequestAlreadyAnsweredIsNotUpgraded() throws {
        let upgraded = Guarded<[Bool]>([])
        let router: @Sendable (EventLoop) -> any HTTPHandler = { _ in
            HandlerFunction { _, responder in
                responder.send(.text(200, "answered"))
                let socket = responder.upgradeToWebSocket(response: HTTPResponse(status: 101), settings: WebSocketSettings(), handler: NeverUsed())
                upgraded.withLock { $0.append(socket != nil) }
            }
        }
        try withServer([("main", router)]) { (server: HTTPServer) throws in
            #expect(try RawHTTP.get("/", port: server.port("main")).text == "answered")
            #expect(upgraded.withLock { $0 } == [false])
        }
    }

    @Test func anInProcessResponderDeliversThe101AndMakesNoSocket() throws {
        let loop = try EventLoop()
        var delivered: [HTTPResponse] = []
        let responder = Responder(on: loop) { delivered.append($0) }
        let response = HTTPResponse(status: 101, headers: ["Upgrade": "websocket"])
        let mapped = responder.mapping { var changed = $0; changed.headers.add("X-Mapped", "1"); return changed }
        #expect(mapped.upgradeToWebSocket(response: response, settings: WebSocketSettings(), handler: NeverUsed()) == nil)
        #expect(delivered == [HTTPResponse(status: 101, headers: ["Upgrade": "websocket", "X-Mapped": "1"])])
        #expect(!responder.isOpen)
    }
}

/// A handler for upgrades that must not happen.
final class NeverUsed: WebSocketHandler {
    func webSocketOpened(_ socket: WebSocket) { Issue.record("opened") }
    func webSocket(_ socket: WebSocket, receivedText message: [UInt8]) { Issue.record("text") }
    func webSocket(_ socket: WebSocket, receivedBinary message: [UInt8]) { Issue.record("binary") }
    func webSocketClosed(_ socket: WebSocket, _ reason: WebSocketCloseReason) { Issue.record("closed") }
}
