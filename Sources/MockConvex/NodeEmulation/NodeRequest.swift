import EventHTTP
import FoundationEssentials

/// One HTTP request of a Node action, sent the way the Node executor sends it, with its
/// failure put in Node's words.
struct NodeRequest {
    /// Failures Node retries even for calls that are not idempotent: nothing was sent.
    static let connectPhaseKinds: [HTTPClientError.Kind] = [.connectFailed, .resolveFailed]

    enum Failure: Error {
        /// No answer: `fetch failed`, with the network cause.
        case network(HTTPClientError, url: String, attempts: Int)
    }

    /// `new URL(path, origin)`: the origin's scheme, host and port, with `path` replacing
    /// whatever path the origin has.
    static func url(_ path: String, origin: String) -> String {
        guard let base = URL(string: origin), let scheme = base.scheme, let host = base.host else { return origin + path }
        let hostText = host.contains(":") ? "[\(host)]" : host
        return "\(scheme)://\(hostText)\(base.port.map { ":\($0)" } ?? "")\(path)"
    }

    /// Sends, retrying as Node does: failures before the connection, and (for idempotent calls)
    /// 5xx answers, up to `attempts` times with its doubling backoff.
    static func send(
        _ client: HTTPClient, loop: EventLoop, _ method: HTTPMethod, url: String, headers: HTTPHeaders, body: [UInt8],
        timeout: Duration, attempts: Int, retryAnswers: Bool,
        completion: @escaping (Result<HTTPClientResponse, Failure>) -> Void
    ) {
        func attempt(_ number: Int) {
            client.send(method, url: url, headers: headers, body: body, timeout: timeout) { result in
                switch result {
                case .success(let response) where retryAnswers && (500..<600).contains(response.status) && response.status != 560 && number < attempts:
                    loop.schedule(after: backoff(number), { attempt(number + 1) })
                case .success(let response):
                    completion(.success(response))
                case .failure(let error) where number < attempts && (retryAnswers || connectPhaseKinds.contains(error.kind)):
                    loop.schedule(after: backoff(number), { attempt(number + 1) })
                case .failure(let error):
                    completion(.failure(.network(error, url: url, attempts: number)))
                }
            }
        }
        attempt(1)
    }

    /// Node's full-jitter backoff: up to 1 s, 2 s, 4 s ... (at most 20 s).
    static func backoff(_ attempt: Int) -> Duration {
        let ceiling = min(20_000, 1_000 << min(attempt - 1, 10))
        return .milliseconds(Int.random(in: 0...ceiling))
    }
}

extension HTTPClientError {
    /// The `code` Node puts in its retry message: `ECONNREFUSED`, `ENOTFOUND`, ...
    var nodeCode: String {
        switch kind {
        case .timedOut: "UND_ERR_HEADERS_TIMEOUT"
        case .invalidResponse: "HPE_INVALID_CONSTANT"
        case .invalidURL: "ERR_INVALID_URL"
        default: code
        }
    }
}
