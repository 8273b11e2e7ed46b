import EventHTTP
import FoundationEssentials

/// Fetches what a provider's keys are made from: a JWKS at a URL or in a `data:` URI, or OIDC
/// discovery then its `jwks_uri`, with the loop's outbound client (`https://` URLs checked
/// against `tls`, the system's store when nil). Each fetch has its own deadline, so an
/// unreachable provider fails a token within `timeout`, not the request's. Redirects are not
/// followed (the client does not), so a provider cannot send it in circles.
enum KeyDocuments {
    static let timeout: Duration = .seconds(10)
    static let maxDocumentBytes = 1 << 20

    /// A `customJwt` provider's JWKS, with the backend's rejections.
    static func jwks(_ uri: String, on loop: EventLoop, tls: TLSClientSettings?,
                     _ completion: @escaping (Result<JWKSDocument, ConvexAPIError>) -> Void) {
        if uri.hasPrefix("data:") {
            guard let bytes = DataURL.decode(uri) else { return completion(.failure(TokenRejection.badDataURL)) }
            return completion(JWKSDocument(bytes, lifetime: nil).map { .success($0) } ?? .failure(TokenRejection.invalidJWKS(uri)))
        }
        get(uri, on: loop, tls: tls) { result in
            switch result {
            case .failure(let error):
                completion(.failure(TokenRejection.unfetchable(uri, error.description)))
            case .success(let response) where response.status != 200:
                completion(.failure(TokenRejection.unfetchable(uri, "HTTP \(response.status) \(ReasonPhrase.of(response.status))")))
            case .success(let response):
                let contentType = response.headers["Content-Type"]
                guard let contentType, isJWKSMediaType(contentType) else {
                    return completion(.failure(TokenRejection.wrongContentType(uri, response.headers["Content-Type"] ?? "unknown")))
                }
                guard response.body.count <= maxDocumentBytes, let document = JWKSDocument(response) else {
                    return completion(.failure(TokenRejection.invalidJWKS(uri)))
                }
                completion(.success(document))
            }
        }
    }

    /// OIDC discovery at `{issuer}/.well-known/openid-configuration`: its `issuer` must be the
    /// provider's (trailing slashes aside; the token's `iss` must then equal it exactly), then
    /// its `jwks_uri` is fetched. Any failure is the backend's
    /// `AuthProviderDiscoveryFailed`.
    static func discover(_ issuer: String, on loop: EventLoop, tls: TLSClientSettings?,
                         _ completion: @escaping (Result<(issuer: String, keys: JWKSDocument), ConvexAPIError>) -> Void) {
        let url = String(AuthProvider.trimmedSlashes(issuer)) + "/.well-known/openid-configuration"
        let failed = TokenRejection.discoveryFailed(issuer)
        get(url, on: loop, tls: tls) { result in
            guard case .success(let response) = result else { return completion(.failure(failed)) }
            guard response.status == 200 else {
                return completion(.failure(TokenRejection.discoveryFailed(issuer, status: response.status, body: response.body)))
            }
            guard response.body.count <= maxDocumentBytes, let metadata = try? JSONReader.parse(response.body, maxDepth: 64),
                  let discovered = metadata["issuer"]?.stringValue,
                  AuthProvider.trimmedSlashes(discovered) == AuthProvider.trimmedSlashes(issuer),
                  let jwksURI = metadata["jwks_uri"]?.stringValue, jwksURI.hasPrefix("http://") || jwksURI.hasPrefix("https://")
            else { return completion(.failure(failed)) }
            get(jwksURI, on: loop, tls: tls) { result in
                guard case .success(let response) = result else { return completion(.failure(failed)) }
                guard response.status == 200 else {
                    return completion(.failure(TokenRejection.discoveryFailed(issuer, status: response.status, body: response.body)))
                }
                guard response.body.count <= maxDocumentBytes, let document = JWKSDocument(response) else { return completion(.failure(failed)) }
                completion(.success((discovered, document)))
            }
        }
    }

    /// One GET on a client of its own, kept alive by its own completion until it answers.
    private static func get(_ url: String, on loop: EventLoop, tls: TLSClientSettings?,
                            _ completion: @escaping (Result<HTTPClientResponse, HTTPClientError>) -> Void) {
        let client = HTTPClient(loop: loop, tls: tls)
        client.send(.GET, url: url, headers: ["Accept": "application/json"], timeout: timeout, maxResponseBytes: maxDocumentBytes) { result in
            withExtendedLifetime(client) { completion(result) }
        }
    }

