import CLibevent
import CWslay

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One WebSocket connection, taken over from evhttp after its upgrade request and served on
/// the loop that accepted it, with wslay doing the framing. Confined to that loop.
///
/// Closing follows RFC 6455 §7: a Close is sent (or the peer's is answered), then once both
/// have passed and the output is written the server ends its side of the TCP connection first
/// and reads until the peer ends its own; `WebSocketSettings.closingTimeout` bounds each wait.
public final class WebSocket {
    private enum Phase {
        /// Taken over; the handler has not heard `webSocketOpened` yet and nothing is read.
        case opening
        case open
        /// A Close is queued or written: waiting for the peer's Close and for the output to drain.
        case closing
        /// Both Closes have passed and the server's end of stream is sent: reading (and
        /// dropping) until the peer's.
        case finishing
        /// The descriptor is closed.
        case closed
    }

    public let remoteAddress: String
    /// The name of the listener that accepted the upgrade request.
    public let listener: String
    public let loop: EventLoop
    private let settings: WebSocketSettings
    /// Held until it has heard `webSocketClosed`; the handler usually holds the socket too.
    private var handler: (any WebSocketHandler)?
    /// Tells the listener that the socket is gone.
    private let ended: (WebSocket) -> Void
    private var phase = Phase.opening
    private var reason: WebSocketCloseReason?
    private var bufferEvent: OpaquePointer?
    private var framing: WebSocketFraming?
    private var openedDelivered = false
    /// Set by `notifyWhenOutputDrains` until the handler is told.
    private var drainNoticeWanted = false
    /// The pending `webSocketOpened` or `webSocketClosed` call.
    private var notice: ScheduledTimer?
    private var closingDeadline: ScheduledTimer?
    private var idleCheck: ScheduledTimer?
    private var lastFrameAt: UInt64 = 0

    /// Serves `socket` (writing `head`, the 101, first); nil, with the socket closed, when
    /// libevent or wslay cannot allocate what it needs.
    init?(
        taking socket: TakenSocket, head: [UInt8], loop: EventLoop, remoteAddress: String, listener: String,
        settings: WebSocketSettings, handler: any WebSocketHandler, ended: @escaping (WebSocket) -> Void
    ) {
        defer { evbuffer_free(socket.pending) }
        self.loop = loop
        self.remoteAddress = remoteAddress
        self.listener = listener
        self.settings = settings
        self.handler = handler
        self.ended = ended
        // evhttp's sockets are non-blocking already (and a duplicate shares that); the last
        // write before closing relies on it.
        evutil_make_socket_nonblocking(socket.fd)
        guard let bufferEvent = bufferevent_socket_new(loop.base, socket.fd, Int32(BEV_OPT_CLOSE_ON_FREE.rawValue)) else {
            closeDescriptor(socket.fd)
            return nil
        }
        self.bufferEvent = bufferEvent
        guard let input = bufferevent_get_input(bufferEvent), let output = bufferevent_get_output(bufferEvent),
              let framing = WebSocketFraming(input: input, output: output, maxMessageBytes: settings.maxMessageBytes, frameStarted: { [unowned self] in
                  lastFrameAt = EventLoop.monotonicNanoseconds()
              })
        else { return nil }
        self.framing = framing
        // A socket bufferevent keeps the end of its input frozen (only its reads add there),
        // so the bytes that came with the request are put in front of any with it thawed.
        evbuffer_unfreeze(input, 0)
        evbuffer_add_buffer(input, socket.pending)
        evbuffer_freeze(input, 0)
        _ = head.withUnsafeBytes { evbuffer_add(output, $0.baseAddress, $0.count) }
        bufferevent_setcb(bufferEvent, { _, arg in
            guard let arg else { return }
            let socket = Unmanaged<WebSocket>.fromOpaque(arg).takeUnretainedValue()
            withExtendedLifetime(socket) { socket.readable() }
        }, { _, arg in
            guard let arg else { return }
            let socket = Unmanaged<WebSocket>.fromOpaque(arg).takeUnretainedValue()
            withExtendedLifetime(socket) { socket.written() }
        }, { _, what, arg in
            guard let arg else { return }
            let socket = Unmanaged<WebSocket>.fromOpaque(arg).takeUnretainedValue()
            withExtendedLifetime(socket) { socket.connectionEvent(what) }
        }, Unmanaged.passUnretained(self).toOpaque())
        // Reading starts once the handler has heard that the socket is open.
        bufferevent_enable(bufferEvent, Int16(EV_WRITE))
        notice = loop.schedule(after: .zero) { [self] in opened() }
    }

    /// Only for a socket whose loop went away before it ended; `teardown` normally lets go of all this.
    deinit {
        closingDeadline?.cancel()
        idleCheck?.cancel()
        framing = nil
        if let bufferEvent { bufferevent_free(bufferEvent) }
    }

    /// True until a Close is queued or the connection is gone.
    public var isOpen: Bool { phase == .opening || phase == .open }

