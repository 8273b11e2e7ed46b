import Dispatch
import FoundationEssentials
import JWTKit

/// The public keys of one JWKS, by `kid`, ready to check signatures synchronously.
///
/// jwt-kit turns a JWK into a verifier only through its `JWTKeyCollection` actor, so building
/// them is `async`; checking a signature afterwards (`JWTAlgorithm.verify`) is not. Keys are
/// therefore built once per fetched JWKS, off the event loop (`KeyBridge`), and every token
/// after that is checked on the loop without waiting.
struct VerificationKeys: Sendable {
    /// kid → algorithm name → verifier.
    private let keys: [String: [String: any JWTAlgorithm]]
    /// Every key, by algorithm, with a kid or without: for a token that names none (OIDC
    /// providers may leave it out), which openidconnect checks with the one key that suits.
    private let byAlgorithm: [String: [any JWTAlgorithm]]

    /// A JWKS may list more keys than any provider rotates through; the rest are ignored so
    /// that a hostile document cannot make every check walk thousands of keys.
    static let maxKeys = 100

    static let empty = VerificationKeys(keys: [:], byAlgorithm: [:])

    func contains(keyID: String) -> Bool { keys[keyID] != nil }

    /// True when the key `keyID` signed `signedPart` with `algorithm`; without a kid, when
    /// the JWKS has exactly one key for `algorithm` and it did (openidconnect's `signing_key`
    /// finds more than one ambiguous).
    func verify(_ token: UnverifiedToken, algorithm: String) -> Bool {
        let key: (any JWTAlgorithm)?
        if let keyID = token.keyID {
            key = keys[keyID]?[algorithm]
        } else {
            let candidates = byAlgorithm[algorithm] ?? []
            key = candidates.count == 1 ? candidates.first : nil
        }
        guard let key else { return false }
        return (try? key.verify(token.signature, signs: token.signedPart)) == true
    }

    /// The JWKS's keys that can verify one of `algorithms`. Keys jwt-kit cannot read, or that
    /// declare another algorithm, are left out rather than failing the whole set, as a JWKS
    /// holding one odd key still serves its others.
    static func build(_ jwks: JWKS, algorithms: [String]) async -> VerificationKeys {
        var keys: [String: [String: any JWTAlgorithm]] = [:]
        var byAlgorithm: [String: [any JWTAlgorithm]] = [:]
        for var jwk in jwks.keys.prefix(maxKeys) {
            let keyID = jwk.keyIdentifier?.string
            // The first key with a kid wins, as the backend's lookup finds it.
            if let keyID, keys[keyID] != nil { continue }
            let label = JWKIdentifier(string: "k")
            jwk.keyIdentifier = label
            for algorithm in algorithms {
                if let declared = jwk.algorithm?.rawValue, declared != algorithm { continue }
                let collection = JWTKeyCollection()
                guard (try? await collection.add(jwk: jwk)) != nil,
                      let verifier = try? await collection.getKey(for: label, alg: algorithm),
                      verifier.name == algorithm
                else { continue }
                if let keyID { keys[keyID, default: [:]][algorithm] = verifier }
                byAlgorithm[algorithm, default: []].append(verifier)
            }
        }
        return VerificationKeys(keys: keys, byAlgorithm: byAlgorithm)
    }

    /// A JWKS document as jwt-kit reads it; nil when it is not one.
    static func parse(_ bytes: [UInt8]) -> JWKS? {
        try? JSONDecoder().decode(JWKS.self, from: Data(bytes))
    }
}

/// Runs jwt-kit's few `async` steps (building keys) and hands the result back through a
/// `Reply`, so on the caller's own loop. Nothing blocks: the loop keeps serving meanwhile, and
/// a loop that stopped simply drops the answer.
///
/// The Task prefers an executor of its own (a Dispatch queue, and jwt-kit's actors follow the
/// preference) rather than Swift's cooperative pool: whatever else occupies that pool (two
/// threads on two cores; tests block them running event loops) must not hold up a token.
enum KeyBridge {
    static func run<Value: Sendable>(_ work: @escaping @Sendable () async -> Value, _ reply: Reply<Value>) {
        Task(executorPreference: KeyBuildingExecutor.shared) { reply.later(await work()) }
    }
}

final class KeyBuildingExecutor: TaskExecutor {
    static let shared = KeyBuildingExecutor()
    private let queue = DispatchQueue(label: "mockconvex.auth-keys")

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
