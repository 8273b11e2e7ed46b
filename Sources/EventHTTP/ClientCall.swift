import CLibevent

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One outbound request from name lookup to completion, owned by its `HTTPClient` until it
/// ends. libevent's request callback also holds it (retained through the callback argument)
/// while the request exists, so it outlives every callback that can name it.
final class ClientCall {
    private let loop: EventLoop
    private let url: String
    private let target: ClientTarget?
    /// For a host name; nil for a numeric host or an invalid URL.
    private let resolver: HostResolver?
    /// For an `https://` URL: the trust its certificate is checked against. Nil there only when
    /// OpenSSL could not make the system's context.
    private let tls: TLSContext?
    private let method: HTTPMethod
    private let headers: HTTPHeaders
    private let body: [UInt8]
    /// Nil once the call has completed or been abandoned.
    private var completion: ((Result<HTTPClientResponse, HTTPClientError>) -> Void)?
    /// Tells the owner the call is over.
    var ended: (() -> Void)?
    private var deadline: ScheduledTimer?
    /// The first step, taken on the next loop turn so that no completion runs inside `send`.
    private var firstStep: ScheduledTimer?
    private var lookup: HostLookup?
    private var connection: OpaquePointer?
    /// The same connection's TLS side, for an `https://` URL.
    private var tlsConnection: TLSConnection?
    /// Live from `evhttp_make_request` until libevent has called back (and then freed it).
    private var request: OpaquePointer?
    /// The error libevent reported just before calling back without a response, and errno then.
    private var reported: (error: evhttp_request_error, errno: Int32)?
    private var connectAddress = ""
    private var finished = false
    /// Bounds the response's body (nil: none): a peer that sends more fails the call as an
    /// invalid response instead of filling memory.
    var maxResponseBytes: Int?

    init(loop: EventLoop, url: String, target: ClientTarget?, resolver: HostResolver?, tls: TLSContext?, method: HTTPMethod,
         headers: HTTPHeaders, body: [UInt8], completion: @escaping (Result<HTTPClientResponse, HTTPClientError>) -> Void) {
        self.loop = loop
        self.url = url
        self.target = target
        self.resolver = resolver
        self.tls = tls
        self.method = method
        self.headers = headers
        self.body = body
        self.completion = completion
    }

    func start(timeout: Duration) {
        deadline = loop.schedule(after: timeout) { [weak self] in self?.timedOut() }
        firstStep = loop.schedule(after: .zero) { [weak self] in self?.begin() }
    }

    /// Ends the call without calling back: nobody wants its outcome any more.
    func abandon() {
        guard !finished else { return }
        completion = nil
        tearDown()
    }

    private func begin() {
        firstStep = nil
        guard let target else {
            return finish(.failure(HTTPClientError(kind: .invalidURL, code: "ERR_INVALID_URL", address: url)))
        }
        guard let resolver, !target.isNumericHost else { return connect(to: target.host) }
        lookup = resolver.lookup(target.host) { [weak self] outcome in
            guard let self else { return }
            lookup = nil
            switch outcome {
            case .success(let address):
                connect(to: address)
            case .failure(let failure):
                finish(.failure(HTTPClientError(kind: .resolveFailed, code: failure.code, address: target.host)))
            }
        }
    }

    private func connect(to address: String) {
        guard !finished, let target else { return }
        connectAddress = SocketAddressText.hostPort(address, Int(target.port))
        guard let connection = openConnection(to: address, target) else { return }
        self.connection = connection
        evhttp_connection_set_retries(connection, 0)
        if let maxResponseBytes { evhttp_connection_set_max_body_size(connection, maxResponseBytes) }
        let arg = Unmanaged.passRetained(self).toOpaque()
        guard let request = evhttp_request_new({ request, arg in
            guard let arg else { return }
            Unmanaged<ClientCall>.fromOpaque(arg).takeRetainedValue().calledBack(request)
        }, arg) else {
            Unmanaged<ClientCall>.fromOpaque(arg).release()
            return finish(.failure(HTTPClientError(kind: .connectFailed, code: "ENOMEM", address: connectAddress)))
        }
        evhttp_request_set_error_cb(request) { error, arg in
            guard let arg else { return }
            Unmanaged<ClientCall>.fromOpaque(arg).takeUnretainedValue().reported = (error, errno)
        }
        let output = evhttp_request_get_output_headers(request)
        evhttp_add_header(output, "Host", target.hostHeader)
        for field in headers where !HTTPHeaders.sameName(field.name, "Host") {
            evhttp_add_header(output, field.name, field.value)
        }
        if !body.isEmpty || [.POST, .PUT, .PATCH].contains(method), !headers.contains("Content-Length") {
            evhttp_add_header(output, "Content-Length", String(body.count))
        }
        if !body.isEmpty {
            body.withUnsafeBytes { _ = evbuffer_add(evhttp_request_get_output_buffer(request), $0.baseAddress, $0.count) }
        }
        self.request = request
        // A connect that fails at once (a refused local port) calls back from inside this.
        if evhttp_make_request(connection, request, method.libeventCommand, target.requestTarget) != 0 {
            // libevent dropped the request without calling back (and without freeing it when
            // its socket could not be set up: a small leak rather than a double free).
            self.request = nil
            Unmanaged<ClientCall>.fromOpaque(arg).release()
            finish(.failure(HTTPClientError(kind: .connectFailed, code: "EINVAL", address: connectAddress)))
        }
    }

