import CLibevent

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Scheme, host, port and request target of an `http://` or `https://` URL, parsed by libevent.
struct ClientTarget {
    /// Without the brackets of an IPv6 literal.
    let host: String
    let port: UInt16
    let requestTarget: String
    let isNumericHost: Bool
    /// `https://`: the connection speaks TLS.
    let isTLS: Bool

    init?(_ url: String) {
        guard let uri = evhttp_uri_parse(url) else { return nil }
        defer { evhttp_uri_free(uri) }
        guard let schemeText = evhttp_uri_get_scheme(uri), var host = evhttp_uri_get_host(uri).map({ String(cString: $0) }), !host.isEmpty
        else { return nil }
        let isTLS: Bool
        switch String(cString: schemeText).lowercased() {
        case "http": isTLS = false
        case "https": isTLS = true
        default: return nil
        }
        self.isTLS = isTLS
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        self.host = host
        // libevent refuses ports above 65535 and answers -1 when there is none.
        let port = evhttp_uri_get_port(uri)
        guard let checked = UInt16(exactly: port < 0 ? Int32(Self.defaultPort(tls: isTLS)) : port) else { return nil }
        self.port = checked
        let path = evhttp_uri_get_path(uri).map { String(cString: $0) } ?? ""
        let query = evhttp_uri_get_query(uri).map { "?" + String(cString: $0) } ?? ""
        requestTarget = (path.isEmpty ? "/" : path) + query
        var probe = in6_addr()
        isNumericHost = evutil_inet_pton(AF_INET, host, &probe) == 1 || evutil_inet_pton(AF_INET6, host, &probe) == 1
    }

    private static func defaultPort(tls: Bool) -> UInt16 { tls ? 443 : 80 }

    /// The Host header: the port is left out when it is the scheme's default, as browsers do.
    var hostHeader: String {
        let name = host.contains(":") ? "[\(host)]" : host
        return port == Self.defaultPort(tls: isTLS) ? name : "\(name):\(port)"
    }

    var address: String { SocketAddressText.hostPort(host, Int(port)) }
}
