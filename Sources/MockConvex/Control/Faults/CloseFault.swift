import EventHTTP

/// `{"kind": "close"}`: the connection is closed without an answer. Clients read EOF before
/// any response (Node: `socket hang up`).
struct CloseFault: FaultKind {
    static let name = "close"
    static let parameterKeys: [String] = []

    init(reading members: [(key: String, value: JSON)], at path: JSONPath) throws(ConfigError) {}

    var parameters: [(String, JSON)] { [] }
    var abortsConnection: Bool { true }

    func apply(_ responder: Responder, proceed: @escaping (Responder) -> Void) {
        responder.abort(.close)
    }
}
