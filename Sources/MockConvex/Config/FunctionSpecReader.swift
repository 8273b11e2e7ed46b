/// Reads one entry of `functions`: its type, visibility, exactly one behaviour (or `cases`, with
/// an optional fallback behaviour, or a `sequence`), logs, delay.
enum FunctionSpecReader {
    static let behaviourKeys = ["insert", "get", "list", "patch", "replace", "delete", "returns", "echo", "throws", "storage", "schedule", "identity"]
    static let otherKeys = ["type", "visibility", "logs", "delayMs", "order", "ownerField", "auth"]
    /// A day: long enough for any test of slowness, short enough to catch a unit mistake.
    static let maxDelayMs = 86_400_000

    static func read(_ value: JSON, at path: JSONPath) throws(ConfigError) -> FunctionSpec {
        let members = try ConfigReader.object(value, at: path)
        try ConfigReader.allowOnly(behaviourKeys + otherKeys + StubReader.keys, in: members, at: path)
        func member(_ key: String) -> JSON? { members.last { $0.key == key }?.value }

        guard let typeValue = member("type") else {
            throw ConfigError(path, "missing \"type\": one of query, mutation, action")
        }
        let typeName = try ConfigReader.string(typeValue, at: path.key("type"))
        guard let kind = FunctionSpec.Kind(rawValue: typeName) else {
            throw ConfigError(path.key("type"), "expected one of query, mutation, action, got \"\(typeName)\"")
        }
        var visibility = FunctionSpec.Visibility.public
        if let value = member("visibility") {
            let name = try ConfigReader.string(value, at: path.key("visibility"))
            guard let parsed = FunctionSpec.Visibility(rawValue: name) else {
                throw ConfigError(path.key("visibility"), "expected public or internal, got \"\(name)\"")
            }
            visibility = parsed
        }

        let given = members.map(\.key).filter(behaviourKeys.contains)
        let stubRule = try StubReader.rule(in: members, otherBehaviours: given, at: path)
        let behaviour: FunctionSpec.Behaviour
        if let stubRule, given.isEmpty {
            if member("order") != nil { throw ConfigError(path.key("order"), "\"order\" only applies to \"list\"") }
            behaviour = .stubs(FunctionStubs(rule: stubRule, fallback: nil))
        } else {
            guard given.count == 1, let key = given.first, let behaviourValue = member(key) else {
                throw ConfigError(path, given.isEmpty
                    ? "missing a behaviour: one of \(behaviourKeys.joined(separator: ", "))"
                    : "has several behaviours (\(given.joined(separator: ", "))); give exactly one")
            }
            let declared = try readBehaviour(key, behaviourValue, order: member("order"), at: path)
            try check(declared, of: kind, at: path.key(key))
            // With cases, the function's own behaviour answers the calls no case matches.
            behaviour = stubRule.map { .stubs(FunctionStubs(rule: $0, fallback: declared)) } ?? declared
        }

        var logs: [FunctionSpec.LogEntry] = []
        if let value = member("logs") {
            for (index, entry) in try ConfigReader.array(value, at: path.key("logs")).enumerated() {
                logs.append(try readLog(entry, at: path.key("logs").index(index)))
            }
        }
        var delayMs = 0
        if let value = member("delayMs") {
            delayMs = try ConfigReader.integer(value, at: path.key("delayMs"), in: 0...maxDelayMs)
        }
        var ownerField: String?
        if let value = member("ownerField") {
            let name = try ConfigReader.string(value, at: path.key("ownerField"))
            guard let table = behaviour.table, !FunctionSpec.readableSystemTables.contains(table) else {
                throw ConfigError(path.key("ownerField"), "\"ownerField\" applies to insert, get, list, patch, replace and delete on a user table")
            }
            do {
                try IdentifierRules.check(name)
            } catch {
                throw ConfigError(path.key("ownerField"), "not a field name: \(error.reason)")
            }
            ownerField = name
        }
        var requiresAuth = false
        if let value = member("auth") {
            guard value == .string("required") else {
                throw ConfigError(path.key("auth"), "expected \"required\", got \(ConfigReader.describe(value))")
            }
            requiresAuth = true
        }
        return FunctionSpec(kind: kind, visibility: visibility, behaviour: behaviour, logs: logs, delayMs: delayMs,
                            ownerField: ownerField, requiresAuth: requiresAuth)
    }