    /// `application/json` or `application/jwk-set+json`, with no charset but utf-8.
    static func isJWKSMediaType(_ value: String) -> Bool {
        let parts = value.split(separator: ";").map { String($0.filter { $0 != " " && $0 != "\t" }).lowercased() }
        guard let essence = parts.first, ["application/json", "application/jwk-set+json"].contains(essence) else { return false }
        return parts.dropFirst().allSatisfy { !$0.hasPrefix("charset=") || $0 == "charset=utf-8" || $0 == "charset=\"utf-8\"" }
    }
}

/// A JWKS as fetched, parsed by jwt-kit but not yet made into keys.
struct JWKSDocument: Sendable {
    let bytes: [UInt8]
    /// Seconds its keys may be kept (`KeyLifetime`); nil for keys that never change.
    let lifetime: Int64?

    init?(_ bytes: [UInt8], lifetime: Int64?) {
        guard VerificationKeys.parse(bytes) != nil else { return nil }
        self.bytes = bytes
        self.lifetime = lifetime
    }

    init?(_ response: HTTPClientResponse) {
        self.init(response.body, lifetime: KeyLifetime.seconds(cacheControl: response.headers["Cache-Control"]))
    }
}

/// `data:[<media type>][;base64],<data>`: base64 or percent-encoded (the backend's `data-url`).
enum DataURL {
    static func decode(_ uri: String) -> [UInt8]? {
        guard uri.hasPrefix("data:"), let comma = uri.firstIndex(of: ",") else { return nil }
        let header = uri[uri.index(uri.startIndex, offsetBy: 5)..<comma]
        let payload = String(uri[uri.index(after: comma)...])
        let decoded = Array(HTTPRequest.percentDecode(payload, plusIsSpace: false).utf8)
        guard header.lowercased().hasSuffix(";base64") else { return decoded }
        let text = decoded.filter { ![0x20, 0x09, 0x0A, 0x0D, 0x0C].contains($0) }
        return Data(base64Encoded: Data(text)).map(Array.init)
    }
}

/// `http::StatusCode::canonical_reason`, the http crate's whole table (a JWKS server may
/// answer any status); "Unknown" otherwise, as the backend writes when there is none.
enum ReasonPhrase {
    static func of(_ status: Int) -> String {
        switch status {
        case 100: "Continue"
        case 101: "Switching Protocols"
        case 102: "Processing"
        case 200: "OK"
        case 201: "Created"
        case 202: "Accepted"
        case 203: "Non Authoritative Information"
        case 204: "No Content"
        case 205: "Reset Content"
        case 206: "Partial Content"
        case 207: "Multi-Status"
        case 208: "Already Reported"
        case 226: "IM Used"
        case 300: "Multiple Choices"
        case 301: "Moved Permanently"
        case 302: "Found"
        case 303: "See Other"
        case 304: "Not Modified"
        case 305: "Use Proxy"
        case 307: "Temporary Redirect"
        case 308: "Permanent Redirect"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 402: "Payment Required"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 406: "Not Acceptable"
        case 407: "Proxy Authentication Required"
        case 408: "Request Timeout"
        case 409: "Conflict"
        case 410: "Gone"
        case 411: "Length Required"
        case 412: "Precondition Failed"
        case 413: "Payload Too Large"
        case 414: "URI Too Long"
        case 415: "Unsupported Media Type"
        case 416: "Range Not Satisfiable"
        case 417: "Expectation Failed"
        case 418: "I'm a teapot"
        case 421: "Misdirected Request"
        case 422: "Unprocessable Entity"
        case 423: "Locked"
        case 424: "Failed Dependency"
        case 425: "Too Early"
        case 426: "Upgrade Required"
        case 428: "Precondition Required"
        case 429: "Too Many Requests"
        case 431: "Request Header Fields Too Large"
        case 451: "Unavailable For Legal Reasons"
        case 500: "Internal Server Error"
        case 501: "Not Implemented"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        case 504: "Gateway Timeout"
        case 505: "HTTP Version Not Supported"
        case 506: "Variant Also Negotiates"
        case 507: "Insufficient Storage"
        case 508: "Loop Detected"
        case 510: "Not Extended"
        case 511: "Network Authentication Required"
        default: "Unknown"
        }
    }
}
