/// One entry of `auth.providers`, in `auth.config.ts`'s two shapes (the backend's `AuthInfo`).
struct AuthProvider: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        /// `{domain, applicationID}`: keys found through OIDC discovery at the domain.
        case oidc
        /// `{type: "customJwt", issuer, jwks, algorithm, applicationID?}`.
        case customJwt(jwks: String, algorithm: SignatureAlgorithm)
        /// mockconvex's own issuer (`POST /_mock/auth/token`), checked like a `customJwt`
        /// with RS256 and its keys in memory.
        case testIssuer
    }

    /// The two algorithms a `customJwt` provider may name (the backend's `SignatureAlgorithm`).
    enum SignatureAlgorithm: String, Sendable, Equatable, CaseIterable {
        case RS256, ES256
    }

    var kind: Kind
    /// The OIDC domain or the custom issuer, as written.
    var issuer: String
    /// Tokens must name it in `aud`; optional for `customJwt` only.
    var applicationID: String?

    /// The backend's `matches_token`: the audience must hold the application ID when there is
    /// one; issuers compare without trailing slashes, and an `iss` without a scheme is taken
    /// as `https://` (some providers leave it out).
    func matches(issuer tokenIssuer: String, audiences: [String]) -> Bool {
        if let applicationID, !audiences.contains(applicationID) { return false }
        return Self.trimmedSlashes(issuer) == Self.trimmedSlashes(Self.withScheme(tokenIssuer))
    }

    static func withScheme(_ issuer: String) -> String {
        issuer.hasPrefix("https://") || issuer.hasPrefix("http://") ? issuer : "https://" + issuer
    }

    static func trimmedSlashes(_ text: String) -> Substring {
        var end = text.endIndex
        while end > text.startIndex, text[text.index(before: end)] == "/" { end = text.index(before: end) }
        return text[..<end]
    }

    /// How the backend lists configured providers in its `NoAuthProvider` message.
    var summary: String {
        switch kind {
        case .oidc: "OIDC(domain=\(issuer), app_id=\(applicationID ?? ""))"
        case .customJwt, .testIssuer: "CustomJWT(issuer=\(issuer), app_id=\(applicationID ?? "none"))"
        }
    }
}
