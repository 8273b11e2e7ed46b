import EventHTTP

/// `mockconvex record`: the session's queries, mutations and actions run on the upstream
/// deployment, through its HTTP API, and their answers reach the client as the sync protocol
/// carries them. The upstream's commits are not seen here, so every subscribed query is asked
/// again after each mutation or action that passes through (from any client).
extension SyncSession {
    /// The token goes upstream as it came: the upstream's providers judge it, and a 401 from
    /// them ends the session with an `AuthError`, as the backend's own refusal would. An admin
    /// key must be this server's, which is the upstream's (`--admin-key`).
    func forwardAuthenticate(_ token: ClientMessage.AuthenticationToken) {
        switch token {
        case .admin(let key):
            guard SecretComparison.equal(Array(key.utf8), Array(deployment.settings.adminKey.utf8)) else {
                return fail(.authentication("The provided admin key was invalid for this instance"))
            }
            identity = .admin
            upstreamAuthorization = "Convex " + key
        case .user(let jwt):
            hub?.forwarder?.recording.noteSecret(jwt)
            identity = .anonymous
            upstreamAuthorization = "Bearer " + jwt
        case .none:
            identity = .anonymous
            upstreamAuthorization = nil
        }
        upstreamAuthorizationBase = receivedIdentity
        receivedIdentity &+= 1
        rerunEverything = true
        scheduleUpdate()
    }

    /// A timestamp later than any this session handed out, and than the last Transition's.
    func nextUpstreamTimestamp() -> UInt64 {
        upstreamClock = max(upstreamClock &+ 1, sent.timestamp, Database.nowNanoseconds())
        return upstreamClock
    }

    /// A mutation, under the credentials it arrived with. One the client re-sends after a
    /// reconnect (same session and request id) gets its first answer and does not run again.
    func forwardMutation(requestId: UInt32, path: FunctionPath, args: [JSON], identifier: String?, authorization: String?,
                         _ forwarder: Forwarder) {
        let requestIdText = RequestId.fresh()
        // The recording, not the forwarder: the forwarder's client holds this closure.
        let recording = forwarder.recording
        let answer: (FunctionOutcome) -> Void = { [weak self] outcome in
            guard let self else { return }
            mutationRunning = false
            guard !isClosed else { return }
            let succeeded = if case .success = outcome.result { true } else { false }
            send(.mutationResponse(requestId: requestId, outcome: outcome, timestamp: succeeded ? nextUpstreamTimestamp() : nil,
                                   requestIdText: requestIdText))
            // The Transition the client waits for, with every query asked again after the write.
            rerunEverything = true
            scheduleUpdate()
            runNextMutation()
        }
        if let identifier, let first = recording.forwardedMutation(identifier) { return answer(first) }
        forwarder.call(.mutation, path, arguments: args, authorization: authorization) { [weak self] result in
            switch result {
            case .success(let outcome):
                if let identifier { recording.rememberMutation(identifier, outcome) }
                Self.record(.mutation, path, args, outcome, recording)
                recording.mutationPassed()
                answer(outcome)
            case .failure(.credentialsRejected(let message)):
                self?.mutationRunning = false
                self?.fail(.upstreamRejected(message, baseVersion: self?.upstreamAuthorizationBase ?? 0))
            case .failure(.failed(let failure)):
                answer(FunctionOutcome(.failure(failure)))
            }
        }
    }

    func forwardAction(requestId: UInt32, path: FunctionPath, args: [JSON], _ forwarder: Forwarder) {
        let requestIdText = RequestId.fresh()
        let recording = forwarder.recording
        actionsRunning += 1
        forwarder.call(.action, path, arguments: args, authorization: upstreamAuthorization) { [weak self] result in
            let outcome: FunctionOutcome
            switch result {
            case .success(let answered):
                Self.record(.action, path, args, answered, recording)
                // An action may have run mutations upstream.
                recording.mutationPassed()
                outcome = answered
            case .failure(.credentialsRejected(let message)):
                self?.actionsRunning -= 1
                self?.fail(.upstreamRejected(message, baseVersion: self?.upstreamAuthorizationBase ?? 0))
                return
            case .failure(.failed(let failure)):
                outcome = FunctionOutcome(.failure(failure))
            }
            guard let self else { return }
            actionsRunning -= 1
            guard !isClosed else { return }
            send(.actionResponse(requestId: requestId, outcome: outcome, requestIdText: requestIdText))
            rerunEverything = true
            scheduleUpdate()
        }
    }