    /// Also reads the answers of `cases` and `sequence` entries (StubReader).
    static func readBehaviour(_ key: String, _ value: JSON, order: JSON?, at path: JSONPath) throws(ConfigError) -> FunctionSpec.Behaviour {
        if order != nil && key != "list" {
            throw ConfigError(path.key("order"), "\"order\" only applies to \"list\"")
        }
        func table() throws(ConfigError) -> String {
            let name = try ConfigReader.string(value, at: path.key(key))
            // The storage table can be read like a user table.
            if FunctionSpec.readableSystemTables.contains(name) && (key == "get" || key == "list") { return name }
            try ConfigReader.checkTableName(name, at: path.key(key))
            return name
        }
        switch key {
        case "insert": return .insert(table: try table())
        case "get": return .get(table: try table())
        case "list":
            let direction = try ConfigReader.choice(order, at: path.key("order"), default: FunctionSpec.Order.asc, expected: "asc or desc")
            return .list(table: try table(), order: direction)
        case "patch": return .patch(table: try table())
        case "replace": return .replace(table: try table())
        case "delete": return .delete(table: try table())
        case "returns": return .returns(try ConfigReader.convexValue(value, at: path.key(key)))
        case "storage":
            let name = try ConfigReader.string(value, at: path.key(key))
            guard let call = FunctionSpec.StorageCall(rawValue: name) else {
                throw ConfigError(path.key(key), "expected one of \(FunctionSpec.StorageCall.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(name)\"")
            }
            return .storage(call)
        case "schedule":
            return try readSchedule(value, at: path.key(key))
        case "echo":
            guard value == .bool(true) else { throw ConfigError(path.key(key), "expected true, got \(ConfigReader.describe(value))") }
            return .echo
        case "identity":
            guard value == .bool(true) else { throw ConfigError(path.key(key), "expected true, got \(ConfigReader.describe(value))") }
            return .identity
        default:
            return try readThrows(value, at: path.key(key))
        }
    }

    private static func readThrows(_ value: JSON, at path: JSONPath) throws(ConfigError) -> FunctionSpec.Behaviour {
        if case .string(let message) = value { return .throwsError(message: message, data: nil) }
        let members = try ConfigReader.object(value, at: path)
        try ConfigReader.allowOnly(["message", "data"], in: members, at: path)
        let message = try members.last { $0.key == "message" }.map { (member) throws(ConfigError) in
            try ConfigReader.string(member.value, at: path.key("message"))
        }
        let data = try members.last { $0.key == "data" }.map { (member) throws(ConfigError) in
            try ConfigReader.convexValue(member.value, at: path.key("data"))
        }
        guard message != nil || data != nil else {
            throw ConfigError(path, "give a \"message\", \"data\" (for a ConvexError), or both")
        }
        return .throwsError(message: message, data: data)
    }

    /// `{"function": "module:fn", "delayMs": 1000}`.
    private static func readSchedule(_ value: JSON, at path: JSONPath) throws(ConfigError) -> FunctionSpec.Behaviour {
        let members = try ConfigReader.object(value, at: path)
        try ConfigReader.allowOnly(["function", "delayMs"], in: members, at: path)
        guard let target = members.last(where: { $0.key == "function" })?.value else {
            throw ConfigError(path, "missing \"function\": the path of the function to schedule")
        }
        let name = try ConfigReader.string(target, at: path.key("function"))
        let functionPath: FunctionPath
        do {
            functionPath = try FunctionPath(parsing: name)
        } catch {
            throw ConfigError(path.key("function"), "not a function path: \(error.reason)")
        }
        var delayMs = 0
        if let delay = members.last(where: { $0.key == "delayMs" })?.value {
            delayMs = try ConfigReader.integer(delay, at: path.key("delayMs"), in: 0...maxDelayMs)
        }
        return .schedule(path: functionPath, delayMs: delayMs)
    }

    /// Queries read, mutations read and write, actions do neither: they have no `ctx.db`.
    /// Storage calls go where `ctx.storage` offers them.
    private static func check(_ behaviour: FunctionSpec.Behaviour, of kind: FunctionSpec.Kind, at path: JSONPath) throws(ConfigError) {
        if case .schedule = behaviour, kind == .query {
            throw ConfigError(path, "a query cannot schedule functions; declare this function as a mutation or action")
        }
        if case .storage(let call) = behaviour, !call.allowedKinds.contains(kind) {
            throw ConfigError(path, "storage.\(call.rawValue) is available in \(call.allowedKinds.map(\.rawValue).joined(separator: " and ")) functions, not in a \(kind.rawValue)")
        }
        guard behaviour.table != nil else { return }
        switch kind {
        case .action:
            throw ConfigError(path, "an action has no database access; declare a query or mutation for this and call it")
        case .query where behaviour.writes:
            throw ConfigError(path, "a query cannot write; declare this function as a mutation")
        default:
            return
        }
    }

    private static func readLog(_ value: JSON, at path: JSONPath) throws(ConfigError) -> FunctionSpec.LogEntry {
        if case .string(let message) = value { return FunctionSpec.LogEntry(level: .LOG, message: message) }
        let members = try ConfigReader.object(value, at: path)
        try ConfigReader.allowOnly(["level", "message"], in: members, at: path)
        guard let messageValue = members.last(where: { $0.key == "message" })?.value else {
            throw ConfigError(path, "missing \"message\"")
        }
        let message = try ConfigReader.string(messageValue, at: path.key("message"))
        var level = LogLevel.LOG
        if let levelValue = members.last(where: { $0.key == "level" })?.value {
            let name = try ConfigReader.string(levelValue, at: path.key("level"))
            guard let parsed = LogLevel(rawValue: name.uppercased()) else {
                throw ConfigError(path.key("level"), "expected one of log, info, warn, error, debug, got \"\(name)\"")
            }
            level = parsed
        }
        return FunctionSpec.LogEntry(level: level, message: message)
    }
}
