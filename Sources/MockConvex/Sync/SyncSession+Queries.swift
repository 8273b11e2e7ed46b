import EventHTTP

/// The query set and its Transitions: every change (queries added or removed, a commit that
/// wrote what a query read, a new identity, a finished mutation or action) schedules one
/// update; triggers within a loop turn coalesce into one Transition, read at one snapshot.
extension SyncSession {
    func modifyQuerySet(base: UInt32, new: UInt32, _ modifications: [ClientMessage.QuerySetModification]) {
        guard base == receivedQuerySet else {
            return fail(.fatal("Base version \(base) passed up doesn't match the current version \(receivedQuerySet)"))
        }
        guard base < new else { return fail(.internalError) }
        for modification in modifications {
            switch modification {
            case .add(let queryId, let path, let args, let journal):
                guard subscriptions[queryId] == nil else { return fail(.internalError) }
                subscriptions[queryId] = Subscription(path: path, args: args, journal: journal)
                toRun.insert(queryId)
            case .remove(let queryId):
                guard subscriptions.removeValue(forKey: queryId) != nil else { return fail(.internalError) }
                toRun.remove(queryId)
                removed.append(queryId)
            }
        }
        receivedQuerySet = new
        scheduleUpdate()
    }

    /// Output waiting past which Transitions are held back.
    static let heldOutputBytes = 256 << 10

    /// What the client was sent is written: the held Transition (with everything since) goes.
    func outputDrained() {
        guard heldForOutput else { return }
        heldForOutput = false
        heldTimer?.cancel()
        heldTimer = nil
        scheduleUpdate()
    }

    /// A durable commit: the queries whose reads it wrote run again.
    func commitArrived(_ record: CommitRecord) {
        var affected = false
        for (queryId, subscription) in subscriptions where subscription.reads.isAffected(by: record) {
            toRun.insert(queryId)
            affected = true
        }
        if affected { scheduleUpdate() }
    }

    /// Functions were declared or removed: any query may answer differently now.
    func registryChanged() {
        guard !subscriptions.isEmpty else { return }
        rerunEverything = true
        scheduleUpdate()
    }

    func scheduleUpdate() {
        guard !updateScheduled, !heldForOutput, !isClosed else { return }
        updateScheduled = true
        transitionDelay = .zero
        faults?.takeSessionFault(listener: listener, sessionPath: path, messageType: nil)?.act(on: self)
        loop.schedule(after: transitionDelay) { [weak self] in self?.sendTransition() }
    }

    /// One Transition from the last version sent to now: every query that needs it run on one
    /// snapshot, changed results only (a rerun that answers the same sends nothing), removals,
    /// and the versions received. Sent even when empty: clients wait for it.
    func sendTransition() {
        updateScheduled = false
        guard !isClosed else { return }
        // A client that has not read what it was sent gets no more until it has: what changes
        // meanwhile goes out in one Transition then, as the backend holds updates while two
        // are unsent (SYNC_MAX_SEND_TRANSITION_COUNT). Its output stays bounded whatever the
        // rate of commits, and a slow client loses nothing: it gets everything in one go.
        if let connection, connection.bufferedOutputBytes > Self.heldOutputBytes {
            heldForOutput = true
            connection.notifyWhenOutputDrains()
            // One that has not read it all within --send-timeout is taken for stuck: it is
            // closed, and its queued output goes with it.
            heldTimer = loop.schedule(after: heldOutputTimeout) { [weak self] in
                guard let self, heldForOutput else { return }
                heldTimer = nil
                drop(code: 1008, reason: "the client does not read what it is sent")
            }
            return
        }
        guard !identityExpired else { return fail(.identityExpired) }
        if let forwarder = hub?.forwarder { return sendUpstreamTransition(forwarder) }
        let (store, timestamp) = deployment.database.snapshot()
        // The hub's answers are shared with the loop's other sessions; a session on its own
        // (a test's) asks afresh.
        let answers = hub?.answers ?? QueryAnswers()
        var modifications: [ServerMessage.QueryModification] = removed.map { .removed(queryId: $0) }
        let ids = rerunEverything ? Set(subscriptions.keys) : toRun
        for queryId in ids.sorted() {
            guard var subscription = subscriptions[queryId] else { continue }
            let answer = answers.answer(subscription.path, arguments: subscription.args, identity: identity, store: store,
                                        timestamp: timestamp, deployment: deployment)
            // A rerun that answers the same sends nothing; what it read now is what wakes it next.
            let unchanged = subscription.lastAnswer.map { $0 === answer || $0.outcome == answer.outcome } ?? false
            if !unchanged { modifications.append(.updated(queryId: queryId, answer: answer, journal: subscription.journal)) }
            subscription.lastAnswer = answer
            subscriptions[queryId] = subscription
        }
        removed = []
        toRun = []
        rerunEverything = false
        let end = StateVersion(querySet: receivedQuerySet, identity: receivedIdentity, timestamp: max(sent.timestamp, timestamp))
        send(.transition(start: sent, end: end, modifications: modifications, clientClockSkew: clientClockSkew,
                         serverTs: Database.nowNanoseconds()))
        sent = end
    }
}
