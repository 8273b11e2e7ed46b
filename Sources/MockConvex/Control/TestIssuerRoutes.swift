import EventHTTP

/// The built-in test issuer: `POST /_mock/auth/token` signs a token for a made-up user;
/// `GET /_mock/auth/jwks.json` and `/_mock/auth/.well-known/openid-configuration` publish its
/// key, so a provider entry in the config (OIDC `domain`, or `customJwt` `jwks`) can name it.
/// The two documents are public keys and are served without the control token: identity
/// providers publish them, and a verifier fetching them sends no credentials.
extension ControlRoutes {
    static let tokenPath = "/_mock/auth/token"
    static let jwksPath = "/_mock/auth/jwks.json"
    static let discoveryPath = "/_mock/auth/.well-known/openid-configuration"
    /// Ten years either way: enough for a long-lived fixture, or a token already expired.
    static let maxLifetimeSeconds = 315_360_000

    /// Requests the control token does not guard.
    static func isPublicDocument(_ request: HTTPRequest) -> Bool {
        (request.method == .GET || request.method == .HEAD) && (request.path == jwksPath || request.path == discoveryPath)
    }

    func registerTestIssuer(on router: Router) {
        let deployment = control.deployment
        let loop = self.loop
        router.add(.POST, Self.tokenPath) { request, responder in
            guard let issuer = deployment.authenticator.testIssuer else { throw Self.noTestIssuer }
            let claims = try Self.tokenClaims(Self.body(request), issuer: issuer.issuer, now: deployment.clock())
            issuer.key(Reply(on: loop) { result in
                switch result.flatMap({ TestIssuer.sign($0, claims: claims) }) {
                case .success(let token): responder.send(Self.ok(.object([("token", .string(token))])))
                case .failure(let error): responder.send(error.response)
                }
            })
        }
        router.add(.GET, Self.jwksPath) { _, responder in
            guard let issuer = deployment.authenticator.testIssuer else { throw Self.noTestIssuer }
            issuer.key(Reply(on: loop) { result in
                switch result {
                case .success(let key): responder.send(Self.ok(.object([("keys", .array([key.publicJWK]))])))
                case .failure(let error): responder.send(error.response)
                }
            })
        }
        router.add(.GET, Self.discoveryPath) { _, responder in
            guard let issuer = deployment.authenticator.testIssuer else { throw Self.noTestIssuer }
            responder.send(Self.ok(issuer.discoveryDocument))
        }
    }

    /// JSON numbers are floats to the reader, and the writer keeps their `.0`; JWT times must
    /// be integers to the backend's parser (`exp: 1700000000.0` does not parse there).
    static func wholeNumbersAsIntegers(_ value: JSON) -> JSON {
        switch value {
        case .number(let number) where number.rounded(.towardZero) == number && abs(number) < 9_007_199_254_740_992:
            .integer(Int64(number))
        case .array(let items): .array(items.map(wholeNumbersAsIntegers))
        case .object(let members): .object(members.map { ($0.key, wholeNumbersAsIntegers($0.value)) })
        default: value
        }
    }

    static let noTestIssuer = ConvexAPIError.notFound("NoTestIssuer", "The test issuer is off: it only runs with the control API")

    /// `{"subject": "alice", "claims": {...}, "expiresInSeconds": 3600}` → the token's claims:
    /// `iss`, `sub`, `iat`, `exp`, then the given claims (which may set `aud`, `name`, `nbf`,
    /// even `iat` or `exp`, but not `iss` or `sub`).
    static func tokenClaims(_ body: JSON, issuer: String, now: Int64) throws(ConvexAPIError) -> [(key: String, value: JSON)] {
        func invalid(_ message: String) -> ConvexAPIError { .badRequest("InvalidTokenRequest", message) }
        guard let members = body.objectMembers else { throw invalid("The body must be a JSON object: {\"subject\": \"alice\", \"claims\": {...}, \"expiresInSeconds\": 3600}") }
        for member in members where !["subject", "claims", "expiresInSeconds"].contains(member.key) {
            throw invalid("Unknown field \"\(member.key)\"; the fields are subject, claims and expiresInSeconds")
        }
        guard case .string(let subject)? = body["subject"], !subject.isEmpty else {
            throw invalid("\"subject\" must be a non-empty string: the user's id, which becomes the token's sub")
        }
        var lifetime: Int64 = 3600
        if let value = body["expiresInSeconds"] {
            guard case .number(let seconds) = value, seconds.rounded(.towardZero) == seconds, abs(seconds) <= Double(maxLifetimeSeconds) else {
                throw invalid("\"expiresInSeconds\" must be a whole number of seconds from -\(maxLifetimeSeconds) to \(maxLifetimeSeconds) (negative makes an expired token)")
            }
            lifetime = Int64(seconds)
        }
        var extra: [(key: String, value: JSON)] = []
        if let value = body["claims"] {
            guard let given = value.objectMembers else { throw invalid("\"claims\" must be an object of JWT claims") }
            if let reserved = given.first(where: { $0.key == "iss" || $0.key == "sub" }) {
                throw invalid("\"claims\" cannot set \"\(reserved.key)\": the issuer is mockconvex's own and the subject is \"subject\"")
            }
            extra = given.map { ($0.key, wholeNumbersAsIntegers($0.value)) }
        }
        var claims: [(key: String, value: JSON)] = [("iss", .string(issuer)), ("sub", .string(subject)),
                                                    ("iat", .integer(now)), ("exp", .integer(now + lifetime))]
        claims.removeAll { standard in extra.contains { $0.key == standard.key } }
        return claims + extra
    }
}
