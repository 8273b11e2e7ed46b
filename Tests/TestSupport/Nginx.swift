import Foundation

/// One `server` block of a test's nginx: where it listens, over TLS or not, for which names,
/// and what its one `location /` does (`proxy_pass ...`, `return 200 "...";`, `root ...;`).
public struct NginxServer: Sendable {
    public var port: Int
    /// The certificate (or chain) and key it presents; nil serves plain HTTP.
    public var tls: (certificate: String, key: String)?
    /// `server_name`; nginx chooses among a port's servers by SNI (and the Host header).
    public var names: [String]
    /// The server for a port's connections whose name matches no other's (no SNI, an IP).
    public var isDefault: Bool
    public var location: String

    public init(port: Int, tls: (certificate: String, key: String)? = nil, names: [String] = [], isDefault: Bool = false, location: String) {
        self.port = port
        self.tls = tls
        self.names = names
        self.isDefault = isDefault
        self.location = location
    }

    /// Everything proxied to `upstream` on loopback, with the client's Host.
    public static func proxy(to upstream: Int) -> String {
        "proxy_pass http://127.0.0.1:\(upstream); proxy_http_version 1.1; proxy_set_header Host $host;"
    }

    var block: String {
        var lines = ["listen 127.0.0.1:\(port)\(tls == nil ? "" : " ssl")\(isDefault ? " default_server" : "");"]
        if !names.isEmpty { lines.append("server_name \(names.joined(separator: " "));") }
        if let tls { lines += ["ssl_certificate \(tls.certificate);", "ssl_certificate_key \(tls.key);"] }
        lines.append("location / { \(location) }")
        return "server {\n" + lines.map { "    " + $0 }.joined(separator: "\n") + "\n}"
    }
}

extension Sidecar {
    /// nginx on `listen`, proxying everything to `upstream` on loopback.
    public static func nginx(_ namespace: NetworkNamespace, listen: Int, upstream: Int) throws -> Sidecar {
        try nginx(namespace, servers: [NginxServer(port: listen, location: NginxServer.proxy(to: upstream))])
    }

    /// nginx serving `servers`, with its files in a directory of its own, once it accepts on
    /// every port. One process (`master_process off`), so stopping it leaves no orphaned worker
    /// holding a port. Every file it serves from a `root` is `application/json` (no MIME map).
    public static func nginx(_ namespace: NetworkNamespace, servers: [NginxServer]) throws -> Sidecar {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mockconvex-nginx-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let config = """
            daemon off;
            master_process off;
            pid \(directory.path)/nginx.pid;
            error_log stderr;
            events { worker_connections 64; }
            http {
                access_log off;
                default_type application/json;
                client_body_temp_path \(directory.path)/body;
                proxy_temp_path \(directory.path)/proxy;
                fastcgi_temp_path \(directory.path)/fastcgi;
                uwsgi_temp_path \(directory.path)/uwsgi;
                scgi_temp_path \(directory.path)/scgi;
            \(servers.map(\.block).joined(separator: "\n"))
            }
            """
        let file = directory.appendingPathComponent("nginx.conf")
        try config.write(to: file, atomically: true, encoding: .utf8)
        let binary = FileManager.default.isExecutableFile(atPath: "/usr/sbin/nginx") ? "/usr/sbin/nginx" : "nginx"
        let ports = Array(Set(servers.map(\.port))).sorted()
        let sidecar = try Sidecar(namespace, [binary, "-c", file.path, "-p", directory.path], port: ports[0]) {
            try? FileManager.default.removeItem(at: directory)
        }
        for port in ports.dropFirst() where !waitUntilListening(namespace, port: port) {
            sidecar.stop()
            throw SidecarError.notListening(command: "nginx -c \(file.path) (port \(port))", stderr: [])
        }
        return sidecar
    }
}
