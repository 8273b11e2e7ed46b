import FoundationEssentials
import MockConvex

/// The command line and environment turned into what the server needs, checked: anything
/// wrong is a `UsageError` (exit 2) naming the flag and what to give instead.
struct ServeSetup {
    let options: ServerOptions
    var settings: DeploymentSettings
    let config: DeploymentConfig
    let configPath: String?
    /// The secret given by flag or environment; without one, a data directory's stored secret
    /// is used, else a new one.
    let givenSecret: String?
    let dataDirectory: String?

    init(_ command: ServeCommand, environment: Environment) throws(UsageError) {
        var options = ServerOptions()
        options.host = command.host
        options.adminPort = try Self.port(command.port, flag: "--port")
        options.sitePort = try Self.port(command.siteProxyPort, flag: "--site-proxy-port")
        options.port80Port = try Self.port(command.port80Port, flag: "--port80-port")
        options.servePort80 = !command.noPort80
        guard (1...256).contains(command.threads) else {
            throw UsageError(description: "--threads must be from 1 to 256, got \(command.threads)")
        }
        options.threads = command.threads
        guard command.maxBodyBytes > 0 else {
            throw UsageError(description: "--max-body-bytes must be positive, got \(command.maxBodyBytes)")
        }
        options.bodyLimits.body = command.maxBodyBytes
        guard command.maxUploadBytes >= 0 else {
            throw UsageError(description: "--max-upload-bytes must not be negative, got \(command.maxUploadBytes)")
        }
        options.bodyLimits.upload = command.maxUploadBytes
        var timeout = 300
        if let seconds = command.requestTimeout {
            timeout = seconds
        } else if let seconds = try Self.integer(environment["HTTP_SERVER_TIMEOUT_SECONDS"], name: "HTTP_SERVER_TIMEOUT_SECONDS") {
            timeout = seconds
        }
        guard timeout > 0 else { throw UsageError(description: "--request-timeout must be at least 1 second, got \(timeout)") }
        options.requestTimeout = .seconds(timeout)
        guard command.readTimeout > 0 else { throw UsageError(description: "--read-timeout must be at least 1 second, got \(command.readTimeout)") }
        options.readTimeout = .seconds(command.readTimeout)
        guard command.idleTimeout > 0 else { throw UsageError(description: "--idle-timeout must be at least 1 second, got \(command.idleTimeout)") }
        options.connectionTimeout = .seconds(command.idleTimeout)
        guard command.sendTimeout > 0 else { throw UsageError(description: "--send-timeout must be at least 1 second, got \(command.sendTimeout)") }
        options.syncSendTimeout = .seconds(command.sendTimeout)
        if command.noControlAPI {
            if command.controlToken != nil { throw UsageError(description: "--control-token has no effect with --no-control-api; give one or the other") }
            options.control = nil
        } else {
            var control = ControlAPI.Options()
            if let token = command.controlToken {
                guard !token.isEmpty, token.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
                    throw UsageError(description: "--control-token must be visible ASCII without spaces")
                }
                control.token = token
            }
            guard (0...1_000_000).contains(command.journalSize) else {
                throw UsageError(description: "--journal-size must be from 0 to 1000000, got \(command.journalSize)")
            }
            control.journalSize = command.journalSize
            options.control = control
        }
        self.options = options