    /// A plain or a TLS connection to `address`; nil when the call has failed instead.
    private func openConnection(to address: String, _ target: ClientTarget) -> OpaquePointer? {
        guard target.isTLS else {
            guard let connection = evhttp_connection_base_new(loop.base, nil, address, target.port) else {
                finish(.failure(HTTPClientError(kind: .connectFailed, code: "ENOMEM", address: connectAddress)))
                return nil
            }
            return connection
        }
        guard let tls else {
            finish(.failure(HTTPClientError(kind: .tlsFailed, code: "ERR_OSSL_MALLOC_FAILURE", address: target.address,
                                            reason: "OpenSSL could not make a context for the system's certificate store")))
            return nil
        }
        switch TLSConnection.open(on: loop.base, context: tls, target: target, address: address) {
        case .success(let made):
            tlsConnection = made
            return made.connection
        case .failure(let failure):
            let error = failure.openSSLError.map {
                HTTPClientError(kind: .tlsFailed, code: OpenSSLErrors.nodeCode($0), address: target.address, reason: OpenSSLErrors.reason($0))
            }
            finish(.failure(error ?? HTTPClientError(kind: .connectFailed, code: "ENOMEM", address: connectAddress)))
            return nil
        }
    }

    private func timedOut() {
        deadline = nil
        let address = connectAddress.isEmpty ? target?.address ?? url : connectAddress
        finish(.failure(HTTPClientError(kind: .timedOut, code: "ETIMEDOUT", address: address)))
    }

    private func calledBack(_ request: OpaquePointer?) {
        self.request = nil
        guard !finished else { return }
        guard let request, evhttp_request_get_response_code(request) != 0 else {
            return finish(.failure(failure()))
        }
        finish(.success(HTTPClientResponse(
            status: Int(evhttp_request_get_response_code(request)),
            headers: LibeventMessage.headers(evhttp_request_get_input_headers(request)),
            body: LibeventMessage.body(evhttp_request_get_input_buffer(request)))))
    }

    /// Classifies a callback without a response. libevent reports a refused connect by calling
    /// back with status 0 and no error at all; everything else comes with an error code and
    /// the socket's errno restored.
    private func failure() -> HTTPClientError {
        // A TLS failure is told by what OpenSSL saw; a timeout is a timeout either way.
        if let tlsConnection, let target, reported?.error != EVREQ_HTTP_TIMEOUT,
           let failed = tlsConnection.failure(errno: reported?.errno, address: target.address) {
            return failed
        }
        guard let reported else {
            return HTTPClientError(kind: .connectFailed, code: "ECONNREFUSED", address: connectAddress)
        }
        switch (reported.error, reported.errno) {
        case (EVREQ_HTTP_TIMEOUT, _):
            return HTTPClientError(kind: .timedOut, code: "ETIMEDOUT", address: connectAddress)
        case (EVREQ_HTTP_INVALID_HEADER, _), (EVREQ_HTTP_DATA_TOO_LONG, _):
            return HTTPClientError(kind: .invalidResponse, code: "HPE_INVALID", address: connectAddress)
        case (_, ECONNRESET), (_, EPIPE):
            return HTTPClientError(kind: .reset, code: "ECONNRESET", address: connectAddress)
        case (_, ECONNREFUSED), (_, EHOSTUNREACH), (_, ENETUNREACH), (_, ETIMEDOUT):
            return HTTPClientError(kind: .connectFailed, code: errnoName(reported.errno), address: connectAddress)
        default:
            return HTTPClientError(kind: .closedWithoutResponse, code: "ECONNRESET", address: connectAddress)
        }
    }

    private func finish(_ result: Result<HTTPClientResponse, HTTPClientError>) {
        guard !finished else { return }
        let completion = self.completion
        self.completion = nil
        tearDown()
        completion?(result)
    }

    /// Lets go of everything the call holds in libevent, exactly once.
    private func tearDown() {
        // The request's callback may hold the last reference other than the owner's.
        withExtendedLifetime(self) {
            finished = true
            deadline?.cancel()
            deadline = nil
            firstStep?.cancel()
            firstStep = nil
            lookup?.cancel()
            lookup = nil
            if let request {
                // Cancelling frees the request without calling back, so the callback's retain
                // of this call is released here instead.
                self.request = nil
                evhttp_cancel_request(request)
                Unmanaged.passUnretained(self).release()
            }
            // libevent may still be inside a callback for this connection; free it from a fresh one.
            tlsConnection = nil
            if let connection {
                self.connection = nil
                loop.schedule(after: .zero) { evhttp_connection_free(connection) }
            }
            let ended = self.ended
            self.ended = nil
            ended?()
        }
    }
}

private func errnoName(_ code: Int32) -> String {
    switch code {
    case ECONNREFUSED: "ECONNREFUSED"
    case EHOSTUNREACH: "EHOSTUNREACH"
    case ENETUNREACH: "ENETUNREACH"
    case ETIMEDOUT: "ETIMEDOUT"
    case ECONNRESET: "ECONNRESET"
    default: "E\(code)"
    }
}
