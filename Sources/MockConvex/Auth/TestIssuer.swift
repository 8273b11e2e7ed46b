import EventHTTP
import _CryptoExtras
import Crypto
import FoundationEssentials
import JWTKit

#if canImport(Glibc)
import Glibc
#endif

/// The built-in issuer behind `POST /_mock/auth/token`: one RSA key, kept in the data
/// directory when there is one (so tokens outlive a restart), made on first use otherwise.
/// Its tokens are accepted while the control API is on; its JWKS and discovery documents are
/// served so that an app's own provider entry can point at it.
final class TestIssuer: Sendable {
    /// `{convex origin}/_mock/auth`: where its discovery document lives.
    let issuer: String
    private let keyFile: String?
    private let state = Locked<State>(.unmade)

    enum State {
        case unmade
        case making([Reply<Result<Key, ConvexAPIError>>])
        case made(Key)
    }

    /// The signing key with what is derived from it.
    struct Key: Sendable {
        let keyID: String
        let signer: any JWTAlgorithm
        /// The public JWK, as the JWKS route serves it.
        let publicJWK: JSON
        let verification: VerificationKeys
    }

    static let keyFileName = "auth-test-issuer-key.pem"

    init(issuer: String, dataDirectory: String?) {
        self.issuer = issuer
        keyFile = dataDirectory.map { $0 + "/" + Self.keyFileName }
    }

    /// The key, made (or read from the data directory) on first need, off the loop: RSA key
    /// generation takes a noticeable fraction of a second.
    func key(_ reply: Reply<Result<Key, ConvexAPIError>>) {
        // Whoever finds the key unmade starts making it, decided under the lock.
        let (made, starts): (Key?, Bool) = state.withLock { state in
            switch state {
            case .made(let key): return (key, false)
            case .making(var waiting):
                waiting.append(reply)
                state = .making(waiting)
                return (nil, false)
            case .unmade:
                state = .making([reply])
                return (nil, true)
            }
        }
        if let made { return reply.now(.success(made)) }
        guard starts else { return }
        let keyFile = keyFile
        let issuer = issuer
        KeyBridge.run({ await Self.makeKey(keyFile: keyFile, issuer: issuer) }, Reply(anywhere: { [self] result in
            let waiting: [Reply<Result<Key, ConvexAPIError>>] = state.withLock { state in
                guard case .making(let waiting) = state else { return [] }
                if case .success(let key) = result { state = .made(key) } else { state = .unmade }
                return waiting
            }
            for waiter in waiting { waiter.later(result) }
        }))
    }

    /// A signed RS256 token: header, then `iss`, `sub`, `iat`, `exp` and the given claims.
    static func sign(_ key: Key, claims: [(key: String, value: JSON)]) -> Result<String, ConvexAPIError> {
        let header = JSON.object([("alg", .string("RS256")), ("kid", .string(key.keyID)), ("typ", .string("JWT"))])
        let signed = Base64URL.encode(JSONWriter.serialize(header)) + "." + Base64URL.encode(JSONWriter.serialize(.object(claims)))
        guard let signature = try? key.signer.sign(Array(signed.utf8)) else {
            return .failure(.internalServerError)
        }
        return .success(signed + "." + Base64URL.encode(signature))
    }

    private static func makeKey(keyFile: String?, issuer: String) async -> Result<Key, ConvexAPIError> {
        do {
            let privateKey = try loadOrGenerate(keyFile)
            let primitives = try Insecure.RSA.PublicKey(backing: privateKey.publicKey).getKeyPrimitives()
            let modulus = Base64URL.encode(Array(primitives.modulus))
            // Stable across restarts with the same key, distinct for another key.
            let keyID = Hex.encode(Array(SHA256.hash(data: Array(modulus.utf8)).prefix(8)))
            let collection = JWTKeyCollection()
            await collection.add(rsa: try Insecure.RSA.PrivateKey(backing: privateKey), digestAlgorithm: .sha256, kid: JWKIdentifier(string: keyID))
            let signer = try await collection.getKey(for: JWKIdentifier(string: keyID), alg: "RS256")
            let jwk = JSON.object([
                ("kty", .string("RSA")), ("use", .string("sig")), ("alg", .string("RS256")), ("kid", .string(keyID)),
                ("n", .string(modulus)), ("e", .string(Base64URL.encode(Array(primitives.publicExponent)))),
            ])
            guard let jwks = VerificationKeys.parse(JSONWriter.serialize(.object([("keys", .array([jwk]))]))) else {
                return .failure(.internalServerError)
            }
            let verification = await VerificationKeys.build(jwks, algorithms: ["RS256"])
            return .success(Key(keyID: keyID, signer: signer, publicJWK: jwk, verification: verification))
        } catch let error as ConvexAPIError {
            return .failure(error)
        } catch {
            return .failure(ConvexAPIError(status: 500, code: "TestIssuerKeyFailed", message: "The test issuer's key could not be made: \(error)"))
        }
    }

    /// The key in the data directory, or a new one written there (to a temporary file first,
    /// fsynced and renamed, readable by the owner only).
    private static func loadOrGenerate(_ keyFile: String?) throws -> _RSA.Signing.PrivateKey {
        if let keyFile, let pem = try? String(contentsOfFile: keyFile, encoding: .utf8) {
            do {
                return try _RSA.Signing.PrivateKey(pemRepresentation: pem)
            } catch {
                throw ConvexAPIError(status: 500, code: "TestIssuerKeyUnreadable", message: "\(keyFile) does not hold an RSA private key in PEM form; remove it to make a new one")
            }
        }
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        guard let keyFile else { return key }
        let temporary = keyFile + ".tmp"
        let bytes = Array(key.pemRepresentation.utf8)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw ConvexAPIError(status: 500, code: "TestIssuerKeyFailed", message: "cannot write \(temporary): \(String(cString: strerror(errno)))") }
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd) == 0
        close(fd)
        guard written == bytes.count, synced, rename(temporary, keyFile) == 0 else {
            unlink(temporary)
            throw ConvexAPIError(status: 500, code: "TestIssuerKeyFailed", message: "cannot write \(keyFile): \(String(cString: strerror(errno)))")
        }
        // The rename lasts a crash only once the directory is synced, as the data directory's
        // own files are.
        do {
            try DataDirectory.syncDirectory(FilePaths.directory(of: keyFile))
        } catch {
            throw ConvexAPIError(status: 500, code: "TestIssuerKeyFailed", message: "cannot write \(keyFile): \(error.description)")
        }
        return key
    }

    /// The OIDC discovery document: enough for the backend's and mockconvex's own discovery.
    var discoveryDocument: JSON {
        .object([
            ("issuer", .string(issuer)), ("jwks_uri", .string(issuer + "/jwks.json")),
            ("response_types_supported", .array([.string("id_token")])), ("subject_types_supported", .array([.string("public")])),
            ("id_token_signing_alg_values_supported", .array([.string("RS256")])),
        ])
    }
}
