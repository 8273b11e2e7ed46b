import EventHTTP

/// Checks user tokens against the config's providers and the test issuer, as the backend's
/// `validate_id_token` does, keeping each provider's keys once fetched: a token whose keys are
/// known is checked at once on the caller's loop; otherwise the keys are fetched (one fetch
/// per provider at a time, whoever asks meanwhile waits for it) and the answer comes later on
/// the same loop. A `kid` the kept keys lack fetches them again, for key rotation, and keys
/// fetched from a URL are fetched again once older than their `KeyLifetime`.
final class Authenticator: Sendable {
    /// The config's providers, in order.
    let providers: [AuthProvider]
    /// Nil when the control API is off: its tokens are then refused like any unknown issuer's.
    let testIssuer: TestIssuer?
    /// What `https://` providers' certificates are checked against; nil: the system's store.
    let tls: TLSClientSettings?
    private let kept = Locked<[String: ProviderKeys]>([:])
    private let fetching = Locked<[String: [Reply<Result<ProviderKeys, ConvexAPIError>>]]>([:])

    /// A provider's keys as fetched; OIDC discovery also says the issuer tokens must carry.
    struct ProviderKeys: Sendable {
        let keys: VerificationKeys
        let discoveredIssuer: String?
        /// The Unix second from which they are fetched again; nil for keys that never change.
        var expires: Int64? = nil

        func isFresh(at now: Int64) -> Bool { expires.map { now < $0 } ?? true }
    }

    init(providers: [AuthProvider], testIssuer: TestIssuer?, tls: TLSClientSettings?) {
        self.providers = providers
        self.testIssuer = testIssuer
        self.tls = tls
    }

    private var candidates: [AuthProvider] {
        providers + (testIssuer.map { [AuthProvider(kind: .testIssuer, issuer: $0.issuer, applicationID: nil)] } ?? [])
    }

    /// Validates `token` at Unix time `now`; `completion` runs on `loop`, before this returns
    /// when nothing had to be fetched.
    func validate(_ token: String, now: Int64, on loop: EventLoop, _ completion: @escaping (Result<UserIdentity, ConvexAPIError>) -> Void) {
        let (unverified, provider): (UnverifiedToken, AuthProvider)
        switch TokenCheck.route(token, providers: candidates, listed: providers) {
        case .failure(let error): return completion(.failure(error))
        case .success(let routed): (unverified, provider) = routed
        }
        let source = Self.sourceKey(provider)
        let check = { (keys: ProviderKeys) -> Result<UserIdentity, ConvexAPIError> in
            switch provider.kind {
            case .customJwt(_, let algorithm):
                TokenCheck.customJWT(unverified, algorithm: algorithm.rawValue, keys: keys.keys, now: now)
            case .testIssuer:
                TokenCheck.customJWT(unverified, algorithm: "RS256", keys: keys.keys, now: now)
            case .oidc:
                TokenCheck.oidc(unverified, provider: provider, discoveredIssuer: keys.discoveredIssuer ?? "", keys: keys.keys, now: now)
            }
        }
        // An unknown kid fetches again only where keys can change: a data: URI or the test
        // issuer's key never does, and rebuilding them for every forged kid would be work for
        // nothing.
        if let keys = kept.withLock({ $0[source] }), keys.isFresh(at: now),
           Self.isFixed(provider) || unverified.keyID.map(keys.keys.contains) ?? true {
            return completion(check(keys))
        }
        fetch(provider, source: source, now: now, on: loop, Reply(on: loop) { result in
            completion(result.flatMap(check))
        })
    }

    private static func isFixed(_ provider: AuthProvider) -> Bool {
        switch provider.kind {
        case .customJwt(let jwks, _): jwks.hasPrefix("data:")
        case .testIssuer: true
        case .oidc: false
        }
    }

    /// The key the fetched keys are kept under: the JWKS URI, or the OIDC provider's domain
    /// (not the token's `iss`, whose trailing slashes a client could vary without end to
    /// fill the cache).
    private static func sourceKey(_ provider: AuthProvider) -> String {
        switch provider.kind {
        case .customJwt(let jwks, _): "jwks " + jwks
        case .oidc: "oidc " + provider.issuer
        case .testIssuer: "test issuer"
        }
    }

    /// Fetches `provider`'s keys (at Unix second `now`) for `reply`, or waits for the fetch
    /// already under way.
    private func fetch(_ provider: AuthProvider, source: String, now: Int64, on loop: EventLoop,
                       _ reply: Reply<Result<ProviderKeys, ConvexAPIError>>) {
        let first = fetching.withLock { waiting in
            var queue = waiting[source, default: []]
            queue.append(reply)
            waiting[source] = queue
            return queue.count == 1
        }
        guard first else { return }
        let done = Reply<Result<ProviderKeys, ConvexAPIError>>(anywhere: { [self] result in
            if case .success(let keys) = result { kept.withLock { $0[source] = keys } }
            let waiting = fetching.withLock { $0.removeValue(forKey: source) ?? [] }
            for waiter in waiting { waiter.later(result) }
        })
        switch provider.kind {
        case .customJwt(let jwks, let algorithm):
            KeyDocuments.jwks(jwks, on: loop, tls: tls) { result in
                switch result {
                case .failure(let error): done.now(.failure(error))
                case .success(let document): Self.build(document, algorithms: [algorithm.rawValue], issuer: nil, fetchedAt: now, done)
                }
            }
        case .oidc:
            KeyDocuments.discover(provider.issuer, on: loop, tls: tls) { result in
                switch result {
                case .failure(let error): done.now(.failure(error))
                case .success(let found): Self.build(found.keys, algorithms: TokenCheck.oidcAlgorithms, issuer: found.issuer, fetchedAt: now, done)
                }
            }
        case .testIssuer:
            guard let testIssuer else { return done.now(.failure(TokenRejection.noProvider(providers))) }
            testIssuer.key(Reply(anywhere: { result in
                done.now(result.map { ProviderKeys(keys: $0.verification, discoveredIssuer: nil) })
            }))
        }
    }

    private static func build(_ document: JWKSDocument, algorithms: [String], issuer: String?, fetchedAt now: Int64,
                              _ done: Reply<Result<ProviderKeys, ConvexAPIError>>) {
        let bytes = document.bytes
        // Saturating: the clock is the deployment's, which tests may set anywhere.
        let expires = document.lifetime.map { now > Int64.max - $0 ? Int64.max : now + $0 }
        KeyBridge.run({
            guard let jwks = VerificationKeys.parse(bytes) else { return .success(ProviderKeys(keys: .empty, discoveredIssuer: issuer, expires: expires)) }
            return .success(ProviderKeys(keys: await VerificationKeys.build(jwks, algorithms: algorithms), discoveredIssuer: issuer, expires: expires))
        }, done)
    }
}
