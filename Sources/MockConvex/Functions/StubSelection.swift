/// Choosing what a stubbed function answers a call with.
extension FunctionStubs {
    /// Arguments longer than this (in UTF-8 bytes) are cut in error messages: a 16 MiB
    /// argument object should not come back in every failure.
    static let shownArgumentsLimit = 1_000

    /// The behaviour that answers `args`: the first matching case's, the next sequence entry,
    /// or the fallback; a failure when none does. Takes a sequence's next entry, so call it
    /// once per call of the function.
    func behaviour(for args: ConvexObject, path: FunctionPath) -> Result<FunctionSpec.Behaviour, JSFailure> {
        switch rule {
        case .cases(let cases):
            if let index = cases.firstIndex(where: { $0.pattern.matches(args) }) {
                switch cases[index].answer {
                case .behaviour(let answer):
                    return .success(answer)
                case .sequence(let sequence):
                    if let entry = sequence.next() { return .success(entry) }
                    return .failure(failure(Self.usedUp(path, sequence, caseIndex: index), path))
                }
            }
            if let fallback { return .success(fallback) }
            return .failure(failure(Self.unmatched(path, args, cases), path))
        case .sequence(let sequence):
            if let entry = sequence.next() { return .success(entry) }
            return .failure(failure(Self.usedUp(path, sequence), path))
        }
    }

    /// The behaviour whose reads a call with `args` makes, without taking a sequence entry:
    /// the fallback's when no case matches, nil when a stub answers (stubs read nothing).
    func readingBehaviour(for args: ConvexObject?) -> FunctionSpec.Behaviour? {
        guard case .cases(let cases) = rule, let args, !cases.contains(where: { $0.pattern.matches(args) }) else { return nil }
        return fallback
    }

    private func failure(_ message: String, _ path: FunctionPath) -> JSFailure {
        JSFailure.uncaught("Error", message, frames: [FunctionRunner.frame(path.moduleName)])
    }

    /// Names the function, shows the arguments, and names the nearest case: the one whose
    /// pattern has the most top-level fields that the arguments match (the first of equals).
    static func unmatched(_ path: FunctionPath, _ args: ConvexObject, _ cases: [StubCase]) -> String {
        var message = "No case of \(path.stripped) matches the arguments \(shortDisplay(args))"
        var nearest: (index: Int, same: [String], different: [String], extra: [String])?
        for (index, stub) in cases.enumerated() {
            let (same, different, extra) = stub.pattern.comparison(with: args)
            if same.count > nearest?.same.count ?? -1 { nearest = (index, same, different, extra) }
        }
        if let nearest {
            let stub = cases[nearest.index]
            let key = if case .exactly = stub.pattern { "args" } else { "argsContain" }
            message += "; the nearest is cases[\(nearest.index)] (\(key) \(shortDisplay(stub.pattern.fields)))"
            var parts: [String] = []
            if !nearest.same.isEmpty { parts.append("same \(listed(nearest.same))") }
            if !nearest.different.isEmpty { parts.append("different or missing \(listed(nearest.different))") }
            if !nearest.extra.isEmpty { parts.append("not in the case \(listed(nearest.extra))") }
            if !parts.isEmpty { message += ": " + parts.joined(separator: "; ") }
        }
        return message + ". Add a case for these arguments, or give the function another behaviour (returns, throws, ...) as the fallback"
    }

    static func usedUp(_ path: FunctionPath, _ sequence: StubSequence, caseIndex: Int? = nil) -> String {
        let length = sequence.entries.count == 1 ? "1 entry" : "\(sequence.entries.count) entries"
        let owner = caseIndex.map { "\(path.stripped)'s cases[\($0)]" } ?? path.stripped
        return "\(owner)'s sequence of \(length) is used up (\"afterLast\": \"fail\"); POST /_mock/reset or declaring the function again rewinds it"
    }

    private static func shortDisplay(_ object: ConvexObject) -> String {
        let shown = ConvexValue.object(object).rustDisplay
        // UTF-8 and scalar counts, not Characters: counting graphemes of a 16 MiB string is slow.
        guard shown.utf8.count > shownArgumentsLimit else { return shown }
        return String(String.UnicodeScalarView(shown.unicodeScalars.prefix(shownArgumentsLimit))) + "…"
    }

    private static func listed(_ names: [String]) -> String {
        names.count <= 10 ? names.joined(separator: ", ") : names.prefix(10).joined(separator: ", ") + " and \(names.count - 10) more"
    }
}
