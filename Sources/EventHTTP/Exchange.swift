import CLibevent

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One request received over a socket, from dispatch until its response is fully written or
/// its connection is gone. Holds the libevent request pointer and makes sure it is never used
/// after libevent has freed it.
final class Exchange {
    private enum State {
        /// The handler has not answered yet.
        case handling
        /// The response is queued; libevent has not finished writing it.
        case writing
        /// Written in full, or the connection went away: the request pointer is dead.
        case finished
    }

    private let request: OpaquePointer
    let connection: OpaquePointer
    private unowned let listener: LoopListener
    let method: HTTPMethod
    let uri: String
    let remoteAddress: String
    let startedAt: UInt64
    /// The request's body, readable while the request waits for its answer.
    let body: RequestBody
    /// Ends when the request is answered, aborted or its connection goes.
    let lifetime = RequestLifetime()
    private var state = State.handling
    var timeoutTimer: ScheduledTimer?
    /// The next piece of a paced body, or the abort about to happen.
    private var pendingWork: ScheduledTimer?
    /// While the handler works on the request, the client leaving ends it.
    private var disconnectWatch: DisconnectWatch?
    var afterCompletion: (() -> Void)?

    init(request: OpaquePointer, connection: OpaquePointer, listener: LoopListener, method: HTTPMethod, uri: String, remoteAddress: String, startedAt: UInt64, body: RequestBody) {
        self.body = body
        self.request = request
        self.connection = connection
        self.listener = listener
        self.method = method
        self.uri = uri
        self.remoteAddress = remoteAddress
        self.startedAt = startedAt
    }

    var loop: EventLoop { listener.loop }
    var isAwaitingAnswer: Bool { lifetime.isWaiting }
    /// True for an answer to CONNECT: the listener closes the connection itself once it is
    /// written. libevent treats every CONNECT as the start of a tunnel (which mockconvex never
    /// makes): it keeps the connection open whatever the headers say and writes no
    /// Content-Length, so the answer's body could only end where the connection does.
    var closesConnectionAfterAnswer: Bool { method == .CONNECT }

    func send(_ given: HTTPResponse, pacing: Pacing? = nil) {
        guard state == .handling, lifetime.isWaiting else { return }
        // libevent writes the status as a number; one that is not three digits is no HTTP
        // status, and the handler that made it has failed.
        let response = (100...999).contains(given.status) ? given : HTTPResponse(status: 500)
        state = .writing
        timeoutTimer?.cancel()
        timeoutTimer = nil
        // From here libevent reads the connection itself and notices a client that leaves.
        disconnectWatch?.stop()
        lifetime.end()
        let headers = evhttp_request_get_output_headers(request)
        for field in response.headers {
            evhttp_add_header(headers, field.name, field.value)
        }
        if (listener.closesAfterResponse || closesConnectionAfterAnswer) && !response.headers.asksToClose {
            evhttp_add_header(headers, "Connection", "close")
        }
        let bodyAllowed = response.status != 204 && response.status != 304 && !(100..<200).contains(response.status)
        let length = response.content.count
        if method == .HEAD {
            // libevent writes no Content-Length for HEAD; say what GET would have sent.
            if bodyAllowed && !response.headers.contains("Content-Length") {
                evhttp_add_header(headers, "Content-Length", String(length))
            }
        } else if bodyAllowed && length > 0 {
            if let pacing, length > pacing.chunkBytes {
                return sendPaced(response, pacing: pacing, headers: headers)
            }
            Self.append(response.content, to: evhttp_request_get_output_buffer(request))
        }
        addDate(to: headers, unless: response.headers)
        listener.record(self, status: response.status, bytes: length)
        body.invalidate()
        evhttp_send_reply(request, Int32(response.status), nil, nil)
    }

    /// The `Date` libevent would add, from the listener's per-second copy, where libevent
    /// would add it (after everything given, before the Content-Length it adds itself).
    private func addDate(to headers: UnsafeMutablePointer<evkeyvalq>?, unless given: HTTPHeaders) {
        guard !given.contains("Date") else { return }
        evhttp_add_header(headers, "Date", listener.date.now())
    }

    /// The head at once (with Content-Length, so libevent does not chunk), then the body a
    /// piece at a time on timers. A connection lost meanwhile ends the chain.
    private func sendPaced(_ response: HTTPResponse, pacing: Pacing, headers: UnsafeMutablePointer<evkeyvalq>?) {
        let bytes = response.content.bytes
        evhttp_add_header(headers, "Content-Length", String(bytes.count))
        addDate(to: headers, unless: response.headers)
        listener.record(self, status: response.status, bytes: bytes.count)
        body.invalidate()
        evhttp_send_reply_start(request, Int32(response.status), nil)
        var offset = 0
        func next() {
            pendingWork = nil
            guard state == .writing else { return }
            let end = min(offset + pacing.chunkBytes, bytes.count)
            let chunk = evbuffer_new()
            bytes[offset..<end].withUnsafeBytes { _ = evbuffer_add(chunk, $0.baseAddress, $0.count) }
            evhttp_send_reply_chunk(request, chunk)
            evbuffer_free(chunk)
            offset = end
            if offset == bytes.count {
                evhttp_send_reply_end(request)
            } else {
                pendingWork = listener.loop.schedule(after: pacing.pause, next)
            }
        }
        next()
    }

