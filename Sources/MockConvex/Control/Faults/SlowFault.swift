import EventHTTP

/// `{"kind": "slow", "chunkBytes": 16, "pauseMs": 100}`: the usual answer, its head at once
/// and its body `chunkBytes` at a time with `pauseMs` between pieces. Clients see headers
/// promptly and a body that trickles in (and their read timeouts fire).
struct SlowFault: FaultKind {
    static let name = "slow"
    static let parameterKeys = ["chunkBytes", "pauseMs"]
    let chunkBytes: Int
    let pauseMs: Int

    init(reading members: [(key: String, value: JSON)], at path: JSONPath) throws(ConfigError) {
        chunkBytes = try members.integer("chunkBytes", at: path, in: 1...(1 << 20), fallback: 16)
        pauseMs = try members.integer("pauseMs", at: path, in: 0...60_000, fallback: 100)
    }

    var parameters: [(String, JSON)] {
        [("chunkBytes", .integer(Int64(chunkBytes))), ("pauseMs", .integer(Int64(pauseMs)))]
    }

    var abortsConnection: Bool { false }

    func apply(_ responder: Responder, proceed: @escaping (Responder) -> Void) {
        proceed(responder.pacing(Pacing(chunkBytes: chunkBytes, pause: .milliseconds(pauseMs))))
    }
}
