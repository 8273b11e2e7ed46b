import EventHTTP

/// `{"kind": "reset"}`: the connection is reset (SO_LINGER 0) without an answer. Clients see
/// ECONNRESET (Node: `read ECONNRESET`).
struct ResetFault: FaultKind {
    static let name = "reset"
    static let parameterKeys: [String] = []

    init(reading members: [(key: String, value: JSON)], at path: JSONPath) throws(ConfigError) {}

    var parameters: [(String, JSON)] { [] }
    var abortsConnection: Bool { true }

    func apply(_ responder: Responder, proceed: @escaping (Responder) -> Void) {
        responder.abort(.reset)
    }
}
