import EventHTTP

/// Turns a parsed config document into a `DeploymentConfig`, checking every rule on the way.
enum ConfigReader {
    static func read(_ document: JSON, baseDirectory: String) throws(ConfigError) -> DeploymentConfig {
        let root = try object(document, at: .root)
        try allowOnly(["functions", "httpRoutes", "documents", "files", "debugRoutes", "faults", "auth"], in: root, at: .root)
        var config = DeploymentConfig()
        if let functions = root.value("functions") {
            let path = JSONPath.root.key("functions")
            for (name, value) in try object(functions, at: path) {
                let (functionPath, spec) = try function(name, value, at: path.key(name))
                if config.functions[functionPath] != nil {
                    throw ConfigError(path.key(name), "declares \(functionPath.stripped) a second time")
                }
                config.setFunction(functionPath, spec, source: value)
            }
        }
        for path in config.functionPaths {
            try checkScheduleTarget(config.functions[path]!, at: JSONPath.root.key("functions").key(path.stripped)) {
                config.functions[$0] != nil
            }
        }
        if let routes = root.value("httpRoutes") {
            config.httpRoutes = try httpRoutes(routes, at: JSONPath.root.key("httpRoutes"))
            config.httpRouteSources = try array(routes, at: JSONPath.root.key("httpRoutes"))
        }
        if let documents = root.value("documents") {
            let path = JSONPath.root.key("documents")
            for (table, value) in try object(documents, at: path) {
                try checkTableName(table, at: path.key(table))
                var seeds: [ConvexObject] = []
                for (index, seed) in try array(value, at: path.key(table)).enumerated() {
                    seeds.append(try documentFields(seed, at: path.key(table).index(index)))
                }
                config.documents.append((table: table, documents: seeds))
            }
        }
        if let faults = root.value("faults") {
            let path = JSONPath.root.key("faults")
            for (index, value) in try array(faults, at: path).enumerated() {
                _ = try FaultRule.read(value, at: path.index(index), randomSeed: 0)
                config.faults.append(value)
            }
        }
        if let auth = root.value("auth") {
            config.authProviders = try AuthConfigReader.read(auth, at: JSONPath.root.key("auth"))
        }
        if let debug = root.value("debugRoutes") {
            guard case .bool(let enabled) = debug else {
                throw ConfigError(JSONPath.root.key("debugRoutes"), "expected true or false, got \(describe(debug))")
            }
            config.debugRoutes = enabled
        }
        if let files = root.value("files") {
            let path = JSONPath.root.key("files")
            for (index, value) in try array(files, at: path).enumerated() {
                config.files.append(try seedFile(value, at: path.index(index), baseDirectory: baseDirectory))
            }
        }
        return config
    }

    /// `{"path": "fixtures/hello.txt", "contentType": "text/plain"}`.
    /// One function declaration: its path (not reserved) and its spec.
    static func function(_ name: String, _ value: JSON, at path: JSONPath) throws(ConfigError) -> (FunctionPath, FunctionSpec) {
        let functionPath: FunctionPath
        do {
            functionPath = try FunctionPath(parsing: name)
        } catch {
            throw ConfigError(path, "not a function path: \(error.reason)")
        }
        if BuiltInFunctions.isReserved(functionPath) {
            throw ConfigError(path, "the \(BuiltInFunctions.module) module is reserved for mockconvex's built-in functions")
        }
        return (functionPath, try FunctionSpecReader.read(value, at: path))
    }

    /// A function that schedules another needs that one to exist (declared, or built in).
    static func checkScheduleTarget(_ spec: FunctionSpec, at path: JSONPath, isDeclared: (FunctionPath) -> Bool) throws(ConfigError) {
        if case .schedule(let target, _) = spec.behaviour.unstubbed, !isDeclared(target), !BuiltInFunctions.paths.contains(target) {
            throw ConfigError(path.key("schedule").key("function"), "no function \(target.stripped) is declared")
        }
    }

    /// A list of HTTP routes, no two for the same method and path.
    static func httpRoutes(_ value: JSON, at path: JSONPath) throws(ConfigError) -> [HTTPRouteSpec] {
        var routes: [HTTPRouteSpec] = []
        for (index, value) in try array(value, at: path).enumerated() {
            let route = try HTTPRouteReader.read(value, at: path.index(index))
            if routes.contains(where: { $0.method == route.method && $0.match == route.match }) {
                throw ConfigError(path.index(index), "a route for \(route.method.rawValue) \(route.match) is already declared")
            }
            routes.append(route)
        }
        return routes
    }

