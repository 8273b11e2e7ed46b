import EventHTTP

/// Answers declared for particular calls rather than computed: `cases` (chosen by the
/// arguments) or a `sequence` (chosen by how many calls came before). What they answer with
/// is one of the behaviours that touch no documents (`returns`, `throws`, `echo`,
/// `identity`): they read and write nothing, so a stubbed call's read set and the tables the
/// config numbers stay those of the function's own (fallback) behaviour. (`identity` reads
/// the caller, and every query runs again when that changes.)
struct FunctionStubs: Sendable, Equatable {
    enum Rule: Sendable, Equatable {
        /// Tried in order; the first whose pattern matches answers.
        case cases([StubCase])
        case sequence(StubSequence)
    }

    var rule: Rule
    /// The function's other behaviour, run when no case matches. A sequence has none.
    var fallback: FunctionSpec.Behaviour?

    /// The behaviours a case or sequence entry may answer with.
    static let answerKeys = ["returns", "throws", "echo", "identity"]
}

/// One entry of `cases`: which arguments it answers, and how.
struct StubCase: Sendable, Equatable {
    enum Answer: Sendable, Equatable {
        case behaviour(FunctionSpec.Behaviour)
        /// Consecutive matching calls take the next entry: the same arguments answered
        /// differently over time, as a recording saw them.
        case sequence(StubSequence)
    }

    var pattern: ArgumentPattern
    var answer: Answer

    init(pattern: ArgumentPattern, answer: Answer) {
        self.pattern = pattern
        self.answer = answer
    }

    init(pattern: ArgumentPattern, answer: FunctionSpec.Behaviour) {
        self.init(pattern: pattern, answer: .behaviour(answer))
    }

    /// The same case with its sequence (if any) back at the first entry.
    func rewound() -> StubCase {
        guard case .sequence(let sequence) = answer else { return self }
        return StubCase(pattern: pattern, answer: .sequence(sequence.rewound()))
    }
}

/// A `sequence` (of a function or of one case): the entries consecutive calls take, counted
/// per declaration across every caller (HTTP, sync sessions, scheduled runs, every loop). Rewound by being declared again
/// (a fresh `StubSequence`) or by a reset (`DeploymentConfig.withRewoundSequences`).
final class StubSequence: Sendable, Equatable {
    enum AfterLast: String, Sendable, CaseIterable {
        /// Every later call gets the last entry again.
        case `repeat`
        /// Every later call fails, naming the function and the sequence's length.
        case fail
    }

    let entries: [FunctionSpec.Behaviour]
    let afterLast: AfterLast
    /// Calls taken so far, stopping at `entries.count` (past the end) so it never overflows.
    private let taken = Locked(0)

    init(entries: [FunctionSpec.Behaviour], afterLast: AfterLast) {
        self.entries = entries
        self.afterLast = afterLast
    }

    /// The entry this call takes, or nil when the sequence is used up and `afterLast` is `fail`.
    /// Thread-safe: two concurrent callers never take the same position.
    func next() -> FunctionSpec.Behaviour? {
        let position = taken.withLock { taken in
            defer { if taken < entries.count { taken += 1 } }
            return taken
        }
        if position < entries.count { return entries[position] }
        return afterLast == .repeat ? entries.last : nil
    }

    /// The same entries, from the start.
    func rewound() -> StubSequence {
        StubSequence(entries: entries, afterLast: afterLast)
    }

    /// What was declared; how far calls have got is not part of it.
    static func == (lhs: StubSequence, rhs: StubSequence) -> Bool {
        lhs.entries == rhs.entries && lhs.afterLast == rhs.afterLast
    }
}

extension FunctionSpec.Behaviour {
    /// What runs when no stub answers: the fallback of a stubbed behaviour, any other itself.
    var unstubbed: FunctionSpec.Behaviour? {
        if case .stubs(let stubs) = self { return stubs.fallback }
        return self
    }
}
