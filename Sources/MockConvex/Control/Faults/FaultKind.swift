import EventHTTP

/// What a fault acts on: an HTTP request, or an event of a sync session (a message from its
/// client, or a Transition about to go out).
enum FaultTarget: Sendable {
    case request
    case syncSession
}

/// What a fault does to a request it matches. Each kind reads its own parameters (refusing
/// bad ones with the JSON path), writes them back for `GET /_mock/faults`, and acts.
protocol FaultKind: Sendable {
    static var target: FaultTarget { get }
    /// The `"kind"` that names it.
    static var name: String { get }
    /// The keys of its own parameters, besides the rule's.
    static var parameterKeys: [String] { get }
    init(reading members: [(key: String, value: JSON)], at path: JSONPath) throws(ConfigError)
    var parameters: [(String, JSON)] { get }
    /// True when the client gets no HTTP answer at all (the journal then records no status).
    var abortsConnection: Bool { get }
    /// Acts on a matched request. `proceed` hands the request, with the responder given, to
    /// the deployment as if no fault were there. Anything done later goes through
    /// `responder.after`, so it never runs for a request that is no longer waiting.
    func apply(_ responder: Responder, proceed: @escaping (Responder) -> Void)
}

extension FaultKind {
    static var target: FaultTarget { .request }
}

/// A kind as the readers know it: its name, its parameter keys, and how to read one.
/// Closures rather than existential metatypes: calling a typed-throws initialiser through
/// `any FaultKind.Type` crashes the Swift 6.3 compiler.
struct FaultKindEntry: Sendable {
    let name: String
    let target: FaultTarget
    let parameterKeys: [String]
    let read: @Sendable ([(key: String, value: JSON)], JSONPath) throws -> any FaultKind

    init<Kind: FaultKind>(_ type: Kind.Type) {
        name = Kind.name
        target = Kind.target
        parameterKeys = Kind.parameterKeys
        read = { members, path in try Kind(reading: members, at: path) }
    }
}

enum FaultKinds {
    static let all = [FaultKindEntry(DelayFault.self), FaultKindEntry(StatusFault.self), FaultKindEntry(ResetFault.self),
                      FaultKindEntry(CloseFault.self), FaultKindEntry(GarbageFault.self), FaultKindEntry(SlowFault.self),
                      FaultKindEntry(SyncDropFault.self), FaultKindEntry(SyncFatalErrorFault.self), FaultKindEntry(SyncDelayFault.self)]

    static func named(_ name: String) -> FaultKindEntry? {
        all.first { $0.name == name }
    }
}

extension [(key: String, value: JSON)] {
    /// An integer parameter in `range`: `fallback` when absent, refused when absent without one.
    func integer(_ key: String, at path: JSONPath, in range: ClosedRange<Int>, fallback: Int? = nil) throws(ConfigError) -> Int {
        guard let value = value(key) else {
            if let fallback { return fallback }
            throw ConfigError(path, "missing \"\(key)\"")
        }
        return try ConfigReader.integer(value, at: path.key(key), in: range)
    }
}