    /// Asks the upstream for the queries that need an answer, all in one batch (one snapshot
    /// there), and sends the Transition when it answers; changes meanwhile make another. The
    /// Transition's timestamp is taken when the queries are asked: a mutation answered while
    /// they are on their way has a later one, so the client does not take their (older)
    /// answers for ones that include its write.
    func sendUpstreamTransition(_ forwarder: Forwarder) {
        guard !askingUpstream else { return askUpstreamAgain = true }
        let ids = (rerunEverything ? Set(subscriptions.keys) : toRun).sorted()
        let removals = removed
        let querySet = receivedQuerySet
        let identityVersion = receivedIdentity
        let askedAt = nextUpstreamTimestamp()
        removed = []
        toRun = []
        rerunEverything = false
        let asked = ids.compactMap { id in subscriptions[id].map { (id: id, subscription: $0) } }
        let recording = forwarder.recording
        let finish: (Result<[FunctionOutcome], Forwarder.Problem>) -> Void = { [weak self] result in
            guard let self else { return }
            askingUpstream = false
            guard !isClosed else { return }
            let outcomes: [FunctionOutcome]
            switch result {
            case .success(let answered): outcomes = answered
            case .failure(.credentialsRejected(let message)): return fail(.upstreamRejected(message, baseVersion: upstreamAuthorizationBase))
            case .failure(.failed(let failure)): outcomes = Array(repeating: FunctionOutcome(.failure(failure)), count: asked.count)
            }
            let fromFunctions = if case .success = result { true } else { false }
            var modifications: [ServerMessage.QueryModification] = removals.map { .removed(queryId: $0) }
            for ((id, subscription), outcome) in zip(asked, outcomes) {
                // Removed while the upstream answered: its removal goes in a later Transition.
                guard var current = subscriptions[id], current.path == subscription.path, current.args == subscription.args else { continue }
                // The first answer the upstream's function gave is what a replayed subscription
                // takes; a failure to ask is not one, and the next answer is tried instead.
                if fromFunctions, !current.recorded {
                    current.recorded = true
                    Self.record(.query, subscription.path, subscription.args, outcome, recording)
                }
                let unchanged = current.lastAnswer.map { $0.outcome == outcome } ?? false
                let answer = QueryAnswer(outcome: outcome, reads: ReadSet())
                if !unchanged { modifications.append(.updated(queryId: id, answer: answer, journal: current.journal)) }
                current.lastAnswer = answer
                subscriptions[id] = current
            }
            let end = StateVersion(querySet: querySet, identity: identityVersion, timestamp: max(askedAt, sent.timestamp))
            send(.transition(start: sent, end: end, modifications: modifications, clientClockSkew: clientClockSkew,
                             serverTs: Database.nowNanoseconds()))
            sent = end
            if askUpstreamAgain {
                askUpstreamAgain = false
                scheduleUpdate()
            }
        }
        guard !asked.isEmpty else { return finish(.success([])) }
        askingUpstream = true
        forwarder.queries(asked.map { ($0.subscription.path, $0.subscription.args) }, authorization: upstreamAuthorization, completion: finish)
    }

    /// A call this session made, kept by the recording: the first answer of each subscription
    /// (what a replayed subscription takes), and every mutation and action.
    private static func record(_ kind: FunctionSpec.Kind, _ path: FunctionPath, _ args: [JSON], _ outcome: FunctionOutcome, _ recording: Recording) {
        guard let object = FunctionCallReading.arguments(args) else { return recording.notRecorded() }
        recording.record(path: path.stripped, kind: kind, args: object, outcome: outcome)
    }
}
