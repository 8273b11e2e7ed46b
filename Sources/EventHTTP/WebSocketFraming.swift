import CLibevent
import CWslay

/// RFC 6455 framing of one server-side connection, done by wslay, which has no I/O of its own:
/// frames are read from one evbuffer and written to another (a bufferevent's two buffers).
///
/// wslay unmasks and reassembles messages, rejects unmasked client frames, checks UTF-8 in
/// text messages and close reasons, enforces the message size limit before buffering a frame,
/// answers pings and Close frames itself, and queues the Close of every protocol error.
final class WebSocketFraming {
    enum Received {
        case text([UInt8])
        case binary([UInt8])
        /// The peer's Close: its code (nil when the frame had no payload) and reason.
        case close(code: UInt16?, reason: [UInt8])
    }

    private var context: OpaquePointer?
    private let input: OpaquePointer
    private let output: OpaquePointer
    private var received: [Received] = []
    /// Runs as each frame starts arriving, control frames included.
    private let frameStarted: () -> Void

    /// Nil when wslay cannot allocate its context.
    init?(input: OpaquePointer, output: OpaquePointer, maxMessageBytes: Int, frameStarted: @escaping () -> Void) {
        self.input = input
        self.output = output
        self.frameStarted = frameStarted
        var callbacks = wslay_event_callbacks()
        callbacks.recv_callback = { _, buffer, length, _, user in
            guard let user, let buffer else { return -1 }
            return Unmanaged<WebSocketFraming>.fromOpaque(user).takeUnretainedValue().read(into: buffer, length)
        }
        callbacks.send_callback = { _, data, length, _, user in
            guard let user, let data else { return -1 }
            return Unmanaged<WebSocketFraming>.fromOpaque(user).takeUnretainedValue().write(data, length)
        }
        callbacks.on_frame_recv_start_callback = { _, _, user in
            guard let user else { return }
            Unmanaged<WebSocketFraming>.fromOpaque(user).takeUnretainedValue().frameStarted()
        }
        callbacks.on_msg_recv_callback = { _, message, user in
            guard let user, let message else { return }
            Unmanaged<WebSocketFraming>.fromOpaque(user).takeUnretainedValue().messageReceived(message.pointee)
        }
        var context: OpaquePointer?
        guard wslay_event_context_server_init(&context, &callbacks, Unmanaged.passUnretained(self).toOpaque()) == 0,
              let context else { return nil }
        wslay_event_config_set_max_recv_msg_length(context, UInt64(max(maxMessageBytes, 0)))
        self.context = context
    }

    deinit {
        if let context { wslay_event_context_free(context) }
    }

    /// Reads every frame the input buffer holds and returns the messages they completed, in
    /// order. Pongs and Close answers are queued meanwhile; `flush` writes them. After a
    /// protocol error (or a failed allocation) wslay has queued its Close and stops reading:
    /// `isReading` turns false.
    func receive() -> [Received] {
        guard let context else { return [] }
        wslay_event_recv(context)
        defer { received = [] }
        return received
    }

    /// Writes every queued frame to the output buffer; false when that failed (no memory).
    func flush() -> Bool {
        guard let context else { return false }
        return wslay_event_send(context) == 0
    }

    /// Queues a data or ping frame; false once a Close is queued or on failure.
    func queue(_ opcode: wslay_opcode, _ payload: [UInt8]) -> Bool {
        guard let context else { return false }
        return payload.withUnsafeBufferPointer { bytes in
            var message = wslay_event_msg(opcode: UInt8(opcode.rawValue), msg: bytes.baseAddress, msg_length: bytes.count)
            return wslay_event_queue_msg(context, &message) == 0
        }
    }

    /// Queues a Close with `code` and `reason` (at most 123 bytes), or without payload when
    /// `code` is nil. False when a Close is already queued.
    func queueClose(code: UInt16?, reason: [UInt8]) -> Bool {
        guard let context else { return false }
        return reason.withUnsafeBufferPointer { bytes in
            wslay_event_queue_close(context, code ?? 0, bytes.baseAddress, code == nil ? 0 : bytes.count) == 0
        }
    }

    /// False once wslay stopped reading: after the peer's Close, or after a protocol error.
    var isReading: Bool { context.map { wslay_event_get_read_enabled($0) != 0 } ?? false }
    var closeReceived: Bool { context.map { wslay_event_get_close_received($0) != 0 } ?? false }
    var closeSent: Bool { context.map { wslay_event_get_close_sent($0) != 0 } ?? false }

    /// The code of the Close written, nil when it had no payload (or none was written).
    var codeSent: UInt16? {
        guard let context, closeSent else { return nil }
        let code = wslay_event_get_status_code_sent(context)
        return code == UInt16(WSLAY_CODE_NO_STATUS_RCVD.rawValue) ? nil : code
    }

    /// Payload bytes queued and not yet written to the output buffer.
    var queuedBytes: Int { context.map { wslay_event_get_queued_msg_length($0) } ?? 0 }

    private func read(into buffer: UnsafeMutablePointer<UInt8>, _ length: Int) -> Int {
        let count = evbuffer_remove(input, buffer, length)
        if count > 0 { return Int(count) }
        // Nothing left: tells wslay_event_recv to return rather than fail.
        wslay_event_set_error(context, WSLAY_ERR_WOULDBLOCK.rawValue)
        return -1
    }

    private func write(_ data: UnsafePointer<UInt8>, _ length: Int) -> Int {
        if evbuffer_add(output, data, length) == 0 { return length }
        wslay_event_set_error(context, WSLAY_ERR_CALLBACK_FAILURE.rawValue)
        return -1
    }

    private func messageReceived(_ message: wslay_event_on_msg_recv_arg) {
        let payload = message.msg.map { Array(UnsafeBufferPointer(start: $0, count: message.msg_length)) } ?? []
        switch UInt32(message.opcode) {
        case WSLAY_TEXT_FRAME.rawValue:
            received.append(.text(payload))
        case WSLAY_BINARY_FRAME.rawValue:
            received.append(.binary(payload))
        case WSLAY_CONNECTION_CLOSE.rawValue:
            // The payload starts with the two bytes of the code, when there is one.
            received.append(.close(code: message.status_code == 0 ? nil : message.status_code, reason: Array(payload.dropFirst(2))))
        default:
            // Pings are answered by wslay; pongs need nothing.
            break
        }
    }
}
