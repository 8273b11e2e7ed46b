import EventHTTP

/// Every open sync session of every loop, for the control API to list (`GET /_mock/sync`). It
/// holds only where each session lives; a listing asks each session's own loop for its
/// summary, so serving costs nothing extra.
final class SyncDirectory: Sendable {
    private struct State {
        var sessions: [Int: LoopBound<SyncSession>] = [:]
        var nextId = 1
    }

    private let state = Locked(State())

    /// A new session's id.
    func nextId() -> Int {
        state.withLock { state in
            defer { state.nextId += 1 }
            return state.nextId
        }
    }

    func register(_ session: SyncSession) {
        let bound = LoopBound(session, on: session.loop.handle)
        state.withLock { $0.sessions[session.id] = bound }
    }

    func unregister(_ id: Int) {
        state.withLock { _ = $0.sessions.removeValue(forKey: id) }
    }

    var count: Int { state.withLock { $0.sessions.count } }

    /// Each open session's summary, in id order, gathered from the sessions' loops; `done`
    /// runs on one of those threads (or at once when there are none).
    func summaries(_ done: @escaping @Sendable ([JSON]) -> Void) {
        let sessions = state.withLock { $0.sessions.sorted { $0.key < $1.key } }
        guard !sessions.isEmpty else { return done([]) }
        let gathered = Locked((remaining: sessions.count, found: [Int: JSON]()))
        let finish: @Sendable (Int, JSON?) -> Void = { id, summary in
            let complete: [JSON]? = gathered.withLock { state in
                if let summary { state.found[id] = summary }
                state.remaining -= 1
                return state.remaining == 0 ? state.found.keys.sorted().compactMap { state.found[$0] } : nil
            }
            if let complete { done(complete) }
        }
        for (id, bound) in sessions {
            let queued = bound.run { session in finish(id, session.isClosed ? nil : session.summary) }
            if !queued { finish(id, nil) }
        }
    }

    /// Closes every session whose id is in `ids` (all when nil) with `code` and `reason`.
    func drop(_ ids: Set<Int>?, code: UInt16?, reason: String) -> Int {
        let sessions = state.withLock { $0.sessions.filter { ids?.contains($0.key) ?? true } }
        for bound in sessions.values { bound.run { $0.drop(code: code, reason: reason) } }
        return sessions.count
    }
}
