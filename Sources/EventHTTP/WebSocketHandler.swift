/// What a WebSocket's owner hears of it. Every call runs on the socket's loop, from a callback
/// of its own (never from inside `send` or `close`), in this order: `webSocketOpened` once,
/// then whole messages as they arrive while the socket is open, then `webSocketClosed` exactly
/// once, even when the socket ends before it was ever read from.
public protocol WebSocketHandler: AnyObject {
    func webSocketOpened(_ socket: WebSocket)
    /// One whole text message (fragments reassembled), checked to be UTF-8.
    func webSocket(_ socket: WebSocket, receivedText message: [UInt8])
    /// One whole binary message (fragments reassembled).
    func webSocket(_ socket: WebSocket, receivedBinary message: [UInt8])
    /// The socket is gone (its descriptor closed) for `reason`; nothing more is heard of it.
    func webSocketClosed(_ socket: WebSocket, _ reason: WebSocketCloseReason)
    /// Everything queued was written, after `WebSocket.notifyWhenOutputDrains` asked.
    func webSocketOutputDrained(_ socket: WebSocket)
}

extension WebSocketHandler {
    public func webSocketOutputDrained(_ socket: WebSocket) {}
}

/// Why a WebSocket ended.
public enum WebSocketCloseReason: Sendable, Equatable {
    /// The peer sent a Close frame, which was answered with the same code and reason; `code` is
    /// nil when its frame had no payload.
    case peerClosed(code: UInt16?, reason: String)
    /// The connection ended (end of stream, reset, failed write) without a Close from the peer.
    case peerVanished
    /// The peer broke RFC 6455 and was sent a Close with `sentCode`: 1002 for a protocol error
    /// (an unmasked frame, a reserved opcode or bit, a stray continuation, an invalid close
    /// code), 1007 for invalid UTF-8 in a text message or close reason, 1009 for a message over
    /// `WebSocketSettings.maxMessageBytes`. Nil when wslay answered a malformed frame header
    /// (a control frame over 125 bytes or fragmented, a length not in its shortest form) with
    /// an empty Close.
    case protocolError(sentCode: UInt16?)
    /// More than `WebSocketSettings.maxBufferedOutputBytes` waited to be written (a peer that
    /// does not read): a Close with 1008 was queued and the socket dropped.
    case outputOverflow
    /// No frame arrived for `WebSocketSettings.idleTimeout`: closed with 1000 and
    /// `WebSocketSettings.idleCloseReason`.
    case idle
    /// `WebSocket.close(code:reason:)`, with the code and reason sent (nil: a Close without payload).
    case serverClosed(code: UInt16?, reason: String)
    /// The server's graceful shutdown closed it with 1001 (going away).
    case serverShuttingDown
    /// Its listener was closed: the connection was reset, as when the process behind a port dies.
    case listenerClosed
}

/// Limits of one WebSocket, chosen by the handler that upgrades the request.
public struct WebSocketSettings: Sendable {
    /// A larger message (all its fragments together) is answered with Close 1009 (message too big).
    public var maxMessageBytes: Int
    /// Output waiting to be written, queued pongs included, may not grow past this: the send
    /// that would pass it fails and the socket closes with 1008 (policy violation). 1008 rather
    /// than 1011 (internal error): the server is fine, the peer broke the rule that it reads
    /// what it is sent.
    public var maxBufferedOutputBytes: Int
    /// With no frame of any kind from the peer for this long, the socket closes with 1000 and
    /// `idleCloseReason`; nil for no limit.
    public var idleTimeout: Duration?
    public var idleCloseReason: String
    /// How long a closing socket waits for the peer's Close and for its output to drain, and
    /// after its own end of stream for the peer's, before its descriptor is closed regardless.
    public var closingTimeout: Duration

    public init(
        maxMessageBytes: Int = 16 << 20, maxBufferedOutputBytes: Int = 16 << 20, idleTimeout: Duration? = nil,
        idleCloseReason: String = "idle timeout", closingTimeout: Duration = .seconds(2)
    ) {
        self.maxMessageBytes = maxMessageBytes
        self.maxBufferedOutputBytes = maxBufferedOutputBytes
        self.idleTimeout = idleTimeout
        self.idleCloseReason = idleCloseReason
        self.closingTimeout = closingTimeout
    }
}
