import CLibevent

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public struct HTTPClientResponse: Sendable {
    public let status: Int
    public let headers: HTTPHeaders
    public let body: [UInt8]
}

/// Why an outbound request got no response, with the errno-style code Node would report.
public struct HTTPClientError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        case invalidURL
        /// The host name did not resolve (Node: ENOTFOUND).
        case resolveFailed
        /// The TCP connect failed; `code` says how (ECONNREFUSED, EHOSTUNREACH, ...).
        case connectFailed
        /// No complete response within the timeout (Node: ETIMEDOUT / UND_ERR_HEADERS_TIMEOUT).
        case timedOut
        /// The peer closed the connection before a complete response (Node: "socket hang up").
        case closedWithoutResponse
        /// The peer reset the connection (Node: ECONNRESET).
        case reset
        /// The peer answered with something that is not HTTP.
        case invalidResponse
    }

    public let kind: Kind
    /// `ECONNREFUSED`, `ECONNRESET`, `ENOTFOUND`, ...; empty where no errno applies.
    public let code: String
    /// Where the request was going, as `host:port`.
    public let address: String

    public var description: String {
        switch kind {
        case .invalidURL: "invalid URL \(address)"
        case .resolveFailed: "getaddrinfo \(code) \(address)"
        case .connectFailed: "connect \(code) \(address)"
        case .timedOut: "timed out waiting for \(address)"
        case .closedWithoutResponse: "socket hang up"
        case .reset: "read ECONNRESET"
        case .invalidResponse: "invalid HTTP response from \(address)"
        }
    }
}

/// Outbound HTTP/1.1 on a loop, with libevent's evhttp client. Never blocks the loop: names are
/// resolved with evdns and every request has a deadline.
public final class HTTPClient {
    private let loop: EventLoop
    private var dns: OpaquePointer?

    public init(loop: EventLoop) {
        self.loop = loop
    }

    deinit {
        if let dns { evdns_base_free(dns, 1) }
    }

    /// Sends one request on a new connection; `completion` runs on the loop exactly once.
    public func send(
        _ method: HTTPMethod, url: String, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = [],
        timeout: Duration = .seconds(30),
        completion: @escaping (Result<HTTPClientResponse, HTTPClientError>) -> Void
    ) {
        guard let target = ClientTarget(url) else {
            completion(.failure(HTTPClientError(kind: .invalidURL, code: "ERR_INVALID_URL", address: url)))
            return
        }
        let call = ClientCall(loop: loop, target: target, method: method, headers: headers, body: body, completion: completion)
        call.deadline = loop.schedule(after: timeout) { [weak call] in call?.timedOut() }
        if target.isNumericHost {
            call.connect(to: target.host)
        } else {
            resolve(target.host) { [weak call] address in
                guard let call else { return }
                if let address {
                    call.connect(to: address)
                } else {
                    call.finish(.failure(HTTPClientError(kind: .resolveFailed, code: "ENOTFOUND", address: target.host)))
                }
            }
        }
    }

    /// Resolves through evdns, which reads /etc/hosts as well as resolv.conf. IPv4 is preferred
    /// so that `localhost` means 127.0.0.1, as in the self-hosted backend's container.
    private func resolve(_ host: String, _ done: @escaping (String?) -> Void) {
        if dns == nil { dns = evdns_base_new(loop.base, EVDNS_BASE_INITIALIZE_NAMESERVERS) }
        var hints = addrinfo.streamHints()
        let box = Unmanaged.passRetained(ResolveBox(done)).toOpaque()
        evdns_getaddrinfo(dns, host, nil, &hints, { result, list, arg in
            let box = Unmanaged<ResolveBox>.fromOpaque(arg!).takeRetainedValue()
            guard result == 0, let list else {
                box.done(nil)
                return
            }
            defer { evutil_freeaddrinfo(list) }
            var chosen: String?
            var entry: UnsafeMutablePointer<addrinfo>? = list
            while let current = entry {
                if let text = numericAddress(current.pointee.ai_addr), chosen == nil || current.pointee.ai_family == AF_INET {
                    chosen = text
                    if current.pointee.ai_family == AF_INET { break }
                }
                entry = current.pointee.ai_next
            }
            box.done(chosen)
        }, box)
    }
}

private final class ResolveBox {
    let done: (String?) -> Void
    init(_ done: @escaping (String?) -> Void) { self.done = done }
}

private func numericAddress(_ address: UnsafeMutablePointer<sockaddr>?) -> String? {
    guard let address else { return nil }
    var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
    switch Int32(address.pointee.sa_family) {
    case AF_INET:
        return address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { ipv4 in
            var raw = ipv4.pointee.sin_addr
            return evutil_inet_ntop(AF_INET, &raw, &text, text.count).map { String(cString: $0) }
        }
    case AF_INET6:
        return address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { ipv6 in
            var raw = ipv6.pointee.sin6_addr
            return evutil_inet_ntop(AF_INET6, &raw, &text, text.count).map { String(cString: $0) }
        }
    default:
        return nil
    }
}

