/// A signed-in user, as `ctx.auth.getUserIdentity()` shows them: the backend's
/// `UserIdentityAttributes` in its JSON form.
struct UserIdentity: Sendable, Hashable {
    /// `{iss}|{sub}`: what apps store to recognise the user, and what `ownerField` holds.
    let tokenIdentifier: String
    /// The object a function gets, in the backend's field order: `tokenIdentifier`, `issuer`,
    /// `subject`, the standard claims it names, then the custom claims sorted by name.
    let object: ConvexObject
    /// Unix seconds of `exp`.
    let expiration: Int64

    /// The typed fields of the backend's identity, in its order, with the OIDC claim each one
    /// comes from.
    static let standardFields: [(claim: String, field: String)] = [
        ("name", "name"), ("given_name", "givenName"), ("family_name", "familyName"), ("nickname", "nickname"),
        ("preferred_username", "preferredUsername"), ("profile", "profileUrl"), ("picture", "pictureUrl"),
        ("website", "websiteUrl"), ("email", "email"), ("email_verified", "emailVerified"), ("gender", "gender"),
        ("birthdate", "birthday"), ("zoneinfo", "timezone"), ("locale", "language"), ("phone_number", "phoneNumber"),
        ("phone_number_verified", "phoneNumberVerified"), ("address", "address"), ("updated_at", "updatedAt"),
    ]

    /// Claims an OIDC ID token's parser takes for itself, and those the backend drops because
    /// they change on every refresh (`jti`, `nbf`, Clerk's `fva`).
    static let oidcConsumedClaims: Set<String> = [
        "iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "acr", "amr", "azp", "at_hash", "c_hash", "jti", "nbf", "fva",
    ]

    /// A custom JWT's registered claims (biscuit's), which are not passed on.
    static let registeredClaims: Set<String> = ["iss", "sub", "aud", "exp", "nbf", "iat", "jti"]

    /// From a verified custom JWT (`from_custom_jwt`): every other claim passes through as a
    /// custom claim, nested objects flattened to `a.b` names, `fva` dropped. Nil without `sub`
    /// or `exp`.
    static func fromCustomJWT(_ token: UnverifiedToken) -> UserIdentity? {
        guard let issuer = token.issuer, let subject = token.subject, let expiration = token.expiry else { return nil }
        var custom: [(String, JSON)] = []
        flatten(token.claims.filter { !registeredClaims.contains($0.key) }, prefix: "", into: &custom)
        custom.removeAll { $0.0 == "fva" }
        return make(issuer: issuer, subject: subject, expiration: expiration, standard: [], custom: custom)
    }

    /// From a verified OIDC ID token (`from_token`): the standard claims become typed fields;
    /// other claims pass through unflattened. Nil when a standard claim has the wrong type
    /// (the OIDC parser refuses such a token).
    static func fromOIDC(_ token: UnverifiedToken) -> UserIdentity? {
        guard let issuer = token.issuer, let subject = token.subject, let expiration = token.expiry else { return nil }
        var claims: [String: JSON] = [:]
        for (key, value) in token.claims { claims[key] = value }
        var standard: [(String, ConvexValue)] = []
        for (claim, field) in standardFields {
            guard let value = claims[claim], value != .null else { continue }
            switch (claim, value) {
            case ("email_verified", .bool(let flag)), ("phone_number_verified", .bool(let flag)):
                standard.append((field, .boolean(flag)))
            case ("address", .object(let members)):
                if case .string(let formatted)? = members.value("formatted") { standard.append((field, .string(formatted))) }
            case ("updated_at", .number(let seconds)):
                guard let text = RFC3339.format(seconds: seconds) else { return nil }
                standard.append((field, .string(text)))
            case ("updated_at", .string(let written)):
                // The backend's openidconnect takes an RFC 3339 time too (its
                // `accept-rfc3339-timestamps`; Auth0 writes `updated_at` so), shown again in UTC.
                guard let (seconds, nanoseconds) = RFC3339.parse(written),
                      let text = RFC3339.format(seconds: Double(seconds), nanoseconds: nanoseconds)
                else { return nil }
                standard.append((field, .string(text)))
            case (_, .string(let text)) where !["email_verified", "phone_number_verified", "address", "updated_at"].contains(claim):
                standard.append((field, .string(text)))
            default:
                return nil
            }
        }
        let named = Set(standardFields.map(\.claim)).union(oidcConsumedClaims)
        var seen: Set<String> = []
        let custom = token.claims.reversed().filter { !named.contains($0.key) && seen.insert($0.key).inserted }.map { ($0.key, $0.value) }
        return make(issuer: issuer, subject: subject, expiration: expiration, standard: standard, custom: custom)
    }

    private static func make(issuer: String, subject: String, expiration: Int64, standard: [(String, ConvexValue)],
                             custom: [(String, JSON)]) -> UserIdentity {
        let tokenIdentifier = "\(issuer)|\(subject)"
        var fields: [(String, ConvexValue)] = [("tokenIdentifier", .string(tokenIdentifier)), ("issuer", .string(issuer)), ("subject", .string(subject))]
        fields += standard
        // A BTreeMap of the custom claims, flattened beside the typed fields.
        let typed = Set(fields.map(\.0))
        var latest: [String: JSON] = [:]
        for (name, value) in custom { latest[name] = value }
        for name in latest.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) where !typed.contains(name) {
            fields.append((name, plainValue(latest[name]!)))
        }
        return UserIdentity(tokenIdentifier: tokenIdentifier, object: ConvexObject(fields), expiration: expiration)
    }

    private static func flatten(_ members: [(key: String, value: JSON)], prefix: String, into result: inout [(String, JSON)]) {
        for (key, value) in members {
            if case .object(let nested) = value {
                flatten(nested, prefix: prefix + key + ".", into: &result)
            } else {
                result.append((prefix + key, value))
            }
        }
    }

    /// Claims are plain JSON: numbers are floats, and `$`-wrappers mean nothing here.
    static func plainValue(_ json: JSON) -> ConvexValue {
        switch json {
        case .null: .null
        case .bool(let flag): .boolean(flag)
        case .number(let number): .float64(number)
        case .integer(let number): .float64(Double(number))
        case .string(let text): .string(text)
        case .array(let items): .array(items.map(plainValue))
        case .object(let members): .object(ConvexObject(members.map { ($0.key, plainValue($0.value)) }))
        }
    }
}
