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
/// resolved with evdns (`HostResolver`) and every request has a deadline.
///
/// The client owns its calls until they complete: each one's completion runs exactly once, on
/// the loop and never from inside `send`, unless the call is abandoned first (`close()`, or the
/// client released), after which it never runs.
public final class HTTPClient {
    private let loop: EventLoop
    private var resolver: HostResolver?
    /// The calls in flight; a call leaves when it completes.
    private var calls: [ObjectIdentifier: ClientCall] = [:]
    private var closed = false

    public init(loop: EventLoop) {
        self.loop = loop
    }

    deinit {
        close()
    }

    /// Sends one request on a new connection; `completion` runs on the loop exactly once,
    /// unless the client is closed first. `timeout` (at most `HostResolver.longestCall`, 50
    /// minutes) bounds everything, the name lookup included; `maxResponseBytes` the body it
    /// will take (a longer one is `invalidResponse`).
    public func send(
        _ method: HTTPMethod, url: String, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = [],
        timeout: Duration = .seconds(30), maxResponseBytes: Int? = nil,
        completion: @escaping (Result<HTTPClientResponse, HTTPClientError>) -> Void
    ) {
        guard !closed else { return }
        let target = ClientTarget(url)
        let resolver = target.flatMap { $0.isNumericHost ? nil : sharedResolver() }
        let call = ClientCall(loop: loop, url: url, target: target, resolver: resolver, method: method, headers: headers,
                              body: body, completion: completion)
        call.maxResponseBytes = maxResponseBytes
        let id = ObjectIdentifier(call)
        calls[id] = call
        call.ended = { [weak self] in self?.calls[id] = nil }
        call.start(timeout: min(timeout, HostResolver.longestCall))
    }

    /// Made on first need: it reads resolv.conf and the hosts file.
    private func sharedResolver() -> HostResolver {
        if let resolver { return resolver }
        let made = HostResolver(loop: loop)
        resolver = made
        return made
    }

    /// Abandons every call in flight, and every later one, without calling back: for an owner
    /// whose own caller went away. Their connections and lookups are let go.
    public func close() {
        closed = true
        let abandoned = calls.values
        calls = [:]
        for call in abandoned { call.abandon() }
        resolver = nil
    }
}
