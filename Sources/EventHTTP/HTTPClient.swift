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

/// Outbound HTTP/1.1 on a loop, with libevent's evhttp client, over TLS for `https://` URLs
/// (OpenSSL bufferevents). Never blocks the loop: names are resolved with evdns
/// (`HostResolver`) and every request has a deadline, the TLS handshake included.
///
/// The client owns its calls until they complete: each one's completion runs exactly once, on
/// the loop and never from inside `send`, unless the call is abandoned first (`close()`, or the
/// client released), after which it never runs.
public final class HTTPClient {
    private let loop: EventLoop
    private var resolver: HostResolver?
    /// Nil: the system's store, read on the first `https://` call of the process.
    private let tls: TLSClientSettings?
    /// The calls in flight; a call leaves when it completes.
    private var calls: [ObjectIdentifier: ClientCall] = [:]
    private var closed = false

    /// `tls` is the trust `https://` calls check certificates against; without it, the
    /// system's certificate store.
    public init(loop: EventLoop, tls: TLSClientSettings? = nil) {
        self.loop = loop
        self.tls = tls
        brokenPipesIgnored
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
        // Nil for an https:// URL only when OpenSSL could not make even the system's context.
        let context = target?.isTLS == true ? (tls ?? TLSClientSettings.system)?.context : nil
        let call = ClientCall(loop: loop, url: url, target: target, resolver: resolver, tls: context, method: method, headers: headers,
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

/// A peer that vanishes while the client writes must not kill the process: OpenSSL writes to
/// its socket with plain `write`, which raises SIGPIPE. Done once, before the first client.
private let brokenPipesIgnored: Void = { _ = signal(SIGPIPE, SIG_IGN) }()
