import FoundationEssentials

/// What the backend answers a `Bearer` token when no auth provider is configured, which is
/// always the case here: the token is read far enough to pick the backend's message.
enum JWTCheck {
    static func rejection(for token: String) -> ConvexAPIError {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let payload = base64URLDecode(parts[1]),
              let claims = try? JSONReader.parse(payload), claims.objectMembers != nil
        else {
            return .unauthenticated("InvalidAuthHeader", "Could not parse JWT payload. Check that the token is a valid JWT format with three base64-encoded parts separated by dots.")
        }
        guard claims["iss"] != nil else {
            return .unauthenticated("InvalidAuthHeader", "Missing issuer claim ('iss') in JWT payload. The JWT must include an 'iss' claim that matches one of your configured auth providers.")
        }
        return .unauthenticated("NoAuthProvider", "No auth provider found matching the given token (no providers configured). Check convex/auth.config.ts.")
    }

    private static func base64URLDecode(_ text: Substring) -> [UInt8]? {
        var standard = String(text.map { $0 == "-" ? "+" : $0 == "_" ? "/" : $0 })
        while standard.utf8.count % 4 != 0 { standard += "=" }
        return Data(base64Encoded: standard).map(Array.init)
    }
}
