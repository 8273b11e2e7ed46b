/// Reads `auth`: `{"providers": [...]}` in `auth.config.ts`'s shapes, with the backend's
/// rules (an OIDC entry needs `domain` and `applicationID`; a `customJwt` entry needs
/// `issuer`, `jwks` and `algorithm` RS256 or ES256).
enum AuthConfigReader {
    /// More providers than any app lists; each token is matched against every one.
    static let maxProviders = 100

    static func read(_ value: JSON, at path: JSONPath) throws(ConfigError) -> [AuthProvider] {
        let members = try ConfigReader.object(value, at: path)
        try ConfigReader.allowOnly(["providers"], in: members, at: path)
        guard let list = members.value("providers") else { return [] }
        let entries = try ConfigReader.array(list, at: path.key("providers"))
        guard entries.count <= maxProviders else {
            throw ConfigError(path.key("providers"), "lists \(entries.count) providers; at most \(maxProviders) are accepted")
        }
        var providers: [AuthProvider] = []
        for (index, entry) in entries.enumerated() {
            providers.append(try provider(entry, at: path.key("providers").index(index)))
        }
        return providers
    }

    static func provider(_ value: JSON, at path: JSONPath) throws(ConfigError) -> AuthProvider {
        let members = try ConfigReader.object(value, at: path)
        func string(_ key: String) throws(ConfigError) -> String? {
            guard let member = members.value(key) else { return nil }
            return try ConfigReader.string(member, at: path.key(key))
        }
        func required(_ key: String, _ why: String) throws(ConfigError) -> String {
            guard let text = try string(key) else { throw ConfigError(path, "missing \"\(key)\": \(why)") }
            return text
        }
        if let type = try string("type") {
            guard type == "customJwt" else { throw ConfigError(path.key("type"), "expected \"customJwt\" (or no type, for an OIDC provider), got \"\(type)\"") }
            try ConfigReader.allowOnly(["type", "issuer", "jwks", "algorithm", "applicationID"], in: members, at: path)
            let issuer = try issuerURL(try required("issuer", "the iss its tokens carry"), at: path.key("issuer"))
            let jwks = try required("jwks", "an http(s) URL or a data: URI holding the JWKS")
            guard jwks.hasPrefix("https://") || jwks.hasPrefix("http://") || jwks.hasPrefix("data:") else {
                throw ConfigError(path.key("jwks"), "expected an http:// or https:// URL, or a data: URI holding the JWKS")
            }
            let name = try required("algorithm", "RS256 or ES256")
            guard let algorithm = AuthProvider.SignatureAlgorithm(rawValue: name) else {
                throw ConfigError(path.key("algorithm"), "Invalid signature algorithm (only RS256 and ES256 are supported): \(name)")
            }
            return AuthProvider(kind: .customJwt(jwks: jwks, algorithm: algorithm), issuer: issuer, applicationID: try string("applicationID"))
        }
        try ConfigReader.allowOnly(["domain", "applicationID"], in: members, at: path)
        let domain = try issuerURL(try required("domain", "the OIDC issuer, e.g. https://example.auth0.com"), at: path.key("domain"))
        return AuthProvider(kind: .oidc, issuer: domain, applicationID: try required("applicationID", "the aud its tokens carry"))
    }

    /// An issuer is a URL; the backend's `IssuerUrl` takes only an absolute one.
    private static func issuerURL(_ text: String, at path: JSONPath) throws(ConfigError) -> String {
        guard text.hasPrefix("https://") || text.hasPrefix("http://"), text.utf8.count > 8 else {
            throw ConfigError(path, "expected an absolute http:// or https:// URL, got \"\(text)\"")
        }
        return text
    }
}