/// Scheme, host, port and request target of an `http://` URL, parsed by libevent.
struct ClientTarget {
    let host: String
    let port: Int
    let requestTarget: String
    let isNumericHost: Bool

    init?(_ url: String) {
        guard let uri = evhttp_uri_parse(url) else { return nil }
        defer { evhttp_uri_free(uri) }
        guard let scheme = evhttp_uri_get_scheme(uri), String(cString: scheme).lowercased() == "http",
              let host = evhttp_uri_get_host(uri).map({ String(cString: $0) }), !host.isEmpty
        else { return nil }
        self.host = host
        let port = evhttp_uri_get_port(uri)
        self.port = port < 0 ? 80 : Int(port)
        let path = evhttp_uri_get_path(uri).map { String(cString: $0) } ?? ""
        let query = evhttp_uri_get_query(uri).map { "?" + String(cString: $0) } ?? ""
        requestTarget = (path.isEmpty ? "/" : path) + query
        var probe = in6_addr()
        isNumericHost = evutil_inet_pton(AF_INET, host, &probe) == 1 || evutil_inet_pton(AF_INET6, host, &probe) == 1
    }

    /// The Host header: the port is left out when it is the scheme's default, as browsers do.
    var hostHeader: String {
        let name = host.contains(":") ? "[\(host)]" : host
        return port == 80 ? name : "\(name):\(port)"
    }

    var address: String { SocketAddressText.hostPort(host, port) }
}

/// One outbound request from connect to completion. Retained by libevent's request callback
/// argument while the request exists, so it outlives every callback that can name it.
final class ClientCall {
    private let loop: EventLoop
    private let target: ClientTarget
    private let method: HTTPMethod
    private let headers: HTTPHeaders
    private let body: [UInt8]
    private let completion: (Result<HTTPClientResponse, HTTPClientError>) -> Void
    var deadline: ScheduledTimer?
    private var connection: OpaquePointer?
    /// Live from `evhttp_make_request` until libevent has called back (and then freed it).
    private var request: OpaquePointer?
    /// The error libevent reported just before calling back without a response, and errno then.
    private var reported: (error: evhttp_request_error, errno: Int32)?
    private var connectAddress = ""
    private var finished = false

    init(loop: EventLoop, target: ClientTarget, method: HTTPMethod, headers: HTTPHeaders, body: [UInt8],
         completion: @escaping (Result<HTTPClientResponse, HTTPClientError>) -> Void) {
        self.loop = loop
        self.target = target
        self.method = method
        self.headers = headers
        self.body = body
        self.completion = completion
    }

    func connect(to address: String) {
        guard !finished else { return }
        connectAddress = SocketAddressText.hostPort(address, target.port)
        guard let connection = evhttp_connection_base_new(loop.base, nil, address, UInt16(target.port)) else {
            finish(.failure(HTTPClientError(kind: .connectFailed, code: "ENOMEM", address: connectAddress)))
            return
        }
        self.connection = connection
        evhttp_connection_set_retries(connection, 0)
        let arg = Unmanaged.passRetained(self).toOpaque()
        guard let request = evhttp_request_new({ request, arg in
            Unmanaged<ClientCall>.fromOpaque(arg!).takeRetainedValue().calledBack(request)
        }, arg) else {
            Unmanaged<ClientCall>.fromOpaque(arg).release()
            finish(.failure(HTTPClientError(kind: .connectFailed, code: "ENOMEM", address: connectAddress)))
            return
        }
        evhttp_request_set_error_cb(request) { error, arg in
            Unmanaged<ClientCall>.fromOpaque(arg!).takeUnretainedValue().reported = (error, errno)
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
        if evhttp_make_request(connection, request, method.libeventCommand, target.requestTarget) != 0 {
            // libevent freed the request without calling back.
            self.request = nil
            Unmanaged<ClientCall>.fromOpaque(arg).release()
            finish(.failure(HTTPClientError(kind: .connectFailed, code: "EINVAL", address: connectAddress)))
        }
    }

    func timedOut() {
        guard !finished else { return }
        finish(.failure(HTTPClientError(kind: .timedOut, code: "ETIMEDOUT", address: connectAddress.isEmpty ? target.address : connectAddress)))
        if let request {
            // Cancelling frees the request without calling back, so the callback's retain of
            // this call is released here instead.
            self.request = nil
            evhttp_cancel_request(request)
            Unmanaged.passUnretained(self).release()
        }
    }

    private func calledBack(_ request: OpaquePointer?) {
        self.request = nil
        guard !finished else { return }
        guard let request, evhttp_request_get_response_code(request) != 0 else {
            finish(.failure(failure()))
            return
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

    func finish(_ result: Result<HTTPClientResponse, HTTPClientError>) {
        guard !finished else { return }
        finished = true
        deadline?.cancel()
        deadline = nil
        completion(result)
        // libevent may still be inside a callback for this connection; free it from a fresh one.
        if let connection {
            self.connection = nil
            loop.schedule(after: .zero) { evhttp_connection_free(connection) }
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
