import Foundation

/// A certificate authority made at test time with the `openssl` CLI in a temporary directory
/// of its own, and the server certificates it signs (EC P-256 keys, valid for two days).
/// The directory goes with `remove()`, or when the authority is released.
public final class TestCertificateAuthority: @unchecked Sendable {
    public let directory: String
    /// The CA's certificate, PEM: what a client given `--upstream-ca` trusts.
    public let certificate: String
    private let key: String
    private var removed = false

    public struct Issued: Sendable {
        public let certificate: String
        public let key: String
        /// The certificate followed by its issuer's, as a server sends a whole chain.
        public let chain: String
    }

    public init(name: String) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("mockconvex-ca-\(getpid())-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        certificate = directory + "/ca.pem"
        key = directory + "/ca.key"
        let config = try Self.config(in: directory, name: "ca", extensions: """
            basicConstraints = critical,CA:TRUE
            keyUsage = critical,keyCertSign,cRLSign
            subjectKeyIdentifier = hash
            """)
        try Self.openssl(["req", "-x509", "-config", config, "-extensions", "ext", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                          "-nodes", "-keyout", key, "-out", certificate, "-days", "2", "-subj", "/CN=\(name)"])
    }

    deinit { remove() }

    public func remove() {
        guard !removed else { return }
        removed = true
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// A server certificate for `names`, subject alternative names as openssl writes them
    /// (`DNS:localhost`, `IP:127.0.0.1`), signed by this CA; `file` names its files.
    public func issue(_ file: String, names: [String]) throws -> Issued {
        let config = try Self.config(in: directory, name: file, extensions: Self.serverExtensions(names) + "\nauthorityKeyIdentifier = keyid")
        let request = "\(directory)/\(file).csr"
        let issued = Issued(certificate: "\(directory)/\(file).pem", key: "\(directory)/\(file).key", chain: "\(directory)/\(file)-chain.pem")
        try Self.openssl(["req", "-new", "-config", config, "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                          "-keyout", issued.key, "-out", request, "-subj", "/CN=\(file)"])
        let serial = "0x" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16)
        try Self.openssl(["x509", "-req", "-in", request, "-CA", certificate, "-CAkey", key, "-set_serial", serial, "-days", "2",
                          "-extfile", config, "-extensions", "ext", "-out", issued.certificate])
        let chain = try String(contentsOfFile: issued.certificate, encoding: .utf8) + String(contentsOfFile: certificate, encoding: .utf8)
        try chain.write(toFile: issued.chain, atomically: true, encoding: .utf8)
        return issued
    }

    /// A server certificate for `names` that signs itself: no CA vouches for it.
    public func selfSigned(_ file: String, names: [String]) throws -> Issued {
        let config = try Self.config(in: directory, name: file, extensions: Self.serverExtensions(names))
        let issued = Issued(certificate: "\(directory)/\(file).pem", key: "\(directory)/\(file).key", chain: "\(directory)/\(file).pem")
        try Self.openssl(["req", "-x509", "-config", config, "-extensions", "ext", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                          "-nodes", "-keyout", issued.key, "-out", issued.certificate, "-days", "2", "-subj", "/CN=\(file)"])
        return issued
    }

    private static func serverExtensions(_ names: [String]) -> String {
        """
        basicConstraints = critical,CA:FALSE
        keyUsage = critical,digitalSignature
        extendedKeyUsage = serverAuth
        subjectAltName = \(names.joined(separator: ","))
        """
    }

    /// An openssl config of its own, so that the machine's openssl.cnf adds nothing.
    private static func config(in directory: String, name: String, extensions: String) throws -> String {
        let path = "\(directory)/\(name).cnf"
        try "[req]\ndistinguished_name = dn\n[dn]\n[ext]\n\(extensions)\n".write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    private static func openssl(_ arguments: [String]) throws {
        let result = try Command.run(["openssl"] + arguments, timeout: 30)
        guard result.status == 0 else { throw CertificateError(description: "openssl \(arguments.joined(separator: " ")): \(result.stderr)") }
    }

    public struct CertificateError: Error, CustomStringConvertible {
        public let description: String
    }
}

/// What a TLS test sets up first: a network namespace of its own (so nginx may take 443), a
/// test CA with a certificate for `localhost` and 127.0.0.1, and another CA that did not issue
/// it. `remove()` takes it all away.
public final class TLSTestBed: @unchecked Sendable {
    public let namespace: NetworkNamespace
    public let ca: TestCertificateAuthority
    public let otherCA: TestCertificateAuthority
    public let localhost: TestCertificateAuthority.Issued

    public init() throws {
        namespace = try NetworkNamespace()
        do {
            ca = try TestCertificateAuthority(name: "mockconvex test CA")
            otherCA = try TestCertificateAuthority(name: "another test CA")
            localhost = try ca.issue("localhost", names: ["DNS:localhost", "IP:127.0.0.1"])
        } catch {
            namespace.remove()
            throw error
        }
    }

    public func remove() {
        otherCA.remove()
        ca.remove()
        namespace.remove()
    }
}
