import CLibevent

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One listener's share of one loop: an `evhttp` accepting on this loop's socket for the port.
/// Each listener has its own `evhttp`, so that freeing it drops exactly that listener's
/// connections and leaves the other ports alone.
final class LoopListener {
    let name: String
    private let handler: any HTTPHandler
    private unowned let owner: ServerLoop
    private var http: OpaquePointer?
    private var bound: OpaquePointer?
    /// The request being handled or written on each connection; libevent serves one request
    /// per connection at a time, pipelined ones wait until the previous is written.
    private var inFlight: [OpaquePointer: Exchange] = [:]
    /// The `Date` answers carry, made once a second.
    var date = HTTPDate()
    /// Each open connection's peer, formatted once: a keep-alive connection sends many requests.
    private var peers: [OpaquePointer: String] = [:]
    /// Connections to close once the loop is out of libevent's callback for their answer.
    private var closingAfterAnswer: Set<OpaquePointer> = []
    /// Connections taken over after an upgrade, until they end; they are no requests in flight.
    private var webSockets: [ObjectIdentifier: WebSocket] = [:]
    /// Set while closing for real: connections are reset rather than shut down politely.
    private var resetOnClose = false
    private let readDeadline: RequestReadDeadline

    init(name: String, handler: any HTTPHandler, owner: ServerLoop) {
        self.name = name
        self.handler = handler
        self.owner = owner
        readDeadline = RequestReadDeadline(loop: owner.loop, settings: owner.settings)
    }

    var isOpen: Bool { http != nil }
    var loop: EventLoop { owner.loop }
    var inFlightCount: Int { inFlight.count }
    var webSocketCount: Int { webSockets.count }
    /// While draining, every answer asks the client to close so keep-alive connections end.
    var closesAfterResponse: Bool { owner.isDraining }

    /// Starts accepting on `fd`, a listening socket this listener now owns.
    func open(socket fd: Int32) {
        // HTTPServer applies one switch of a listener at a time and only opens a closed one, so
        // this is never already open; if it were, the socket it has goes on serving.
        guard http == nil else { return closeDescriptor(fd) }
        // evhttp_new fails only when its allocation does.
        guard let http = evhttp_new(owner.loop.base) else { fatalError("evhttp_new failed: out of memory") }
        let settings = owner.settings
        evhttp_set_max_body_size(http, settings.maxBodyBytes)
        evhttp_set_max_headers_size(http, settings.maxHeaderBytes)
        var timeout = timeval(settings.connectionTimeout)
        evhttp_set_timeout_tv(http, &timeout)
        // Without lingering close libevent resets the connection of an oversized body instead
        // of answering 413.
        evhttp_set_flags(http, EVHTTP_SERVER_LINGERING_CLOSE)
        evhttp_set_default_content_type(http, nil)
        let everyMethod = HTTPMethod.allCases.reduce(UInt16(0)) { $0 | UInt16($1.libeventCommand.rawValue) }
        evhttp_set_allowed_methods(http, everyMethod)
        evhttp_set_bevcb(http, { _, arg in
            guard let arg else { return nil }
            return Unmanaged<RequestReadDeadline>.fromOpaque(arg).takeUnretainedValue().makeBufferEvent()
        }, Unmanaged.passUnretained(readDeadline).toOpaque())
        evhttp_set_gencb(http, { request, arg in
            guard let request, let arg else { return }
            Unmanaged<LoopListener>.fromOpaque(arg).takeUnretainedValue().dispatch(request)
        }, Unmanaged.passUnretained(self).toOpaque())
        // It makes an evconnlistener over `fd` without calling listen(), which fails only when
        // an allocation does.
        guard let bound = evhttp_accept_socket_with_handle(http, fd) else {
            fatalError("evhttp_accept_socket_with_handle failed for \(name): out of memory")
        }
        self.http = http
        self.bound = bound
        resetOnClose = false
    }

    /// Stops taking new connections; open ones are served until `close`.
    func stopAccepting() {
        guard let http, let bound else { return }
        evhttp_del_accept_socket(http, bound)
        self.bound = nil
    }

    /// Closes the listening socket and every connection, WebSockets included. With `reset`,
    /// connections get a TCP reset, as when the process behind a port dies; requests still
    /// being handled are dropped. Without, it is the end of a graceful shutdown.
    func close(reset: Bool) {
        guard let http else { return }
        for socket in Array(webSockets.values) {
            socket.drop(reset ? .listenerClosed : .serverShuttingDown, reset: reset)
        }
        resetOnClose = reset
        evhttp_free(http)
        self.http = nil
        bound = nil
        resetOnClose = false
        readDeadline.forgetAll()
    }

    /// Sends every WebSocket a Close 1001 (going away), for a graceful shutdown.
    func closeWebSocketsForShutdown() {
        for socket in Array(webSockets.values) { socket.closeForShutdown() }
    }

    /// `exchange` became a WebSocket over `socket`: the request leaves flight and evhttp lets
    /// go of its connection (from a fresh callback: it is using it while the handler runs).
    func upgraded(_ exchange: Exchange, socket: TakenSocket, head: [UInt8], settings: WebSocketSettings, handler: any WebSocketHandler) -> WebSocket? {
        let connection = exchange.connection
        inFlight[connection] = nil
        readDeadline.forget(connection)
        closeFromFreshCallback(connection)
        let webSocket = WebSocket(
            taking: socket, head: head, loop: owner.loop, remoteAddress: exchange.remoteAddress, listener: name,
            settings: settings, handler: handler, ended: { [weak self] in self?.webSocketEnded($0) })
        if let webSocket {
            webSockets[ObjectIdentifier(webSocket)] = webSocket
            if owner.isDraining { webSocket.closeForShutdown() }
        }
        owner.finishDrainIfIdle()
        return webSocket
    }

