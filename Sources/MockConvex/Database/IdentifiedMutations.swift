/// The first outcome of each mutation an action callback identified by `mutationIdentifier`,
/// for the last 10 000 of them: enough for retries, which come within seconds.
struct IdentifiedMutations: Sendable {
    static let capacity = 10_000
    private var outcomes: [String: FunctionOutcome] = [:]
    private var order: [String] = []
    private var oldest = 0

    subscript(identifier: String) -> FunctionOutcome? {
        get { outcomes[identifier] }
        set {
            guard let newValue else { return }
            if outcomes.updateValue(newValue, forKey: identifier) == nil {
                order.append(identifier)
                if order.count - oldest > Self.capacity {
                    outcomes[order[oldest]] = nil
                    oldest += 1
                    if oldest > Self.capacity {
                        order.removeFirst(oldest)
                        oldest = 0
                    }
                }
            }
        }
    }
}
