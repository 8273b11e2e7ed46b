import Crypto
import FoundationEssentials

/// Tokens this deployment hands out and later takes back: upload URL tokens and action
/// callback tokens. The backend encrypts its tokens; here they are signed: an HMAC-SHA256,
/// under a key derived from the instance secret for one purpose only, over the version, issue
/// time, a nonce and the instance name. Written as lowercase hex like the backend's, and
/// checked in constant time. Tokens made before a restart stay valid as long as the instance
/// secret does.
struct SignedTokens: Sendable {
    enum Verdict: Equatable {
        case valid(issuedAt: Int64)
        /// Not hex, the wrong shape, or a signature that does not match.
        case forged
        /// Signed with this secret but for another instance name.
        case otherInstance
        case expired
        /// Signed, but without an issue time.
        case noIssueTime
    }

    private static let version: UInt8 = 1
    private static let nonceLength = 16

    private let key: SymmetricKey
    private let instanceName: String
    private let lifetimeSeconds: Int64

    /// `purpose` separates the keys: a token made for one use is forged for any other.
    init(instanceSecret: String, instanceName: String, purpose: String, lifetimeSeconds: Int64) {
        let secret = SymmetricKey(data: Hex.decode(instanceSecret) ?? Array(instanceSecret.utf8))
        key = SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Data(purpose.utf8), using: secret)))
        self.instanceName = instanceName
        self.lifetimeSeconds = lifetimeSeconds
    }

    func issue(issuedAt seconds: Int64) -> String {
        var generator = SystemRandomNumberGenerator()
        var message: [UInt8] = [Self.version]
        message += (0..<8).reversed().map { UInt8(truncatingIfNeeded: UInt64(bitPattern: seconds) >> (8 * $0)) }
        message += (0..<Self.nonceLength).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let name = Array(instanceName.utf8.prefix(255))
        message.append(UInt8(name.count))
        message += name
        message += Array(HMAC<SHA256>.authenticationCode(for: message, using: key))
        return Hex.encode(message)
    }

    func check(_ token: String, now seconds: Int64) -> Verdict {
        let text = token.hasPrefix("0x") ? String(token.dropFirst(2)) : token
        let headerLength = 1 + 8 + Self.nonceLength + 1
        guard let bytes = Hex.decode(text), bytes.count >= headerLength + 32, bytes[0] == Self.version else { return .forged }
        let nameLength = Int(bytes[headerLength - 1])
        guard bytes.count == headerLength + nameLength + 32 else { return .forged }
        let message = bytes[0..<(headerLength + nameLength)]
        guard HMAC<SHA256>.isValidAuthenticationCode(bytes[(headerLength + nameLength)...], authenticating: message, using: key) else {
            return .forged
        }
        guard String(decoding: bytes[headerLength..<(headerLength + nameLength)], as: UTF8.self) == instanceName else {
            return .otherInstance
        }
        let issued = Int64(bitPattern: bytes[1..<9].reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
        guard issued != 0 else { return .noIssueTime }
        // Saturating: a signed issue time near the end of Int64 must not trap.
        let (expiry, overflow) = issued.addingReportingOverflow(lifetimeSeconds)
        if !overflow && expiry <= seconds { return .expired }
        return .valid(issuedAt: issued)
    }
}
