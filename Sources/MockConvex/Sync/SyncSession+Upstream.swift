import EventHTTP

/// `mockconvex record`: the session's queries, mutations and actions run on the upstream
/// deployment, through its HTTP API, and their answers reach the client as the sync protocol
/// carries them. The upstream's commits are not seen here, so every subscribed query is asked
/// again after each mutation or action that passes through (from any client).
extension SyncSession {
    /// The token goes upstream as it came: the upstream's providers judge it. An admin key
    /// must be this server's, which is the upstream's (`--admin-key`).
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
        receivedIdentity &+= 1
        rerunEverything = true
        scheduleUpdate()
    }

    /// A timestamp later than any this session handed out, and than the last Transition's.
    func nextUpstreamTimestamp() -> UInt64 {
        upstreamClock = max(upstreamClock &+ 1, sent.timestamp, Database.nowNanoseconds())
        return upstreamClock
    }

    func forwardMutation(requestId: UInt32, path: FunctionPath, args: [JSON], _ forwarder: Forwarder) {
        let requestIdText = RequestId.fresh()
        // The recording, not the forwarder: the forwarder's client holds this closure.
        let recording = forwarder.recording
        forwarder.call(.mutation, path, arguments: args, authorization: upstreamAuthorization) { [weak self] outcome in
            Self.record(.mutation, path, args, outcome, recording)
            recording.mutationPassed()
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
    }

    func forwardAction(requestId: UInt32, path: FunctionPath, args: [JSON], _ forwarder: Forwarder) {
        let requestIdText = RequestId.fresh()
        let recording = forwarder.recording
        actionsRunning += 1
        forwarder.call(.action, path, arguments: args, authorization: upstreamAuthorization) { [weak self] outcome in
            Self.record(.action, path, args, outcome, recording)
            // An action may have run mutations upstream.
            recording.mutationPassed()
            guard let self else { return }
            actionsRunning -= 1
            guard !isClosed else { return }
            send(.actionResponse(requestId: requestId, outcome: outcome, requestIdText: requestIdText))
            rerunEverything = true
            scheduleUpdate()
        }
    }

    /// Asks the upstream for the queries that need an answer, all in one batch (one snapshot
    /// there), and sends the Transition when it answers; changes meanwhile make another.
    func sendUpstreamTransition(_ forwarder: Forwarder) {
        guard !askingUpstream else { return askUpstreamAgain = true }
        let ids = (rerunEverything ? Set(subscriptions.keys) : toRun).sorted()
        let removals = removed
        let querySet = receivedQuerySet
        let identityVersion = receivedIdentity
        removed = []
        toRun = []
        rerunEverything = false
        let asked = ids.compactMap { id in subscriptions[id].map { (id: id, subscription: $0) } }
        let recording = forwarder.recording
        let finish: ([FunctionOutcome]) -> Void = { [weak self] outcomes in
            guard let self else { return }
            askingUpstream = false
            guard !isClosed else { return }
            var modifications: [ServerMessage.QueryModification] = removals.map { .removed(queryId: $0) }
            for ((id, subscription), outcome) in zip(asked, outcomes) {
                // Removed while the upstream answered: its removal goes in a later Transition.
                guard var current = subscriptions[id], current.path == subscription.path, current.args == subscription.args else { continue }
                if current.lastAnswer == nil { Self.record(.query, subscription.path, subscription.args, outcome, recording) }
                let unchanged = current.lastAnswer.map { $0.outcome == outcome } ?? false
                let answer = QueryAnswer(outcome: outcome, reads: ReadSet())
                if !unchanged { modifications.append(.updated(queryId: id, answer: answer, journal: current.journal)) }
                current.lastAnswer = answer
                subscriptions[id] = current
            }
            let end = StateVersion(querySet: querySet, identity: identityVersion, timestamp: nextUpstreamTimestamp())
            send(.transition(start: sent, end: end, modifications: modifications, clientClockSkew: clientClockSkew,
                             serverTs: Database.nowNanoseconds()))
            sent = end
            if askUpstreamAgain {
                askUpstreamAgain = false
                scheduleUpdate()
            }
        }
        guard !asked.isEmpty else { return finish([]) }
        askingUpstream = true
        forwarder.queries(asked.map { ($0.subscription.path, $0.subscription.args) }, authorization: upstreamAuthorization, completion: finish)
    }

    /// A call this session made, kept by the recording: the first answer of each subscription
    /// (what a replayed subscription takes), and every mutation and action.
    private static func record(_ kind: FunctionSpec.Kind, _ path: FunctionPath, _ args: [JSON], _ outcome: FunctionOutcome, _ recording: Recording) {
        guard let object = FunctionCallReading.arguments(args) else { return }
        recording.record(path: path.stripped, kind: kind, args: object, outcome: outcome)
    }
}
