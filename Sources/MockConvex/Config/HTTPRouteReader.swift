import EventHTTP

/// Reads one entry of `httpRoutes`.
enum HTTPRouteReader {
    static func read(_ value: JSON, at path: JSONPath) throws(ConfigError) -> HTTPRouteSpec {
        let members = try ConfigReader.object(value, at: path)
        try ConfigReader.allowOnly(["method", "path", "pathPrefix", "status", "headers", "body", "throws", "identity"], in: members, at: path)
        func member(_ key: String) -> JSON? { members.last { $0.key == key }?.value }

        guard let methodValue = member("method") else { throw ConfigError(path, "missing \"method\"") }
        let methodName = try ConfigReader.string(methodValue, at: path.key("method"))
        guard let method = HTTPMethod(rawValue: methodName.uppercased()), HTTPRouteSpec.methods.contains(method) else {
            throw ConfigError(path.key("method"), "expected one of \(HTTPRouteSpec.methods.map(\.rawValue).joined(separator: ", ")), got \"\(methodName)\" (HEAD is answered by GET routes)")
        }

        let match: HTTPRouteSpec.Match
        switch (member("path"), member("pathPrefix")) {
        case (let exact?, nil):
            let text = try ConfigReader.string(exact, at: path.key("path"))
            guard text.hasPrefix("/") else { throw ConfigError(path.key("path"), "must start with /") }
            match = .exact(text)
        case (nil, let prefix?):
            let text = try ConfigReader.string(prefix, at: path.key("pathPrefix"))
            guard text.hasPrefix("/"), text.hasSuffix("/") else {
                throw ConfigError(path.key("pathPrefix"), "must start and end with / (as the Convex router requires)")
            }
            match = .prefix(text)
        case (nil, nil):
            throw ConfigError(path, "give \"path\" (exact) or \"pathPrefix\"")
        case (_?, _?):
            throw ConfigError(path, "give either \"path\" or \"pathPrefix\", not both")
        }

        var route = HTTPRouteSpec(method: method, match: match)
        if let status = member("status") {
            route.status = try ConfigReader.finalStatus(status, at: path.key("status"))
        }
        if let headers = member("headers") {
            for (name, value) in try ConfigReader.object(headers, at: path.key("headers")) {
                let text = try ConfigReader.string(value, at: path.key("headers").key(name))
                try ResponseHeaderRules.check(name: name, value: text, at: path.key("headers").key(name))
                // A JavaScript `Headers` object keeps names in lowercase, and so they go out.
                route.headers.add(name.lowercased(), text)
            }
        }
        switch member("body") {
        case nil: break
        case .string(let text)?: route.body = Array(text.utf8)
        case let json?:
            // A structured body is sent as `Response.json(...)` would send it.
            route.body = Array(JavaScriptJSON.stringify(json).utf8)
            if !route.headers.contains("content-type") { route.headers.add("content-type", "application/json") }
        }
        if let message = member("throws") {
            guard member("status") == nil, member("headers") == nil, member("body") == nil else {
                throw ConfigError(path.key("throws"), "a route that throws has no status, headers or body")
            }
            route.throwsMessage = try ConfigReader.string(message, at: path.key("throws"))
        }
        if let identity = member("identity") {
            guard identity == .bool(true) else { throw ConfigError(path.key("identity"), "expected true, got \(ConfigReader.describe(identity))") }
            guard member("body") == nil, member("throws") == nil else {
                throw ConfigError(path.key("identity"), "a route that answers the identity has no body and does not throw")
            }
            route.answersIdentity = true
            if !route.headers.contains("content-type") { route.headers.add("content-type", "application/json") }
        }
        return route
    }
}
