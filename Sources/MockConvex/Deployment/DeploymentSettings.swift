import Crypto
import EventHTTP

/// Who the deployment says it is and where it says it lives; the self-hosted image's
/// settings (`INSTANCE_NAME`, `CONVEX_CLOUD_ORIGIN`, ...).
public struct DeploymentSettings: Sendable {
    public var instanceName = "convex-self-hosted"
    /// 64 hex characters; signs storage upload tokens.
    public var instanceSecret: String
    /// The key `Authorization: Convex <key>` must carry.
    public var adminKey: String
    /// Where Node actions call back to; also the base of storage URLs.
    public var convexOrigin = "http://127.0.0.1"
    /// `--convex-site`; nil means `http://127.0.0.1:<the site port it got>`.
    public var siteOrigin: String?
    /// What `/version` says on the admin port (`CONVEX_RELEASE_VERSION_DEV`).
    public var version = "unknown"
    /// The compose file turns `/metrics` off (`DISABLE_METRICS_ENDPOINT=true`).
    public var metricsEnabled = false
    /// The built-in test issuer's tokens are accepted (with the control API, which issues them).
    public var testIssuerEnabled = true
    /// `mockconvex record`: the function API and HTTP actions go to the upstream, and what
    /// passes through is kept. Nil when serving.
    public var recording: Recording?
    /// What the deployment's own `https://` calls (auth providers' discovery and JWKS, the
    /// Node-action emulation) check certificates against (`--upstream-ca`); nil: the system's
    /// store.
    public var outboundTLS: TLSClientSettings?

    /// The instance secret a data directory keeps; a generated admin key follows it (one given
    /// by flag stays), so the key lasts as long as the secret does.
    public mutating func adopt(instanceSecret secret: String, adminKeyGiven: Bool) {
        instanceSecret = secret
        if !adminKeyGiven { adminKey = Self.generateAdminKey(instanceName: instanceName, instanceSecret: secret) }
    }

    public init(instanceSecret: String, adminKey: String) {
        self.instanceSecret = instanceSecret
        self.adminKey = adminKey
    }

    /// A random secret in the real form (32 bytes as hex).
    public static func generateSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        return Hex.encode((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    /// A key of the real form: `<instance name>|01` and 72 more hex characters, the length of
    /// the backend's encrypted keys. It is made from the instance secret, so a deployment that
    /// keeps its secret (`--data-dir`, or a given `INSTANCE_SECRET`) keeps its key across
    /// restarts, as a self-hosted backend's generated keys stay valid: a key saved in an app's
    /// `.env` still works after `docker compose down` and `up`.
    public static func generateAdminKey(instanceName: String, instanceSecret: String) -> String {
        let key = SymmetricKey(data: Array(instanceSecret.utf8))
        let first = HMAC<SHA256>.authenticationCode(for: Array("mockconvex admin key 1|\(instanceName)".utf8), using: key)
        let second = HMAC<SHA256>.authenticationCode(for: Array("mockconvex admin key 2|\(instanceName)".utf8), using: key)
        return "\(instanceName)|01" + Hex.encode(Array(first) + Array(second).prefix(4))
    }
}
/// Who a request acts as, once its credentials were checked.
enum Identity: Sendable, Hashable {
    case anonymous
    case admin
    /// A user signed in with a token an auth provider (or the test issuer) vouches for.
    case user(UserIdentity)

    public var isAdmin: Bool { self == .admin }

    var user: UserIdentity? {
        if case .user(let user) = self { return user }
        return nil
    }

    /// How the control API lists it.
    var label: String {
        switch self {
        case .anonymous: "anonymous"
        case .admin: "admin"
        case .user(let user): "user " + user.tokenIdentifier
        }
    }
}
