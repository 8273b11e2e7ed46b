import FoundationEssentials

/// A JWT's header and claims read before any signature check, to pick its provider and key,
/// with the types the backend's parser insists on (a claim of the wrong type is a token it
/// cannot parse at all).
struct UnverifiedToken: Sendable {
    /// What was signed: `header.payload`, as sent.
    let signedPart: [UInt8]
    let signature: [UInt8]
    let algorithm: String?
    let keyID: String?
    /// The JOSE header's fields, for the checks only OIDC makes (`typ`, `cty`, `crit`).
    let header: [(key: String, value: JSON)]
    let claims: [(key: String, value: JSON)]
    let issuer: String?
    let subject: String?
    let audiences: [String]
    let expiry: Int64?
    let notBefore: Int64?
    let issuedAt: Int64?

    /// A token longer than this is refused unread: real ID tokens are a few KiB, and the
    /// header's own size limit already holds HTTP tokens far below it.
    static let maxLength = 64 * 1024
    /// chrono's range in seconds, where the backend's timestamps live: a claim beyond it does
    /// not parse there, and does not overflow arithmetic here.
    static let timestampRange: ClosedRange<Double> = -8_334_601_228_800...8_210_266_876_799

    /// Nil when the backend's `unverified_payload` fails: not three dot-separated base64url
    /// parts, a header or payload that is not a JSON object, or a registered claim of the
    /// wrong type.
    init?(_ token: String) {
        let bytes = Array(token.utf8)
        guard bytes.count <= Self.maxLength else { return nil }
        let parts = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count == 3,
              let headerBytes = Base64URL.decode(parts[0]), let payloadBytes = Base64URL.decode(parts[1]),
              let signature = Base64URL.decode(parts[2]),
              case .object(let header)? = try? JSONReader.parse(headerBytes, maxDepth: 64),
              case .object(let claims)? = try? JSONReader.parse(payloadBytes, maxDepth: 64)
        else { return nil }
        signedPart = Array(bytes[..<(parts[0].count + 1 + parts[1].count)])
        self.signature = signature
        guard let algorithm = Self.optionalString(header.value("alg")), let keyID = Self.optionalString(header.value("kid")),
              let issuer = Self.optionalString(claims.value("iss")), let subject = Self.optionalString(claims.value("sub")),
              let audiences = Self.audiences(claims.value("aud")),
              let expiry = Self.timestamp(claims.value("exp")), let notBefore = Self.timestamp(claims.value("nbf")),
              let issuedAt = Self.timestamp(claims.value("iat"))
        else { return nil }
        (self.algorithm, self.keyID, self.header, self.claims) = (algorithm, keyID, header, claims)
        (self.issuer, self.subject, self.audiences) = (issuer, subject, audiences)
        (self.expiry, self.notBefore, self.issuedAt) = (expiry, notBefore, issuedAt)
    }

    /// `.some(nil)` when absent or null, nil when of another type.
    private static func optionalString(_ value: JSON?) -> String?? {
        switch value {
        case nil, .null?: .some(nil)
        case .string(let text)?: .some(text)
        default: nil
        }
    }

    /// `aud` is one string or a list of strings.
    private static func audiences(_ value: JSON?) -> [String]? {
        switch value {
        case nil, .null?: return []
        case .string(let text)?: return [text]
        case .array(let items)?:
            let texts = items.compactMap(\.stringValue)
            return texts.count == items.count ? texts : nil
        default: return nil
        }
    }

    /// Whole seconds within chrono's range; a fraction or 1e300 does not parse as the
    /// backend's `i64`, and must not trap a conversion here.
    private static func timestamp(_ value: JSON?) -> Int64?? {
        switch value {
        case nil, .null?: return .some(nil)
        case .number(let seconds)? where seconds.rounded(.towardZero) == seconds && timestampRange.contains(seconds):
            return .some(Int64(seconds))
        case .integer(let seconds)? where timestampRange.contains(Double(seconds)):
            return .some(seconds)
        default: return nil
        }
    }
}

/// Unpadded base64url, as JWTs use it; padding is tolerated since some encoders add it.
enum Base64URL {
    static func decode(_ text: ArraySlice<UInt8>) -> [UInt8]? {
        var standard = [UInt8]()
        standard.reserveCapacity(text.count + 3)
        for byte in text {
            switch byte {
            case UInt8(ascii: "-"): standard.append(UInt8(ascii: "+"))
            case UInt8(ascii: "_"): standard.append(UInt8(ascii: "/"))
            case UInt8(ascii: "+"), UInt8(ascii: "/"): return nil
            default: standard.append(byte)
            }
        }
        while let last = standard.last, last == UInt8(ascii: "=") { standard.removeLast() }
        guard standard.count % 4 != 1 else { return nil }
        while standard.count % 4 != 0 { standard.append(UInt8(ascii: "=")) }
        return Data(base64Encoded: Data(standard)).map(Array.init)
    }

    static func encode(_ bytes: [UInt8]) -> String {
        var text = Data(bytes).base64EncodedString()
        while text.last == "=" { text.removeLast() }
        return String(text.map { $0 == "+" ? "-" : $0 == "/" ? "_" : $0 })
    }
}
