import EventHTTP

/// `{"kind": "delay", "ms": 1500}`: the request waits that long on a timer (never blocking
/// the loop), then is answered as usual. Clients see a slow server. A request answered
/// meanwhile (the handler timeout) or whose client left is dropped: nothing runs for it.
struct DelayFault: FaultKind {
    static let name = "delay"
    static let parameterKeys = ["ms"]
    static let maxMs = 600_000
    let ms: Int

    init(reading members: [(key: String, value: JSON)], at path: JSONPath) throws(ConfigError) {
        ms = try members.integer("ms", at: path, in: 0...Self.maxMs)
    }

    var parameters: [(String, JSON)] { [("ms", .integer(Int64(ms)))] }
    var abortsConnection: Bool { false }

    func apply(_ responder: Responder, proceed: @escaping (Responder) -> Void) {
        responder.after(.milliseconds(ms)) { proceed(responder) }
    }
}
