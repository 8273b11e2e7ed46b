import EventHTTP
import Foundation
import Testing
import TestSupport

/// What the server side of the test WebSockets saw, in order, shared with the test thread.
final class SocketEvents: Sendable {
    private let list = Guarded<[String]>([])
    private let reasons = Guarded<[WebSocketCloseReason]>([])
    /// The server-side sockets, weakly: gone once everything let go of them.
    private let sockets = Guarded<[WeakSocket]>([])

    final class WeakSocket: @unchecked Sendable {
        // Written once, on the loop, before the box is shared; read under `sockets`' lock.
        weak var socket: WebSocket?
        init(_ socket: WebSocket) { self.socket = socket }
    }

    func append(_ event: String) { list.withLock { $0.append(event) } }
    var all: [String] { list.withLock { $0 } }

    func opened(_ socket: WebSocket) {
        sockets.withLock { $0.append(WeakSocket(socket)) }
        append("opened")
    }

    /// The event before the reason: a test that waits for the reason then reads the events
    /// finds it there.
    func closed(_ reason: WebSocketCloseReason) {
        append("closed: \(reason)")
        reasons.withLock { $0.append(reason) }
    }

    var closeReasons: [WebSocketCloseReason] { reasons.withLock { $0 } }

    /// Waits (at most `seconds`) until `count` sockets have closed.
    func waitForClosed(_ count: Int = 1, seconds: Double = 10) -> Bool {
        waitUntil(seconds: seconds) { closeReasons.count >= count }
    }

    /// Waits (at most `seconds`) until every server-side socket has been deallocated: its
    /// buffers and wslay context with it.
    func waitUntilReleased(seconds: Double = 10) -> Bool {
        waitUntil(seconds: seconds) { sockets.withLock { $0.allSatisfy { $0.socket == nil } } }
    }
}

/// Polls `condition` until it holds, for at most `seconds`.
func waitUntil(seconds: Double = 10, _ condition: () -> Bool) -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    while ContinuousClock.now < deadline {
        if condition() { return true }
        Thread.sleepForPolling()
    }
    return condition()
}

/// Echoes every message and obeys commands sent as text, so that a test can make the server
/// act from the client's side, from inside a receive callback:
/// `close` (no payload), `close CODE REASON`, `close-long` (a 200-byte reason), `ping`,
/// `stream SIZE` (a message of SIZE bytes every millisecond until `send` refuses one),
/// `burst SIZE COUNT` (COUNT messages of SIZE bytes at once), `notify` (asks to hear when the
/// output has drained; the event is `drained, buffered N`).
final class CommandSocket: WebSocketHandler {
    private let events: SocketEvents
    private var socket: WebSocket?
    private var stream: ScheduledTimer?

    init(_ events: SocketEvents) { self.events = events }

    func webSocketOpened(_ socket: WebSocket) {
        self.socket = socket
        events.opened(socket)
    }

    func webSocket(_ socket: WebSocket, receivedText message: [UInt8]) {
        let text = String(decoding: message, as: UTF8.self)
        events.append("text: \(text.prefix(40))")
        let words = text.split(separator: " ", maxSplits: 2).map(String.init)
        switch words.first {
        case "close" where words.count == 1:
            socket.close(code: nil, reason: "")
        case "close":
            events.append("close called")
            socket.close(code: UInt16(words[1]), reason: words.count > 2 ? words[2] : "")
            events.append("close returned, open: \(socket.isOpen), send: \(socket.send(text: Array("late".utf8)))")
        case "close-long":
            socket.close(code: 1000, reason: String(repeating: "é", count: 100))
        case "ping":
            socket.sendPing()
        case "stream":
            streamMessages(of: Int(words[1]) ?? 1, sent: 0)
        case "burst":
            let parts = text.split(separator: " ").compactMap { Int($0) }
            for _ in 0..<(parts.count == 2 ? parts[1] : 0) { socket.send(text: [UInt8](repeating: UInt8(ascii: "b"), count: parts[0])) }
            events.append("burst queued, buffered \(socket.bufferedOutputBytes > 0)")
        case "notify":
            socket.notifyWhenOutputDrains()
        default:
            socket.send(text: message)
        }
    }

    func webSocket(_ socket: WebSocket, receivedBinary message: [UInt8]) {
        events.append("binary: \(message.count) bytes")
        socket.send(binary: message)
    }

    func webSocketOutputDrained(_ socket: WebSocket) {
        events.append("drained, buffered \(socket.bufferedOutputBytes)")
    }

    func webSocketClosed(_ socket: WebSocket, _ reason: WebSocketCloseReason) {
        stream?.cancel()
        self.socket = nil
        events.closed(reason)
    }

    private func streamMessages(of size: Int, sent: Int) {
        guard let socket else { return }
        guard socket.send(text: [UInt8](repeating: UInt8(ascii: "x"), count: size)) else {
            return events.append("send refused after \(sent) messages, buffered \(socket.bufferedOutputBytes > 0)")
        }
        stream = socket.loop.schedule(after: .milliseconds(1)) { [weak self] in self?.streamMessages(of: size, sent: sent + 1) }
    }
}

/// Upgrades every request that carries a `Sec-WebSocket-Key` (with the RFC 6455 accept
/// value); answers others `200 plain`.
func webSocketServer(_ events: SocketEvents, settings: WebSocketSettings = WebSocketSettings()) -> @Sendable (EventLoop) -> any HTTPHandler {
    { _ in
        HandlerFunction { request, responder in
            guard let key = request.headers["Sec-WebSocket-Key"] else { return responder.send(.text(200, "plain")) }
            let response = HTTPResponse(status: 101, headers: [
                "Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Accept": WebSocketClient.accept(forKey: key),
            ])
            responder.upgradeToWebSocket(response: response, settings: settings, handler: CommandSocket(events))
        }
    }
}

extension WebSocketClient {
    /// Connects and checks that the server switched protocols.
    static func open(port: Int, following: [UInt8] = [], timeout: Double = 10) throws -> WebSocketClient {
        let client = try WebSocketClient(port: port, following: following, timeout: timeout)
        try #require(client.head.hasPrefix("HTTP/1.1 101 "), "\(client.head)")
        return client
    }

    /// The inode of the server's side of this connection, while it is open.
    func serverInode(serverPort: Int) -> UInt64? {
        Sockets.inode(localPort: serverPort, remotePort: Sockets.localPort(connection.fd))
    }
}
