import _CryptoExtras
import Crypto
import Foundation

/// A key pair made at test time that signs JWTs with swift-crypto directly (not with the
/// jwt-kit mockconvex verifies with), and publishes its JWKS, also as a `data:` URI.
public struct TestSigningKey: Sendable {
    public enum Algorithm: String, Sendable { case RS256, ES256 }

    public let algorithm: Algorithm
    public let keyID: String
    private let rsa: _RSA.Signing.PrivateKey?
    private let ec: P256.Signing.PrivateKey?

    public init(_ algorithm: Algorithm, keyID: String) throws {
        self.algorithm = algorithm
        self.keyID = keyID
        switch algorithm {
        case .RS256: (rsa, ec) = (try _RSA.Signing.PrivateKey(keySize: .bits2048), nil)
        case .ES256: (rsa, ec) = (nil, P256.Signing.PrivateKey())
        }
    }

    /// The public JWK, as a provider's JWKS lists it.
    public var jwk: [String: String] {
        if let rsa {
            // Only a key without primitives (never one made here) could fail to give them.
            let primitives = try! rsa.publicKey.getKeyPrimitives()
            return ["kty": "RSA", "kid": keyID, "use": "sig", "n": Self.base64URL(primitives.modulus), "e": Self.base64URL(primitives.publicExponent)]
        }
        let raw = ec!.publicKey.rawRepresentation
        return ["kty": "EC", "crv": "P-256", "kid": keyID, "use": "sig", "x": Self.base64URL(raw.prefix(32)), "y": Self.base64URL(raw.suffix(32))]
    }

    public static func jwks(_ keys: [TestSigningKey]) -> String {
        let data = try! JSONSerialization.data(withJSONObject: ["keys": keys.map(\.jwk)], options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    public static func dataURI(_ keys: [TestSigningKey]) -> String {
        "data:text/plain;charset=utf-8;base64," + Data(jwks(keys).utf8).base64EncodedString()
    }

    /// A compact JWT of `claims` (JSON text, written as given), with `header` fields added to
    /// `alg` and `kid` (or replacing them).
    public func sign(_ claims: String, header: [String: String] = [:]) throws -> String {
        var fields = ["alg": algorithm.rawValue, "kid": keyID, "typ": "JWT"]
        for (name, value) in header { fields[name] = value }
        let headerJSON = try JSONSerialization.data(withJSONObject: fields.filter { !$0.value.isEmpty }, options: [.sortedKeys])
        let signed = Self.base64URL(headerJSON) + "." + Self.base64URL(Data(claims.utf8))
        let signature: Data
        if let rsa {
            signature = try rsa.signature(for: Data(signed.utf8), padding: .insecurePKCS1v1_5).rawRepresentation
        } else {
            signature = try ec!.signature(for: Data(signed.utf8)).rawRepresentation
        }
        return signed + "." + Self.base64URL(signature)
    }

    public static func base64URL(_ data: some DataProtocol) -> String {
        Data(data).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
