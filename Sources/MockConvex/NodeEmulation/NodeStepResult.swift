/// How one step of the Node-action emulation went, in the words a Node action would report.
public struct NodeStepResult: Sendable, Equatable {
    /// `node_storage_get_direct`, `node_run_query`, ...
    public let name: String
    public let success: Bool
    /// What the step got, on success: `storageId`, `size`, `url`, `value`.
    public var details: [(key: String, value: JSON)] = []
    /// Node's `TypeError` message for a network failure (`fetch failed`), or the `Error` it
    /// throws for an answer it does not accept.
    public var error: String?
    /// The network failure under `fetch failed`: `connect ECONNREFUSED 127.0.0.1:80`.
    public var cause: String?
    /// What the action's code sees thrown: `Transient network error running storage get url
    /// (ECONNREFUSED, 1 attempt)`, `Invalid storage delete request: {...}`.
    public var thrown: String?
    /// The URL the failing request went to.
    public var url: String?
    /// The HTTP status, when there was an answer.
    public var status: Int?

    public static func == (lhs: NodeStepResult, rhs: NodeStepResult) -> Bool {
        lhs.json == rhs.json && lhs.name == rhs.name
    }

    public var json: JSON {
        var members: [(key: String, value: JSON)] = [("success", .bool(success))]
        members += details
        if let error { members.append(("error", .string(error))) }
        if let cause { members.append(("cause", .string(cause))) }
        if let thrown { members.append(("thrown", .string(thrown))) }
        if let status { members.append(("status", .integer(Int64(status)))) }
        if let url { members.append(("url", .string(url))) }
        return .object(members)
    }
}

/// Every step of one emulation run.
public struct NodeEmulationReport: Sendable {
    public let steps: [NodeStepResult]

    /// The step that goes around the backend, through the site origin's fallback route.
    public static let workaroundStep = "node_storage_via_http_workaround"

    /// True when every step the backend's own callbacks serve succeeded.
    public var directStepsSucceeded: Bool {
        steps.filter { $0.name != Self.workaroundStep }.allSatisfy(\.success)
    }

    /// `{"tests": {"node_storage_get_direct": {...}, ...}}`, as the apps' debug route answers.
    public var json: JSON {
        .object([("tests", .object(steps.map { (key: $0.name, value: $0.json) }))])
    }
}
