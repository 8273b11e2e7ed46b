import EventHTTP

/// One fault: which requests it matches (listener, method, exact path or prefix), what it does,
/// and how often: always, for the next `times` matching requests, or with a `probability`
/// drawn from a generator seeded with `seed`, so a run can be repeated.
struct FaultRule: Sendable {
    enum PathMatch: Sendable, Equatable {
        case any
        case exact(String)
        case prefix(String)
    }

    var id = 0
    let listener: String?
    let method: HTTPMethod?
    /// For a sync fault: the client message type that sets it off (`Mutation`, ...); nil for any.
    let messageType: String?
    let path: PathMatch
    let kind: any FaultKind
    /// Matching requests it still applies to; nil for no limit.
    var remaining: Int?
    let probability: Double?
    let seed: UInt64
    var generator: SeededGenerator
    /// How many requests it has acted on.
    var applied = 0

    static let ruleKeys = ["listener", "method", "messageType", "path", "pathPrefix", "kind", "times", "probability", "seed"]

    func matches(listener: String, method: HTTPMethod, path requestPath: String) -> Bool {
        guard type(of: kind).target == .request else { return false }
        if let wanted = self.listener, wanted != listener { return false }
        // HEAD is asked for as GET, as routes serve it.
        if let wanted = self.method, wanted != method, !(wanted == .GET && method == .HEAD) { return false }
        return matches(path: requestPath)
    }

    /// A sync session's event: a client message of `messageType`, or a Transition (nil).
    func matches(listener: String, sessionPath: String, messageType: String?) -> Bool {
        guard let syncKind = kind as? any SyncFaultKind, type(of: syncKind).onTransition == (messageType == nil) else { return false }
        if let wanted = self.listener, wanted != listener { return false }
        if let wanted = self.messageType, wanted != messageType { return false }
        return matches(path: sessionPath)
    }

    private func matches(path requestPath: String) -> Bool {
        switch path {
        case .any: return true
        case .exact(let exact): return requestPath == exact
        case .prefix(let prefix): return requestPath.hasPrefix(prefix)
        }
    }

    init(listener: String?, method: HTTPMethod?, messageType: String? = nil, path: PathMatch, kind: any FaultKind, times: Int?, probability: Double?, seed: UInt64) {
        self.listener = listener
        self.method = method
        self.messageType = messageType
        self.path = path
        self.kind = kind
        remaining = times
        self.probability = probability
        self.seed = seed
        generator = SeededGenerator(seed: seed)
    }

    /// Reads a fault as the control API and the config take it. `randomSeed` is used when a
    /// probability comes without a seed (and reported back, so the run can be repeated).
    static func read(_ value: JSON, at: JSONPath, randomSeed: UInt64) throws(ConfigError) -> FaultRule {
        let members = try ConfigReader.object(value, at: at)
        guard let kindValue = members.value("kind") else {
            throw ConfigError(at, "missing \"kind\": one of \(FaultKinds.all.map(\.name).joined(separator: ", "))")
        }
        let kindName = try ConfigReader.string(kindValue, at: at.key("kind"))
        guard let kindType = FaultKinds.named(kindName) else {
            throw ConfigError(at.key("kind"), "expected one of \(FaultKinds.all.map(\.name).joined(separator: ", ")), got \"\(kindName)\"")
        }
        try ConfigReader.allowOnly(Self.ruleKeys + kindType.parameterKeys, in: members, at: at)
        let kind: any FaultKind
        do {
            kind = try kindType.read(members, at)
        } catch {
            // The readers throw nothing but ConfigError.
            throw error as! ConfigError
        }

        var listener: String?
        if let given = members.value("listener") {
            let name = try ConfigReader.string(given, at: at.key("listener"))
            guard ServerOptions.listenerNames.contains(name) else {
                throw ConfigError(at.key("listener"), "expected one of \(ServerOptions.listenerNames.joined(separator: ", ")), got \"\(name)\"")
            }
            listener = name
        }
        var method: HTTPMethod?
        if let given = members.value("method") {
            guard kindType.target == .request else {
                throw ConfigError(at.key("method"), "a \(kindName) fault acts on sync sessions, which have no method; use \"messageType\"")
            }
            let name = try ConfigReader.string(given, at: at.key("method"))
            guard let known = HTTPMethod(rawValue: name.uppercased()) else {
                throw ConfigError(at.key("method"), "expected one of \(HTTPMethod.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(name)\"")
            }
            method = known
        }
        var messageType: String?
        if let given = members.value("messageType") {
            let name = try ConfigReader.string(given, at: at.key("messageType"))
            guard kindType.target == .syncSession, kindType.name != SyncDelayFault.name else {
                throw ConfigError(at.key("messageType"), "only \(SyncDropFault.name) and \(SyncFatalErrorFault.name) act on a client message; \(kindName) takes no messageType")
            }
            guard ClientMessage.typeNames.contains(name) else {
                throw ConfigError(at.key("messageType"), "expected one of \(ClientMessage.typeNames.joined(separator: ", ")), got \"\(name)\"")
            }
            messageType = name
        }
        let path: PathMatch
        switch (members.value("path"), members.value("pathPrefix")) {
        case (nil, nil):
            path = .any
        case (let exact?, nil):
            path = .exact(try readPath(exact, at: at.key("path")))
        case (nil, let prefix?):
            path = .prefix(try readPath(prefix, at: at.key("pathPrefix")))
        case (_?, _?):
            throw ConfigError(at, "give \"path\" (exact) or \"pathPrefix\", not both")
        }
        var times: Int?
        if let given = members.value("times") {
            times = try ConfigReader.integer(given, at: at.key("times"), in: 1...1_000_000_000)
        }
        var probability: Double?
        if let given = members.value("probability") {
            guard case .number(let chance) = given, chance >= 0, chance <= 1 else {
                throw ConfigError(at.key("probability"), "expected a number from 0 to 1, got \(ConfigReader.describe(given))")
            }
            probability = chance
        }
        var seed = randomSeed
        if let given = members.value("seed") {
            guard probability != nil else { throw ConfigError(at.key("seed"), "a seed only applies with a \"probability\"") }
            seed = UInt64(try ConfigReader.integer(given, at: at.key("seed"), in: 0...Int(Int32.max)))
        }
        return FaultRule(listener: listener, method: method, messageType: messageType, path: path, kind: kind, times: times,
                         probability: probability, seed: seed)
    }

    private static func readPath(_ value: JSON, at path: JSONPath) throws(ConfigError) -> String {
        let text = try ConfigReader.string(value, at: path)
        guard text.hasPrefix("/") else { throw ConfigError(path, "must start with /, got \"\(text)\"") }
        return text
    }

    var json: JSON {
        var members: [(key: String, value: JSON)] = [("id", .integer(Int64(id))), ("kind", .string(type(of: kind).name))]
        if let listener { members.append(("listener", .string(listener))) }
        if let method { members.append(("method", .string(method.rawValue))) }
        if let messageType { members.append(("messageType", .string(messageType))) }
        switch path {
        case .any: break
        case .exact(let exact): members.append(("path", .string(exact)))
        case .prefix(let prefix): members.append(("pathPrefix", .string(prefix)))
        }
        members += kind.parameters.map { (key: $0.0, value: $0.1) }
        if let remaining { members.append(("times", .integer(Int64(remaining)))) }
        if let probability {
            members.append(("probability", .number(probability)))
            members.append(("seed", .integer(Int64(seed))))
        }
        members.append(("applied", .integer(Int64(applied))))
        return .object(members)
    }
}
