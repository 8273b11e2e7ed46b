import Crypto
import FoundationEssentials

/// Upload URL tokens. The backend encrypts its tokens; here they are signed: an HMAC-SHA256,
/// under a key derived from the instance secret, over the version, issue time, a nonce and the
/// instance name. Written as lowercase hex like the backend's, and checked in constant time.
/// Tokens made before a restart stay valid as long as the instance secret does.
struct UploadTokens: Sendable {
    /// The backend's validity: an hour from issue, the last second excluded.
    static let lifetimeSeconds: Int64 = 3600
    private static let version: UInt8 = 1
    private static let nonceLength = 16

    private let key: SymmetricKey
    private let instanceName: String

    init(instanceSecret: String, instanceName: String) {
        let secret = SymmetricKey(data: Hex.decode(instanceSecret) ?? Array(instanceSecret.utf8))
        // A key for this purpose only, as the backend derives one per purpose from the secret.
        key = SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Data("store file authorization".utf8), using: secret)))
        self.instanceName = instanceName
    }

    func issue(issuedAt seconds: Int64) -> String {
        var generator = SystemRandomNumberGenerator()
        var message: [UInt8] = [Self.version]
        message += (0..<8).reversed().map { UInt8(truncatingIfNeeded: UInt64(seconds) >> (8 * $0)) }
        message += (0..<Self.nonceLength).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let name = Array(instanceName.utf8.prefix(255))
        message.append(UInt8(name.count))
        message += name
        message += Array(HMAC<SHA256>.authenticationCode(for: message, using: key))
        return Hex.encode(message)
    }

    /// Nil when the token is good at `now`; otherwise the backend's answer.
    func check(_ token: String, now seconds: Int64) -> ConvexAPIError? {
        let invalid = ConvexAPIError.unauthenticated("StorageTokenInvalid", "Couldn't decode the StoreFileAuthorization token")
        let text = token.hasPrefix("0x") ? String(token.dropFirst(2)) : token
        let headerLength = 1 + 8 + Self.nonceLength + 1
        guard let bytes = Hex.decode(text), bytes.count >= headerLength + 32, bytes[0] == Self.version else { return invalid }
        let nameLength = Int(bytes[headerLength - 1])
        guard bytes.count == headerLength + nameLength + 32 else { return invalid }
        let message = bytes[0..<(headerLength + nameLength)]
        guard HMAC<SHA256>.isValidAuthenticationCode(bytes[(headerLength + nameLength)...], authenticating: message, using: key) else {
            return invalid
        }
        guard String(decoding: bytes[headerLength..<(headerLength + nameLength)], as: UTF8.self) == instanceName else {
            // The backend's text has the braces: it is not a format string there.
            return .unauthenticated("InvalidStorageToken", "Storage token is for invalid instance {instance_name}")
        }
        let issued = bytes[1..<9].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard issued != 0 else { return .internalServerError }
        if Int64(bitPattern: issued) + Self.lifetimeSeconds <= seconds {
            return .unauthenticated("StorageTokenExpired", "Store File Authorization expired")
        }
        return nil
    }

}
