import CLibevent

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One request as a handler sees it: plain values, no libevent pointers, so handlers can be
/// exercised without a socket.
public struct HTTPRequest {
    public var method: HTTPMethod
    /// The request target as sent (`/api/query?x=1`).
    public var uri: String
    /// The path part of `uri`, still percent-encoded.
    public var path: String
    /// The query part of `uri` without the `?`, still encoded; nil when there is none.
    public var query: String?
    public var headers: HTTPHeaders
    /// The body where it was received; `body()` reads it into an array.
    public var content: RequestBody
    /// `address:port` of the peer, empty for requests made in-process.
    public var remoteAddress: String
    /// The name of the listener that accepted the request.
    public var listener: String

    public init(
        method: HTTPMethod, uri: String, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = [],
        remoteAddress: String = "", listener: String = ""
    ) {
        self.method = method
        self.uri = uri
        (path, query) = Self.split(target: uri)
        self.headers = headers
        content = RequestBody(body)
        self.remoteAddress = remoteAddress
        self.listener = listener
    }

    /// The whole body as an array (moved out of libevent's buffer on first use); throws
    /// `RequestBodyGone` once the request has been answered.
    public func body() throws(RequestBodyGone) -> [UInt8] {
        try content.bytes()
    }

    /// The path with percent-escapes decoded (`+` stays `+`).
    public var decodedPath: String {
        path.utf8.contains(UInt8(ascii: "%")) ? Self.percentDecode(path, plusIsSpace: false) : path
    }

    /// The decoded path split on `/`, without the empty first segment.
    public var pathSegments: [String] {
        path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
            .map { Self.percentDecode(String($0), plusIsSpace: false) }
    }

    /// The query's `name=value` pairs, decoded as forms encode them (`+` is a space). A pair
    /// without `=` has an empty value.
    public var queryItems: [(name: String, value: String)] {
        guard let query, !query.isEmpty else { return [] }
        return query.split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = Self.percentDecode(String(parts[0]), plusIsSpace: true)
            let value = parts.count > 1 ? Self.percentDecode(String(parts[1]), plusIsSpace: true) : ""
            return (name: name, value: value)
        }
    }

    /// The first value of query parameter `name`.
    public func queryValue(_ name: String) -> String? {
        queryItems.first { $0.name == name }?.value
    }

    static func split(target: String) -> (path: String, query: String?) {
        // The usual origin-form target: found by bytes, as this runs for every request.
        if target.utf8.first == UInt8(ascii: "/") {
            guard let mark = target.utf8.firstIndex(of: UInt8(ascii: "?")) else { return (target, nil) }
            return (String(target[..<mark]), String(target[target.utf8.index(after: mark)...]))
        }
        var target = Substring(target)
        // Absolute-form targets (sent to proxies) carry a scheme and authority before the path.
        if let schemeEnd = target.firstRange(of: "://") {
            let afterAuthority = target[schemeEnd.upperBound...].firstIndex(where: { $0 == "/" || $0 == "?" })
            target = afterAuthority.map { target[$0...] } ?? "/"
        }
        guard let mark = target.firstIndex(of: "?") else { return (String(target), nil) }
        return (String(target[..<mark]), String(target[target.index(after: mark)...]))
    }

    /// Decoding is libevent's (`evhttp_uridecode`); it keeps bytes such as NUL that a C string
    /// would cut, and invalid UTF-8 becomes U+FFFD.
    public static func percentDecode(_ text: String, plusIsSpace: Bool) -> String {
        var size = 0
        guard let decoded = evhttp_uridecode(text, plusIsSpace ? 1 : 0, &size) else { return text }
        defer { free(decoded) }
        return decoded.withMemoryRebound(to: UInt8.self, capacity: size) {
            String(decoding: UnsafeBufferPointer(start: $0, count: size), as: UTF8.self)
        }
    }
}