    /// Bytes waiting to be written to the peer.
    public var bufferedOutputBytes: Int {
        guard let bufferEvent, let output = bufferevent_get_output(bufferEvent) else { return 0 }
        return evbuffer_get_length(output) + (framing?.queuedBytes ?? 0)
    }

    /// Whether RFC 6455 (§7.4) lets an endpoint put `code` in a Close frame.
    public static func maySend(_ code: UInt16) -> Bool {
        switch code {
        case 1000...1003, 1007...1014, 3000...4999: true
        default: false
        }
    }

    /// The codes `maySend` allows, in words for error messages.
    public static let sendableCodes = "1000 to 1003, 1007 to 1014 or 3000 to 4999"

    /// Tells the handler (`webSocketOutputDrained`) once everything queued so far has been
    /// written to the peer: an owner that holds back its messages while a slow peer catches up
    /// asks, and sends again when told. Told from a callback of its own, also when nothing waits.
    public func notifyWhenOutputDrains() {
        guard isOpen, !drainNoticeWanted else { return }
        drainNoticeWanted = true
        if bufferedOutputBytes == 0 {
            _ = loop.schedule(after: .zero) { [weak self] in self?.written() }
        }
    }

    /// Queues a text message. False when the socket is not open, or when the message would
    /// take the output past `maxBufferedOutputBytes`: the socket then closes (1008).
    @discardableResult
    public func send(text: [UInt8]) -> Bool { send(WSLAY_TEXT_FRAME, text) }

    @discardableResult
    public func send(binary: [UInt8]) -> Bool { send(WSLAY_BINARY_FRAME, binary) }

    /// A Ping without payload; the peer's Pong counts as activity for `idleTimeout`.
    @discardableResult
    public func sendPing() -> Bool { send(WSLAY_PING, []) }

    /// A Close frame with `code` and `reason` (truncated to 123 bytes at a character boundary),
    /// or with no payload at all when `code` is nil; then the socket is shut once the peer
    /// answers, or after `closingTimeout`. A code RFC 6455 forbids on the wire (below 1000,
    /// 1004 to 1006, 1015, above 4999) is sent as 1011. Does nothing once closing.
    public func close(code: UInt16?, reason: String) {
        let code = CloseFrame.sendable(code)
        let reason = code == nil ? [] : CloseFrame.truncated(reason)
        closeNow(code: code, reason: reason, as: .serverClosed(code: code, reason: String(decoding: reason, as: UTF8.self)))
    }

    /// The server's graceful shutdown: 1001, going away.
    func closeForShutdown() {
        closeNow(code: 1001, reason: Array("server shutting down".utf8), as: .serverShuttingDown)
    }

    /// Ends the connection now (an RST with `reset`, or when output is still waiting) and tells
    /// the handler before returning; for a listener that closes or a loop that stops, whose
    /// caller runs from a fresh callback.
    func drop(_ why: WebSocketCloseReason, reset: Bool) {
        teardown(why, reset: reset || bufferedOutputBytes > 0)
        deliverClosed()
    }

    private func send(_ opcode: wslay_opcode, _ payload: [UInt8]) -> Bool {
        guard isOpen, let framing else { return false }
        let (total, overflow) = bufferedOutputBytes.addingReportingOverflow(payload.count)
        guard !overflow, total <= settings.maxBufferedOutputBytes else {
            outputOverflowed()
            return false
        }
        guard framing.queue(opcode, payload) else { return false }
        flush()
        return phase != .closed
    }

    private func opened() {
        notice = nil
        // A socket closed meanwhile (by the server) still opens: its handler hears both.
        guard phase == .opening || phase == .closing, let bufferEvent else { return }
        if phase == .opening { phase = .open }
        lastFrameAt = EventLoop.monotonicNanoseconds()
        openedDelivered = true
        handler?.webSocketOpened(self)
        guard phase == .open || phase == .closing else { return }
        bufferevent_enable(bufferEvent, Int16(EV_READ))
        if phase == .open, let timeout = settings.idleTimeout { scheduleIdleCheck(after: timeout) }
        // Frames the client sent right behind its upgrade request.
        readable()
    }

    private func readable() {
        guard let framing, let bufferEvent, let input = bufferevent_get_input(bufferEvent) else { return }
        switch phase {
        case .opening, .closed:
            return
        case .finishing:
            evbuffer_drain(input, evbuffer_get_length(input))
            return
        case .open, .closing:
            break
        }
        guard framing.isReading else {
            // After a Close of its own for an error, wslay reads nothing more.
            evbuffer_drain(input, evbuffer_get_length(input))
            return advanceClosing()
        }
        for message in framing.receive() {
            guard phase == .open else { break }
            switch message {
            case .text(let bytes): handler?.webSocket(self, receivedText: bytes)
            case .binary(let bytes): handler?.webSocket(self, receivedBinary: bytes)
            case .close(let code, let reason): beginClosing(.peerClosed(code: code, reason: String(decoding: reason, as: UTF8.self)))
            }
        }
        // Writes the pongs, the answer to a Close, or the Close of a protocol error.
        flush()
        guard phase != .closed else { return }
        if phase == .open && !framing.isReading {
            beginClosing(.protocolError(sentCode: framing.codeSent))
        } else if phase == .open && bufferedOutputBytes > settings.maxBufferedOutputBytes {
            // Pongs to a peer that pings and never reads.
            outputOverflowed()
        }
        advanceClosing()
    }

