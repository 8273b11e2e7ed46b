/// Why an outbound request got no response, with the code Node would report.
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
        /// The server's certificate did not verify: `code` is Node's name for OpenSSL's reason
        /// (UNABLE_TO_GET_ISSUER_CERT_LOCALLY, CERT_HAS_EXPIRED, ...), or
        /// ERR_TLS_CERT_ALTNAME_INVALID when it names another host.
        case certificateRejected
        /// The TLS handshake failed otherwise: `code` is Node's ERR_SSL_... name for OpenSSL's
        /// reason, or ECONNRESET when the peer left before it finished.
        case tlsFailed
    }

    public let kind: Kind
    /// `ECONNREFUSED`, `ECONNRESET`, `ENOTFOUND`, ...; empty where no code applies.
    public let code: String
    /// Where the request was going, as `host:port`.
    public let address: String
    /// OpenSSL's words for a TLS failure ("unable to get local issuer certificate"); empty
    /// for the other kinds.
    public let reason: String

    public init(kind: Kind, code: String, address: String, reason: String = "") {
        self.kind = kind
        self.code = code
        self.address = address
        self.reason = reason
    }

    public var description: String {
        switch kind {
        case .invalidURL: "invalid URL \(address)"
        case .resolveFailed: "getaddrinfo \(code) \(address)"
        case .connectFailed: "connect \(code) \(address)"
        case .timedOut: "timed out waiting for \(address)"
        case .closedWithoutResponse: "socket hang up"
        case .reset: "read ECONNRESET"
        case .invalidResponse: "invalid HTTP response from \(address)"
        case .certificateRejected: "certificate for \(address) did not verify: \(reason) (\(code))"
        case .tlsFailed: "TLS handshake with \(address) failed: \(reason) (\(code))"
        }
    }
}
