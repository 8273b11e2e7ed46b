/// The backend's `validate_id_token`, in its order, once the keys are at hand: pure, so every
/// rejection can be tested without a socket.
enum TokenCheck {
    /// biscuit's leeway on `exp`, `nbf` and `iat` for custom JWTs.
    static let leewaySeconds: Int64 = 5

    /// The token read and routed to the first provider that claims it.
    static func route(_ token: String, providers: [AuthProvider], listed: [AuthProvider]) -> Result<(UnverifiedToken, AuthProvider), ConvexAPIError> {
        guard let unverified = UnverifiedToken(token) else { return .failure(TokenRejection.unparsable) }
        guard let issuer = unverified.issuer else { return .failure(TokenRejection.missingIssuer) }
        guard let provider = providers.first(where: { $0.matches(issuer: issuer, audiences: unverified.audiences) }) else {
            return .failure(TokenRejection.noProvider(listed))
        }
        return .success((unverified, provider))
    }

    /// A `customJwt` provider's checks: signature under the provider's algorithm, then times
    /// with biscuit's leeway, then the claims an identity needs. The backend checks issuer and
    /// audience here too; `route` chose this provider by the same comparison, so they hold.
    static func customJWT(_ token: UnverifiedToken, algorithm: String, keys: VerificationKeys, now: Int64) -> Result<UserIdentity, ConvexAPIError> {
        guard token.keyID != nil, token.algorithm == algorithm, keys.verify(token, algorithm: algorithm) else {
            return .failure(TokenRejection.undecodable(keyID: token.keyID))
        }
        // Every timestamp is within chrono's range and so is `now`: no subtraction overflows.
        if let expiry = token.expiry, now - expiry > leewaySeconds {
            return .failure(TokenRejection.invalid("Token expired \(now - expiry) seconds ago"))
        }
        if let notBefore = token.notBefore, notBefore - now > leewaySeconds {
            return .failure(TokenRejection.invalid("Token will be valid in \(notBefore - now) seconds"))
        }
        if let issuedAt = token.issuedAt, issuedAt - now > leewaySeconds {
            return .failure(TokenRejection.invalid("Token will be valid in \(issuedAt - now) seconds"))
        }
        return UserIdentity.fromCustomJWT(token).map { .success($0) } ?? .failure(TokenRejection.badClaims)
    }

    /// The algorithms the backend's OIDC verifier allows (RS256, and EdDSA for Ed25519).
    static let oidcAlgorithms = ["RS256", "EdDSA"]

    /// An OIDC provider's checks, after discovery named `discoveredIssuer`: a token the OIDC
    /// parser cannot read, then one that fails any check (signature, issuer, audience, expiry),
    /// which the backend does not tell apart. Every audience must be the application's:
    /// openidconnect's verifier trusts no other (the backend sets no `other_aud_verifier_fn`).
    static func oidc(_ token: UnverifiedToken, provider: AuthProvider, discoveredIssuer: String, keys: VerificationKeys, now: Int64) -> Result<UserIdentity, ConvexAPIError> {
        guard token.subject != nil, token.expiry != nil, token.issuedAt != nil, !token.audiences.isEmpty,
              let algorithm = token.algorithm, let header = OIDCHeader(token.header), let identity = UserIdentity.fromOIDC(token)
        else { return .failure(TokenRejection.notOIDC) }
        guard header.isSupported, oidcAlgorithms.contains(algorithm), keys.verify(token, algorithm: algorithm),
              token.issuer == discoveredIssuer,
              let applicationID = provider.applicationID, token.audiences.allSatisfy({ $0 == applicationID }),
              let expiry = token.expiry, expiry > now
        else { return .failure(TokenRejection.oidcUnverified) }
        return .success(identity)
    }
}

/// The JOSE header fields openidconnect reads besides `alg` and `kid`, and its
/// `validate_jose_header`: `typ` absent or a JWT type, no `cty` (nested or other content),
/// no `crit` (it understands no critical extension).
struct OIDCHeader {
    let type: String?
    let hasContentType: Bool
    let hasCritical: Bool

    /// Nil when the header's parser refuses it: a field of the wrong type.
    init?(_ members: [(key: String, value: JSON)]) {
        func last(_ key: String) -> JSON? {
            guard let value = members.value(key), value != .null else { return nil }
            return value
        }
        switch last("typ") {
        case nil: type = nil
        case .string(let text)?: type = text
        default: return nil
        }
        switch last("cty") {
        case nil: hasContentType = false
        case .string?: hasContentType = true
        default: return nil
        }
        switch last("crit") {
        case nil: hasCritical = false
        case .array(let names)? where names.allSatisfy({ $0.stringValue != nil }): hasCritical = true
        default: return nil
        }
    }

    /// `typ` normalised as openidconnect does (lowercased; `application/` before a bare
    /// subtype) must be `application/jwt` or `application/jose`.
    var isSupported: Bool {
        guard !hasContentType, !hasCritical else { return false }
        guard let type else { return true }
        let lowered = type.lowercased()
        let normalized = lowered.contains("/") ? lowered : "application/" + lowered
        return normalized == "application/jwt" || normalized == "application/jose"
    }
}
