import EventHTTP

/// A fault that acts on a sync session rather than on an HTTP request. Refusing the upgrade
/// itself needs none of these: a `status` fault on the sync path answers the upgrade request.
protocol SyncFaultKind: FaultKind {
    /// Whether it acts when a Transition is about to go out (else on a client message).
    static var onTransition: Bool { get }
    func act(on session: SyncSession)
}

extension SyncFaultKind {
    static var target: FaultTarget { .syncSession }
    var abortsConnection: Bool { false }

    /// Never used: sync faults are taken for session events only.
    func apply(_ responder: Responder, proceed: @escaping (Responder) -> Void) {
        proceed(responder)
    }
}

/// `{"kind": "syncDrop", "code": 1011, "reason": "InternalServerError"}`: the session's socket
/// is closed with that Close frame (`"code": null` for one without payload) when a client
/// message arrives. Both real clients reconnect.
struct SyncDropFault: SyncFaultKind {
    static let name = "syncDrop"
    static let parameterKeys = ["code", "reason"]
    static let onTransition = false
    let code: UInt16?
    let reason: String

    init(reading members: [(key: String, value: JSON)], at path: JSONPath) throws(ConfigError) {
        switch members.value("code") {
        case .null?: code = nil
        case let given?:
            let number = UInt16(try ConfigReader.integer(given, at: path.key("code"), in: 1000...4999))
            guard WebSocket.maySend(number) else {
                throw ConfigError(path.key("code"), "a server may send only close codes \(WebSocket.sendableCodes), got \(number)")
            }
            code = number
        case nil: code = 1011
        }
        reason = try members.value("reason").map { (value) throws(ConfigError) in try ConfigReader.string(value, at: path.key("reason")) }
            ?? (code == nil ? "" : "InternalServerError")
        guard reason.utf8.count <= 123 else { throw ConfigError(path.key("reason"), "a close reason is at most 123 bytes, got \(reason.utf8.count)") }
        if code == nil && !reason.isEmpty { throw ConfigError(path.key("reason"), "a Close without payload (\"code\": null) has no reason") }
    }

    var parameters: [(String, JSON)] {
        [("code", code.map { .integer(Int64($0)) } ?? .null), ("reason", .string(reason))]
    }

    func act(on session: SyncSession) {
        session.drop(code: code, reason: reason)
    }
}

/// `{"kind": "syncFatalError", "error": "..."}`: a `FatalError` with that text, then a Close
/// without payload, as the backend ends a session on a client's mistake. The JS client gives
/// up for good; Rust (and Python) reconnect.
struct SyncFatalErrorFault: SyncFaultKind {
    static let name = "syncFatalError"
    static let parameterKeys = ["error"]
    static let onTransition = false
    let error: String

    init(reading members: [(key: String, value: JSON)], at path: JSONPath) throws(ConfigError) {
        error = try members.value("error").map { (value) throws(ConfigError) in try ConfigReader.string(value, at: path.key("error")) }
            ?? "Injected by a mockconvex fault"
    }

    var parameters: [(String, JSON)] { [("error", .string(error))] }

    func act(on session: SyncSession) {
        session.fail(.fatal(error))
    }
}

/// `{"kind": "syncDelay", "ms": 500}`: the session's next Transition goes out that much later
/// (a slow backend, as the clients see it: mutations resolve late, updates arrive late).
struct SyncDelayFault: SyncFaultKind {
    static let name = "syncDelay"
    static let parameterKeys = ["ms"]
    static let onTransition = true
    let ms: Int

    init(reading members: [(key: String, value: JSON)], at path: JSONPath) throws(ConfigError) {
        ms = try members.integer("ms", at: path, in: 0...DelayFault.maxMs)
    }

    var parameters: [(String, JSON)] { [("ms", .integer(Int64(ms)))] }

    func act(on session: SyncSession) {
        session.transitionDelay = .milliseconds(ms)
    }
}
