import EventHTTP

/// Mutations (one at a time, in the order sent, each remembered by session and request id so
/// a re-sent one is not run twice), actions (concurrently), and authentication.
extension SyncSession {
    /// `OPERATION_QUEUE_BUFFER_SIZE`: the backend's bound on a socket's pending mutations, and
    /// on its actions in flight; past it the socket closes with 1013.
    static let maxPendingOperations = 1000

    /// A Mutation message: queued with the identity and session id it arrived with (what the
    /// backend takes when the message arrives, whatever `Authenticate` follows).
    func queueMutation(requestId: UInt32, path: FunctionPath, args: [JSON]) {
        guard mutations.count < Self.maxPendingOperations else {
            return fail(.overloaded("TooManyConcurrentMutations"))
        }
        // The backend remembers a mutation by its session (a parsed UUID, so any spelling of it)
        // and request id: a client that re-sends it after a reconnect gets the first outcome.
        let identifier = connect.map { "sync/\(UUIDText.canonical($0.sessionId))/\(requestId)" }
        mutations.append((requestId, path, args, identity, identifier, upstreamAuthorization))
        runNextMutation()
    }

    /// Starts the next queued mutation unless one is running. Mutations that finish at once
    /// (in memory, or refused before running) are taken in a loop here rather than by recursion,
    /// so any number of queued ones stays off the stack.
    func runNextMutation() {
        guard !startingMutations else { return }
        startingMutations = true
        defer { startingMutations = false }
        while !mutationRunning, !isClosed, !mutations.isEmpty {
            startMutation()
        }
    }

    private func startMutation() {
        let (requestId, path, args, identity, identifier, authorization) = mutations.removeFirst()
        mutationRunning = true
        if let forwarder = hub?.forwarder {
            return forwardMutation(requestId: requestId, path: path, args: args, identifier: identifier, authorization: authorization, forwarder)
        }
        let requestIdText = RequestId.fresh()
        let finish: (FunctionOutcome, UInt64?) -> Void = { [weak self] outcome, timestamp in
            guard let self else { return }
            mutationRunning = false
            guard !isClosed else { return }
            send(.mutationResponse(requestId: requestId, outcome: outcome, timestamp: timestamp, requestIdText: requestIdText))
            // The Transition the clients wait for, at or after the commit.
            scheduleUpdate()
            runNextMutation()
        }
        switch FunctionCaller.prepare(path, arguments: args, identity: identity, lookup: .publicAPI(expected: .mutation),
                                      registry: deployment.registry.registry) {
        case .failure(let failure):
            finish(FunctionOutcome(.failure(failure)), nil)
        case .success(let (spec, values)):
            let execute = { [weak self, deployment, loop] in
                // A socket that closed meanwhile takes its mutations with it, as the backend's
                // sync worker drops its pending ones: the client re-sends what it did not see answered.
                guard let self, !isClosed else { return }
                deployment.runCommitted(spec, path: path, arguments: values, identity: identity, identifier: identifier, Reply(on: loop) { result in
                    switch result {
                    case .success(let committed):
                        guard case .success = committed.value.result else { return finish(committed.value, nil) }
                        finish(committed.value, committed.timestamp)
                    case .failure(let error):
                        finish(FunctionOutcome(.failure(JSFailure(message: error.message))), nil)
                    }
                })
            }
            if spec.delayMs > 0 { loop.schedule(after: .milliseconds(spec.delayMs), execute) } else { execute() }
        }
    }

    func runAction(requestId: UInt32, path: FunctionPath, args: [JSON]) {
        guard actionsRunning < Self.maxPendingOperations else {
            return fail(.overloaded("TooManyInflightActionsForSingleClient"))
        }
        if let forwarder = hub?.forwarder { return forwardAction(requestId: requestId, path: path, args: args, forwarder) }
        let requestIdText = RequestId.fresh()
        actionsRunning += 1
        let finish: (FunctionOutcome) -> Void = { [weak self] outcome in
            guard let self else { return }
            actionsRunning -= 1
            guard !isClosed else { return }
            send(.actionResponse(requestId: requestId, outcome: outcome, requestIdText: requestIdText))
            scheduleUpdate()
        }
        switch FunctionCaller.prepare(path, arguments: args, identity: identity, lookup: .publicAPI(expected: .action),
                                      registry: deployment.registry.registry) {
        case .failure(let failure):
            finish(FunctionOutcome(.failure(failure)))
        case .success(let (spec, values)):
            let execute = { [weak self, deployment, loop] in
                guard let self, !isClosed else { return }
                deployment.run(spec, path: path, arguments: values, identity: identity, Reply(on: loop) { result in
                    switch result {
                    case .success(let outcome): finish(outcome)
                    case .failure(let error): finish(FunctionOutcome(.failure(JSFailure(message: error.message))))
                    }
                })
            }
            if spec.delayMs > 0 { loop.schedule(after: .milliseconds(spec.delayMs), execute) } else { execute() }
        }
    }

    /// `Authenticate`: an admin key makes internal functions callable, `None` ends that; a user
    /// token is checked against the auth providers (perhaps after fetching their keys, while
    /// other messages wait their turn behind it). Every query runs again under the new
    /// identity, in a Transition that carries its version.
    func authenticate(base: UInt32, _ token: ClientMessage.AuthenticationToken) {
        guard base == receivedIdentity else { return fail(.internalError) }
        if hub?.forwarder != nil { return forwardAuthenticate(token) }
        let credentials: Credentials = switch token {
        case .admin(let key): .adminKey(key)
        case .user(let jwt): .bearer(jwt)
        case .none: .none
        }
        authenticating = true
        deployment.authenticate(credentials, on: loop) { [weak self] result in
            guard let self, !isClosed else { return }
            authenticating = false
            switch result {
            case .failure(let error):
                return fail(.authentication(error.message))
            case .success(let identity):
                self.identity = identity
                receivedIdentity = base &+ 1
                rerunEverything = true
                scheduleUpdate()
            }
            releaseHeldMessages()
        }
    }

    /// The messages that waited for an `Authenticate`, in order, until one of them waits again.
    func releaseHeldMessages() {
        var held = heldMessages[...]
        heldMessages = []
        while let next = held.popFirst(), !isClosed {
            received(text: next)
            if authenticating {
                heldMessages = Array(held) + heldMessages
                return
            }
        }
    }
}