    /// Ends the connection without an answer, from a fresh callback: libevent still uses the
    /// request and connection while the handler that asked runs. Freeing the connection runs
    /// its close callback, which finishes this exchange like a client hang-up.
    func abort(_ how: ConnectionAbort) {
        guard state == .handling, lifetime.isWaiting else { return }
        timeoutTimer?.cancel()
        timeoutTimer = nil
        disconnectWatch?.stop()
        lifetime.end()
        pendingWork = listener.loop.schedule(after: .zero) { [self] in
            pendingWork = nil
            guard state == .handling, let bufferEvent = evhttp_connection_get_bufferevent(connection) else { return }
            let fd = bufferevent_getfd(bufferEvent)
            switch how {
            case .reset:
                resetConnection(fd: fd)
            case .close:
                break
            case .garbage(let bytes):
                // Written straight to the socket: nothing else is queued on it, and freeing the
                // connection would discard libevent's buffer. A few bytes fit the socket buffer;
                // SIGPIPE is ignored by the server, so a vanished peer is just a failed write.
                bytes.withUnsafeBytes { raw in
                    guard let base = raw.baseAddress else { return }
                    var sent = 0
                    while sent < raw.count {
                        let wrote = write(fd, base + sent, raw.count - sent)
                        if wrote <= 0 { break }
                        sent += wrote
                    }
                }
            }
            listener.record(self, status: 0, bytes: 0)
            evhttp_connection_free(connection)
        }
    }

    /// Writes `response` (a 101) on the socket itself and hands the connection to a WebSocket
    /// driven by `handler`; any other status is sent as an ordinary answer. Nil when the request
    /// no longer waits for an answer, or the connection could not be taken over (then it is
    /// answered 503).
    func upgrade(_ response: HTTPResponse, settings: WebSocketSettings, handler: any WebSocketHandler) -> WebSocket? {
        guard state == .handling, lifetime.isWaiting else { return nil }
        guard response.status == 101 else {
            send(response)
            return nil
        }
        // Its event is on the descriptor about to be taken.
        disconnectWatch?.stop()
        guard let socket = takeSocket(of: connection) else {
            var busy = HTTPResponse.text(503, "The server has no file descriptor left to take this connection over; try again later.")
            busy.headers.set("Connection", "close")
            send(busy)
            return nil
        }
        // evhttp frees the request with its connection; nothing here touches it again.
        state = .finished
        timeoutTimer?.cancel()
        timeoutTimer = nil
        afterCompletion = nil
        body.invalidate()
        lifetime.end()
        listener.record(self, status: 101, bytes: 0)
        return listener.upgraded(self, socket: socket, head: Self.switchingProtocols(response.headers), settings: settings, handler: handler)
    }

    /// The 101 head, written by hand: evhttp writes no 1xx. A field with CR or LF in it is
    /// left out, as evhttp leaves out such fields of the answers it writes.
    private static func switchingProtocols(_ headers: HTTPHeaders) -> [UInt8] {
        var head = "HTTP/1.1 101 Switching Protocols\r\n"
        for field in headers where !(field.name + field.value).utf8.contains(where: { $0 == 13 || $0 == 10 }) {
            head += "\(field.name): \(field.value)\r\n"
        }
        head += "\r\n"
        return Array(head.utf8)
    }

    /// Starts noticing the client leaving while the handler works: libevent does not read the
    /// connection until the answer is being written.
    func watchForDisconnect() {
        guard state == .handling, lifetime.isWaiting, let bufferEvent = evhttp_connection_get_bufferevent(connection) else { return }
        disconnectWatch = DisconnectWatch(loop: listener.loop, fd: bufferevent_getfd(bufferEvent)) { [unowned self] in
            clientLeft()
        }
    }

    /// The client closed or reset its connection before the answer: the request ends now, and
    /// the connection is freed from a fresh callback, which finishes this exchange.
    private func clientLeft() {
        guard state == .handling, lifetime.isWaiting else { return }
        timeoutTimer?.cancel()
        timeoutTimer = nil
        lifetime.end()
        body.invalidate()
        pendingWork = listener.loop.schedule(after: .zero) { [self] in
            pendingWork = nil
            guard state == .handling else { return }
            evhttp_connection_free(connection)
        }
    }

    /// Hands the body to libevent: bytes are copied, shared memory is referenced (retained
    /// until libevent is done with it), a file region is sent with sendfile.
    private static func append(_ content: ResponseBody, to output: OpaquePointer?) {
        switch content {
        case .bytes(let bytes):
            bytes.withUnsafeBytes { _ = evbuffer_add(output, $0.baseAddress, $0.count) }
        case .shared(let shared, let range):
            guard let start = shared.buffer.baseAddress else { return }
            evbuffer_add_reference(output, start + range.lowerBound, range.count, { _, _, owner in
                guard let owner else { return }
                Unmanaged<SharedBytes>.fromOpaque(owner).release()
            }, Unmanaged.passRetained(shared).toOpaque())
        case .file(let region):
            guard let fd = region.take() else { return }
            if evbuffer_add_file(output, fd, Int64(region.offset), Int64(region.length)) != 0 { close(fd) }
        }
    }

    /// libevent has written the whole response (on_complete callback). Returns what was asked
    /// to run after completion, for the caller to run once libevent is done with the request.
    func completed() -> (() -> Void)? {
        guard state != .finished else { return nil }
        state = .finished
        defer { afterCompletion = nil }
        return afterCompletion
    }

    /// The connection is being freed. If libevent already detached the request from it (the
    /// client hung up while the handler was still working), the request is ours to free;
    /// otherwise libevent frees it right after this returns.
    func connectionLost() {
        guard state != .finished else { return }
        if state == .handling && evhttp_request_get_connection(request) == nil {
            evhttp_request_free(request)
        }
        state = .finished
        timeoutTimer?.cancel()
        timeoutTimer = nil
        pendingWork?.cancel()
        pendingWork = nil
        disconnectWatch?.stop()
        afterCompletion = nil
        body.invalidate()
        lifetime.end()
    }
}