        let instanceName = command.instanceName ?? environment["INSTANCE_NAME"] ?? "convex-self-hosted"
        guard !instanceName.isEmpty, instanceName.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "|") }) else {
            throw UsageError(description: "--instance-name must be visible ASCII without spaces or |, got \"\(instanceName)\"")
        }
        givenSecret = command.instanceSecret ?? environment["INSTANCE_SECRET"]
        if let secret = givenSecret, secret.utf8.count != 64 || !secret.utf8.allSatisfy(Self.isHexDigit) {
            throw UsageError(description: "--instance-secret (or INSTANCE_SECRET) must be 64 hex characters, as `openssl rand -hex 32` prints")
        }
        let secret = givenSecret ?? DeploymentSettings.generateSecret()
        let adminKey = command.adminKey ?? DeploymentSettings.generateAdminKey(instanceName: instanceName, instanceSecret: secret.lowercased())
        guard !adminKey.isEmpty, adminKey.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw UsageError(description: "--admin-key must be visible ASCII without spaces")
        }
        var settings = DeploymentSettings(instanceSecret: secret.lowercased(), adminKey: adminKey)
        settings.instanceName = instanceName
        settings.convexOrigin = try Self.origin(command.convexOrigin ?? environment["CONVEX_CLOUD_ORIGIN"] ?? "http://127.0.0.1", flag: "--convex-origin")
        if let site = command.convexSite ?? environment["CONVEX_SITE_ORIGIN"] {
            settings.siteOrigin = try Self.origin(site, flag: "--convex-site")
        }
        if let version = environment["CONVEX_RELEASE_VERSION_DEV"], !version.isEmpty, version != "dev" {
            settings.version = version
        }
        if let enabled = command.metrics {
            settings.metricsEnabled = enabled
        } else {
            settings.metricsEnabled = try !Self.flag(environment["DISABLE_METRICS_ENDPOINT"], name: "DISABLE_METRICS_ENDPOINT", default: true)
        }
        // The test issuer's tokens are only accepted while the control API that issues them is on.
        settings.testIssuerEnabled = !command.noControlAPI
        settings.outboundTLS = try command.outboundTLS.settings()
        self.settings = settings

        dataDirectory = command.dataDir
        if let dataDir = command.dataDir, dataDir.isEmpty {
            throw UsageError(description: "--data-dir must name a directory")
        }
        configPath = command.config
        if let path = command.config {
            let bytes = try FileContents.read(path, what: "--config", limit: .config)
            do {
                config = try DeploymentConfig.parse(bytes, baseDirectory: DeploymentConfig.baseDirectory(of: path))
            } catch {
                throw UsageError(description: "config \(path) is not valid: \(error)")
            }
        } else {
            config = DeploymentConfig()
        }
    }

    /// The config's seed files, read now so that a missing one stops the start.
    func seedFiles() throws(UsageError) -> [Deployment.SeedFile] {
        var files: [Deployment.SeedFile] = []
        for file in config.files {
            let bytes = try FileContents.read(file.path, what: "the seed file at \(file.configPath) in --config",
                                             limit: .seedFile(maxUploadBytes: options.bodyLimits.upload))
            files.append(Deployment.SeedFile(bytes: bytes, contentType: file.contentType))
        }
        return files
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte | 0x20)
    }

    private static func port(_ value: Int, flag: String) throws(UsageError) -> Int {
        guard (0...65535).contains(value) else { throw UsageError(description: "\(flag) must be a port from 0 to 65535 (0 picks a free one), got \(value)") }
        return value
    }

    /// An http(s) URL without a query or fragment, without its trailing slash; `expected`
    /// says what to give instead (`origin such as http://127.0.0.1:3210`).
    static func origin(_ text: String, flag: String, expected: String = "origin such as http://127.0.0.1:3210") throws(UsageError) -> String {
        let lower = text.lowercased()
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://"), let url = URL(string: text), url.host != nil, url.query == nil, url.fragment == nil else {
            throw UsageError(description: "\(flag) must be an http:// or https:// \(expected), got \"\(text)\"")
        }
        return text.hasSuffix("/") ? String(text.dropLast()) : text
    }

    private static func integer(_ text: String?, name: String) throws(UsageError) -> Int? {
        guard let text else { return nil }
        guard let value = Int(text) else { throw UsageError(description: "\(name) must be a whole number, got \"\(text)\"") }
        return value
    }

    private static func flag(_ text: String?, name: String, default fallback: Bool) throws(UsageError) -> Bool {
        switch text?.lowercased() {
        case nil, "": return fallback
        case "1", "true", "yes": return true
        case "0", "false", "no": return false
        case let other?: throw UsageError(description: "\(name) must be true or false, got \"\(other)\"")
        }
    }
}

/// The environment variables mockconvex reads, captured once.
struct Environment {
    private let values: [String: String]

    static var current: Environment {
        Environment(values: ProcessInfo.processInfo.environment)
    }

    /// Empty counts as unset, as in the self-hosted image's scripts (`${INSTANCE_NAME:-...}`),
    /// so a compose file can pass `INSTANCE_SECRET=${INSTANCE_SECRET:-}` through.
    subscript(name: String) -> String? {
        guard let value = values[name], !value.isEmpty else { return nil }
        return value
    }
}