    private func flush() {
        guard phase != .closed, let framing else { return }
        // Fails only when the output buffer cannot grow.
        if !framing.flush() { teardown(.outputOverflow, reset: true) }
    }

    private func outputOverflowed() {
        closeNow(code: 1008, reason: Array("the client does not read what it is sent".utf8), as: .outputOverflow)
    }

    private func closeNow(code: UInt16?, reason: [UInt8], as why: WebSocketCloseReason) {
        guard isOpen, let framing else { return }
        _ = framing.queueClose(code: code, reason: reason)
        beginClosing(why)
        flush()
        advanceClosing()
    }

    private func beginClosing(_ why: WebSocketCloseReason) {
        guard isOpen else { return }
        phase = .closing
        reason = why
        idleCheck?.cancel()
        idleCheck = nil
        closingDeadline = loop.schedule(after: settings.closingTimeout) { [weak self] in
            guard let self else { return }
            closingDeadline = nil
            teardown(reason ?? .peerVanished, reset: bufferedOutputBytes > 0)
        }
    }

    /// The output buffer was written out (libevent's write callback, at its empty mark).
    private func written() {
        if phase == .open, drainNoticeWanted, bufferedOutputBytes == 0 {
            drainNoticeWanted = false
            handler?.webSocketOutputDrained(self)
        }
        advanceClosing()
    }

    /// Once both Closes have passed (or wslay stopped reading after an error) and the output
    /// is written, the server's end of stream goes out.
    private func advanceClosing() {
        guard phase == .closing, let framing, let bufferEvent, let output = bufferevent_get_output(bufferEvent),
              framing.closeSent, evbuffer_get_length(output) == 0,
              framing.closeReceived || !framing.isReading else { return }
        phase = .finishing
        shutdown(bufferevent_getfd(bufferEvent), Int32(SHUT_WR))
    }

    private func connectionEvent(_ what: Int16) {
        guard what & Int16(BEV_EVENT_EOF | BEV_EVENT_ERROR) != 0 else { return }
        teardown(reason ?? .peerVanished, reset: false)
    }

    private func scheduleIdleCheck(after delay: Duration) {
        idleCheck = loop.schedule(after: delay) { [weak self] in self?.checkIdle() }
    }

    private func checkIdle() {
        idleCheck = nil
        guard phase == .open, let timeout = settings.idleTimeout?.saturatingNanoseconds else { return }
        let now = EventLoop.monotonicNanoseconds()
        let quiet = now >= lastFrameAt ? now - lastFrameAt : 0
        if quiet >= timeout {
            closeNow(code: 1000, reason: CloseFrame.truncated(settings.idleCloseReason), as: .idle)
        } else {
            scheduleIdleCheck(after: .nanoseconds(Int64(clamping: timeout - quiet)))
        }
    }

    /// Closes the descriptor (with an RST when `reset`; otherwise what waits in the output
    /// gets one last non-blocking write) and queues the handler's `webSocketClosed`.
    private func teardown(_ why: WebSocketCloseReason, reset: Bool) {
        guard phase != .closed else { return }
        phase = .closed
        if reason == nil { reason = why }
        notice?.cancel()
        closingDeadline?.cancel()
        closingDeadline = nil
        idleCheck?.cancel()
        idleCheck = nil
        framing = nil
        if let bufferEvent {
            let fd = bufferevent_getfd(bufferEvent)
            if reset {
                setResetOnClose(fd)
            } else if let output = bufferevent_get_output(bufferEvent), evbuffer_get_length(output) > 0 {
                // A socket bufferevent keeps the start of its output frozen (only its writes
                // take from there); this last write thaws it.
                evbuffer_unfreeze(output, 1)
                _ = evbuffer_write(output, fd)
                evbuffer_freeze(output, 1)
            }
            // Closes the descriptor (at once, or when the callback running for it returns).
            bufferevent_free(bufferEvent)
            self.bufferEvent = nil
        }
        notice = loop.schedule(after: .zero) { [self] in deliverClosed() }
        ended(self)
    }

    private func deliverClosed() {
        notice?.cancel()
        notice = nil
        guard let handler else { return }
        self.handler = nil
        if !openedDelivered {
            openedDelivered = true
            handler.webSocketOpened(self)
        }
        handler.webSocketClosed(self, reason ?? .peerVanished)
    }
}
