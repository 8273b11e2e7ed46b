import EventHTTP

/// The sync sessions of one loop: it hears of every durable commit and every redeclaration
/// (once per loop, not per session) and tells the sessions whose queries they touch, and it
/// keeps the sockets alive: a WebSocket ping every 5 s, a JSON `Ping` after 15 s of quiet.
final class SyncHub {
    let deployment: Deployment
    let loop: EventLoop
    private var sessions: [Int: SyncSession] = [:]
    private var ticker: ScheduledTimer?
    /// What the sessions' queries answered at the latest snapshot, shared among them.
    let answers = QueryAnswers()
    static let keepAliveInterval: Duration = .seconds(5)
    /// `mockconvex record`: the sessions' functions run upstream, through this.
    let forwarder: Forwarder?

    init(deployment: Deployment, loop: EventLoop, forwarder: Forwarder? = nil) {
        self.deployment = deployment
        self.loop = loop
        self.forwarder = forwarder
        // Handlers run on the committing thread (under the database's lock): they only queue
        // the news for this loop. They hold the hub weakly: the feed outlives it.
        let bound = LoopBound(WeakReference(self), on: loop.handle)
        deployment.database.feed.subscribe { record in bound.run { $0.value?.commitArrived(record) } }
        deployment.registry.subscribe { bound.run { $0.value?.registryChanged() } }
        forwarder?.recording.onMutation { bound.run { $0.value?.mutationPassed() } }
    }

    var count: Int { sessions.count }

    func add(_ session: SyncSession) {
        sessions[session.id] = session
        session.hub = self
        deployment.syncSessions.register(session)
        if ticker == nil { scheduleKeepAlive() }
    }

    func remove(_ session: SyncSession) {
        sessions[session.id] = nil
        deployment.syncSessions.unregister(session.id)
    }

    func session(_ id: Int) -> SyncSession? { sessions[id] }

    var all: [SyncSession] { sessions.keys.sorted().compactMap { sessions[$0] } }

    private func commitArrived(_ record: CommitRecord) {
        for session in sessions.values { session.commitArrived(record) }
    }

    /// A mutation went upstream: every subscribed query may answer differently now.
    private func mutationPassed() {
        for session in sessions.values { session.registryChanged() }
    }

    private func registryChanged() {
        for session in sessions.values { session.registryChanged() }
    }

    private func scheduleKeepAlive() {
        ticker = loop.schedule(after: Self.keepAliveInterval) { [weak self] in
            guard let self else { return }
            ticker = nil
            let now = EventLoop.monotonicNanoseconds()
            for session in sessions.values { session.keepAlive(now: now) }
            if !sessions.isEmpty { scheduleKeepAlive() }
        }
    }
}

/// A reference that does not keep its object alive.
final class WeakReference<Value: AnyObject> {
    weak var value: Value?

    init(_ value: Value) {
        self.value = value
    }
}