    private func webSocketEnded(_ socket: WebSocket) {
        webSockets[ObjectIdentifier(socket)] = nil
        owner.finishDrainIfIdle()
    }

    private func dispatch(_ request: OpaquePointer) {
        let startedAt = EventLoop.monotonicNanoseconds()
        // libevent parsed the request line before dispatching, so the target is there.
        guard let connection = evhttp_request_get_connection(request),
              let method = HTTPMethod(libevent: evhttp_request_get_command(request)),
              let target = evhttp_request_get_uri(request)
        else {
            evhttp_send_error(request, 501, nil)
            return
        }
        readDeadline.requestReceived(on: connection)
        let arg = Unmanaged.passUnretained(self).toOpaque()
        evhttp_connection_set_closecb(connection, { connection, arg in
            guard let connection, let arg else { return }
            Unmanaged<LoopListener>.fromOpaque(arg).takeUnretainedValue().connectionClosing(connection)
        }, arg)
        evhttp_request_set_on_complete_cb(request, { request, arg in
            guard let request, let arg else { return }
            Unmanaged<LoopListener>.fromOpaque(arg).takeUnretainedValue().responseWritten(request)
        }, arg)

        var parsed = HTTPRequest(
            method: method,
            uri: String(cString: target),
            headers: LibeventMessage.headers(evhttp_request_get_input_headers(request)),
            remoteAddress: peer(of: connection),
            listener: name
        )
        if let input = evhttp_request_get_input_buffer(request), evbuffer_get_length(input) > 0 {
            parsed.content = RequestBody(received: input)
        }
        let exchange = Exchange(request: request, connection: connection, listener: self, method: method,
                                uri: parsed.uri, remoteAddress: parsed.remoteAddress, startedAt: startedAt, body: parsed.content)
        inFlight[connection] = exchange
        let responder = Responder(exchange: exchange)
        if let problem = RequestFraming.problem(in: parsed.headers) {
            var answer = owner.settings.malformedRequestResponse(problem)
            answer.headers.set("Connection", "close")
            responder.send(answer)
            return
        }
        handler.answer(parsed, responder, internalError: owner.settings.internalErrorResponse)
        if exchange.isAwaitingAnswer {
            let settings = owner.settings
            exchange.timeoutTimer = owner.loop.schedule(after: settings.handlerTimeout) { [weak exchange] in
                exchange?.timeoutTimer = nil
                exchange?.send(settings.handlerTimeoutResponse)
            }
            exchange.watchForDisconnect()
        }
    }

    func record(_ exchange: Exchange, status: Int, bytes: Int) {
        guard let log = owner.settings.accessLog else { return }
        log(AccessRecord(
            listener: name, method: exchange.method, uri: exchange.uri, status: status,
            durationNanoseconds: EventLoop.monotonicNanoseconds() - exchange.startedAt,
            responseBytes: bytes, remoteAddress: exchange.remoteAddress))
    }

    private func responseWritten(_ request: OpaquePointer) {
        guard let connection = evhttp_request_get_connection(request),
              let exchange = inFlight.removeValue(forKey: connection) else { return }
        readDeadline.responseWritten(on: connection)
        // libevent is still using the request and connection after this callback returns, so
        // whatever follows completion runs from a fresh callback.
        if let then = exchange.completed() {
            owner.loop.schedule(after: .zero, then)
        }
        if exchange.closesConnectionAfterAnswer {
            closeFromFreshCallback(connection)
        }
        owner.finishDrainIfIdle()
    }

    /// Frees `connection` on the next loop turn, unless it is gone by then (its close callback
    /// takes it out of `closingAfterAnswer`, so a freed pointer is never touched).
    private func closeFromFreshCallback(_ connection: OpaquePointer) {
        closingAfterAnswer.insert(connection)
        owner.loop.schedule(after: .zero) { [self] in
            if closingAfterAnswer.remove(connection) != nil { evhttp_connection_free(connection) }
        }
    }

    private func peer(of connection: OpaquePointer) -> String {
        if let known = peers[connection] { return known }
        let formatted = Self.peer(connection)
        peers[connection] = formatted
        return formatted
    }

    private func connectionClosing(_ connection: OpaquePointer) {
        peers[connection] = nil
        closingAfterAnswer.remove(connection)
        if resetOnClose, let bufferEvent = evhttp_connection_get_bufferevent(connection) {
            resetConnection(fd: bufferevent_getfd(bufferEvent))
        }
        guard let exchange = inFlight.removeValue(forKey: connection) else { return }
        exchange.connectionLost()
        owner.finishDrainIfIdle()
    }

    private static func peer(_ connection: OpaquePointer) -> String {
        var address: UnsafeMutablePointer<CChar>?
        var port: UInt16 = 0
        evhttp_connection_get_peer(connection, &address, &port)
        guard let address else { return "" }
        return SocketAddressText.hostPort(String(cString: address), Int(port))
    }
}
