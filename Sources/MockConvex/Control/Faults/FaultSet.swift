import EventHTTP

/// The active faults, shared by every loop. The first rule that matches a request and fires
/// (its probability drawn, its count not used up) acts on it; a rule whose count is used up
/// goes away.
final class FaultSet: Sendable {
    private struct State {
        var rules: [FaultRule] = []
        var nextId = 1
    }

    private let state = Locked(State())

    init() {}

    /// Adds a rule; its id is what DELETE takes.
    func add(_ rule: FaultRule) -> FaultRule {
        state.withLock { state in
            var rule = rule
            rule.id = state.nextId
            state.nextId += 1
            state.rules.append(rule)
            return rule
        }
    }

    func remove(id: Int) -> Bool {
        state.withLock { state in
            guard let index = state.rules.firstIndex(where: { $0.id == id }) else { return false }
            state.rules.remove(at: index)
            return true
        }
    }

    func removeAll() {
        state.withLock { $0.rules.removeAll() }
    }

    var rules: [FaultRule] {
        state.withLock { $0.rules }
    }

    /// The fault to apply to this request, if any; counts it against its rule.
    func take(listener: String, method: HTTPMethod, path: String) -> (any FaultKind)? {
        take { $0.matches(listener: listener, method: method, path: path) }
    }

    /// The fault to apply to a sync session's event (a client message of `messageType`, or a
    /// Transition when nil), if any.
    func takeSessionFault(listener: String, sessionPath: String, messageType: String?) -> (any SyncFaultKind)? {
        take { $0.matches(listener: listener, sessionPath: sessionPath, messageType: messageType) } as? any SyncFaultKind
    }

    private func take(where matches: (FaultRule) -> Bool) -> (any FaultKind)? {
        state.withLock { state in
            for index in state.rules.indices where matches(state.rules[index]) {
                if let chance = state.rules[index].probability {
                    let draw = Double(state.rules[index].generator.next() >> 11) / Double(1 << 53)
                    guard draw < chance else { continue }
                }
                let kind = state.rules[index].kind
                state.rules[index].applied += 1
                if let remaining = state.rules[index].remaining {
                    if remaining <= 1 { state.rules.remove(at: index) } else { state.rules[index].remaining = remaining - 1 }
                }
                return kind
            }
            return nil
        }
    }
}