    private static func seedFile(_ value: JSON, at path: JSONPath, baseDirectory: String) throws(ConfigError) -> DeploymentConfig.SeedFileSpec {
        let members = try object(value, at: path)
        try allowOnly(["path", "contentType"], in: members, at: path)
        guard let pathValue = members.value("path") else { throw ConfigError(path, "missing \"path\" (relative to the config file)") }
        let file = try string(pathValue, at: path.key("path"))
        guard !file.isEmpty else { throw ConfigError(path.key("path"), "must name a file") }
        var contentType: String?
        if let typeValue = members.value("contentType") {
            let text = try string(typeValue, at: path.key("contentType"))
            guard let parsed = MediaType(parsing: text) else {
                throw ConfigError(path.key("contentType"), "\"\(text)\" is not a media type such as text/plain")
            }
            contentType = parsed.normalized
        }
        let resolved = file.hasPrefix("/") ? file : "\(baseDirectory)/\(file)"
        return DeploymentConfig.SeedFileSpec(path: resolved, contentType: contentType, configPath: path.key("path"))
    }

    // MARK: Shared rules

    static func object(_ value: JSON, at path: JSONPath) throws(ConfigError) -> [(key: String, value: JSON)] {
        guard let members = value.objectMembers else { throw ConfigError(path, "expected an object, got \(value.kindName)") }
        return members
    }

    static func array(_ value: JSON, at path: JSONPath) throws(ConfigError) -> [JSON] {
        guard case .array(let items) = value else { throw ConfigError(path, "expected an array, got \(value.kindName)") }
        return items
    }

    static func string(_ value: JSON, at path: JSONPath) throws(ConfigError) -> String {
        guard case .string(let text) = value else { throw ConfigError(path, "expected a string, got \(value.kindName)") }
        return text
    }

    /// One of a fixed set of names, or `fallback` when absent; `expected` says what each means.
    static func choice<Choice: RawRepresentable>(_ value: JSON?, at path: JSONPath, default fallback: Choice,
                                                 expected: String) throws(ConfigError) -> Choice where Choice.RawValue == String {
        guard let value else { return fallback }
        let name = try string(value, at: path)
        guard let parsed = Choice(rawValue: name) else { throw ConfigError(path, "expected \(expected), got \"\(name)\"") }
        return parsed
    }

    static func integer(_ value: JSON, at path: JSONPath, in range: ClosedRange<Int>) throws(ConfigError) -> Int {
        guard case .number(let number) = value, number.rounded() == number, let integer = Int(exactly: number), range.contains(integer) else {
            throw ConfigError(path, "expected an integer from \(range.lowerBound) to \(range.upperBound), got \(describe(value))")
        }
        return integer
    }

    /// The status of an answer the user declares. 1xx statuses are interim: a client that gets
    /// one goes on waiting for the final answer, which would never come.
    static func finalStatus(_ value: JSON, at path: JSONPath) throws(ConfigError) -> Int {
        if case .number(let number) = value, number.rounded() == number, number >= 100, number < 200 {
            throw ConfigError(path, "\(describe(value)) is an interim (1xx) status, after which a client waits for a final answer that never comes; give a final status from 200 to 599")
        }
        return try integer(value, at: path, in: 200...599)
    }

    static func allowOnly(_ keys: [String], in members: [(key: String, value: JSON)], at path: JSONPath) throws(ConfigError) {
        if let unknown = members.first(where: { !keys.contains($0.key) }) {
            throw ConfigError(path.key(unknown.key), "unknown key; expected one of \(keys.joined(separator: ", "))")
        }
    }

    static func describe(_ value: JSON) -> String {
        switch value {
        case .number(let number): "\(NumberText.javaScript(number))"
        case .string(let text): "\"\(text)\""
        case .bool(let flag): "\(flag)"
        default: value.kindName
        }
    }

    /// User tables are identifiers that do not start with `_`, which marks system tables.
    static func checkTableName(_ name: String, at path: JSONPath) throws(ConfigError) {
        if name.hasPrefix("_") {
            throw ConfigError(path, "table names starting with _ are reserved for system tables")
        }
        do {
            try IdentifierRules.check(name)
        } catch {
            throw ConfigError(path, "\"\(name)\" is not a valid table name: \(error.reason)")
        }
    }

    /// A seed document: a Convex value (in convex_encoded_json) that is an object without
    /// system fields.
    static func documentFields(_ value: JSON, at path: JSONPath) throws(ConfigError) -> ConvexObject {
        guard case .object(let fields) = try convexValue(value, at: path) else {
            throw ConfigError(path, "a document must be an object, got \(value.kindName)")
        }
        if let systemField = fields.names.first(where: { $0.hasPrefix("_") }) {
            throw ConfigError(path.key(systemField), "Field '\(systemField)' starts with an underscore, which is only allowed for system fields like '_id'")
        }
        return fields
    }

    static func convexValue(_ value: JSON, at path: JSONPath) throws(ConfigError) -> ConvexValue {
        do {
            return try ConvexValue.importing(value)
        } catch {
            throw ConfigError(path, "not a Convex value: \(error.message)")
        }
    }
}

extension Array where Element == (key: String, value: JSON) {
    /// The last value of `key`, as JSON objects keep the last duplicate.
    func value(_ key: String) -> JSON? { last { $0.key == key }?.value }
}

extension HTTPRouteSpec.Match: CustomStringConvertible {
    var description: String {
        switch self {
        case .exact(let path): path
        case .prefix(let prefix): prefix + "*"
        }
    }
}
