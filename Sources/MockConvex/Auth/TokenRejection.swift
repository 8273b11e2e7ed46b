/// The backend's 401s (and discovery's 4xx) for user tokens, word for word
/// (crates/authentication/src/lib.rs).
enum TokenRejection {
    static let unparsable = ConvexAPIError.unauthenticated("InvalidAuthHeader", "Could not parse JWT payload. Check that the token is a valid JWT format with three base64-encoded parts separated by dots.")
    static let missingIssuer = ConvexAPIError.unauthenticated("InvalidAuthHeader", "Missing issuer claim ('iss') in JWT payload. The JWT must include an 'iss' claim that matches one of your configured auth providers.")
    static let badClaims = ConvexAPIError.unauthenticated("InvalidAuthHeader", "Could not verify token claim. Check that the JWT contains valid claims and matches your auth provider configuration.")
    static let notOIDC = ConvexAPIError.unauthenticated("InvalidAuthHeader", "Could not parse as OIDC ID token. Token might not be an OIDC-compliant JWT.")
    static let oidcUnverified = ConvexAPIError.unauthenticated("Unauthenticated", "Could not verify OIDC token claim. Check that the token signature is valid and the token hasn't expired.")
    static let badDataURL = ConvexAPIError.unauthenticated("InvalidAuthHeader", "Invalid JWKS data URL. Check that the data URL is properly formatted and contains valid base64-encoded JSON.")

    static func noProvider(_ providers: [AuthProvider]) -> ConvexAPIError {
        guard !providers.isEmpty else {
            return .unauthenticated("NoAuthProvider", "No auth provider found matching the given token (no providers configured). Check convex/auth.config.ts.")
        }
        return .unauthenticated("NoAuthProvider", "No auth provider found matching the given token. Check that your JWT's issuer and audience match one of your configured providers: [\(providers.map(\.summary).joined(separator: ", "))]")
    }

    /// A signature that does not verify, a `kid` the JWKS lacks, or another algorithm: biscuit
    /// cannot tell them apart, so the backend says the same for all three.
    static func undecodable(keyID: String?) -> ConvexAPIError {
        guard let keyID else {
            return .unauthenticated("InvalidAuthHeader", "Could not decode token. JWT may be missing a 'kid' (key ID) header.")
        }
        return .unauthenticated("InvalidAuthHeader", "Could not decode token. The JWT's 'kid' (key ID) header is '\(keyID)', does this key match any key in the provider's JWKS?")
    }

    /// biscuit's temporal errors behind the backend's prefix.
    static func invalid(_ reason: String) -> ConvexAPIError {
        .unauthenticated("InvalidAuthHeader", "Could not validate token: \(reason)")
    }

    static func invalidJWKS(_ uri: String) -> ConvexAPIError {
        .unauthenticated("InvalidAuthHeader", "Invalid JWKS response body from '\(uri)'. The response is not valid JSON or doesn't match the expected JWKS format.")
    }

    static func unfetchable(_ uri: String, _ reason: String) -> ConvexAPIError {
        .unauthenticated("InvalidAuthHeader", "Could not fetch JWKS from URL '\(uri)': \(reason). Check that the URL is correct and accessible.")
    }

    static func wrongContentType(_ uri: String, _ contentType: String) -> ConvexAPIError {
        .unauthenticated("InvalidAuthHeader", "Invalid Content-Type '\(contentType)' when fetching JWKS from '\(uri)'. Expected 'application/json' or 'application/jwk-set+json'.")
    }

    /// OIDC discovery that failed: with the provider's own status when it answered with one
    /// the backend maps (else 400), and its body.
    static func discoveryFailed(_ issuer: String, status: Int? = nil, body: [UInt8] = []) -> ConvexAPIError {
        let code = "AuthProviderDiscoveryFailed"
        var message = "Auth provider discovery of \(issuer) failed"
        guard let status else { return .badRequest(code, message) }
        message += ": \(status) \(String(decoding: body.prefix(4096), as: UTF8.self))"
        let mapped = [400, 401, 403, 404, 408, 409, 429, 503].contains(status) ? status : 400
        return ConvexAPIError(status: mapped, code: code, message: message)
    }
}
