import EventHTTP
import FoundationEssentials
@testable import MockConvex
import Testing

/// The `--config` file: the example parses, and every rule refuses with the JSON path of the
/// offending part and a message that says what is wrong.
@Suite(.timeLimit(.minutes(1))) struct ConfigFileTests {
    static let exampleURL = URL(filePath: #filePath).deletingLastPathComponent().appending(path: "../../config/mockconvex.json")

    @Test func theExampleConfigParses() throws {
        let bytes = try Array(Data(contentsOf: Self.exampleURL))
        let config = try DeploymentConfig.parse(bytes)
        #expect(config.functionPaths.map(\.description) == [
            "messages:send", "messages:list", "messages:get", "messages:edit", "messages:swap", "messages:remove",
            "app:version", "app:echo", "app:fail", "app:secret", "me:who",
        ])
        #expect(config.functions[FunctionPath(module: "app.js", function: "echo")] == FunctionSpec(kind: .action, behaviour: .echo, delayMs: 50))
        #expect(config.functions[FunctionPath(module: "app.js", function: "secret")] == FunctionSpec(kind: .query, visibility: .internal, behaviour: .returns(.string("s3cret"))))
        #expect(config.functions[FunctionPath(module: "app.js", function: "version")]?.logs == [FunctionSpec.LogEntry(level: .LOG, message: "serving version")])
        #expect(config.httpRoutes == [
            HTTPRouteSpec(method: .GET, match: .exact("/hello"), status: 200, headers: ["content-type": "text/plain"], body: Array("Hello world!".utf8)),
            HTTPRouteSpec(method: .POST, match: .prefix("/webhooks/"), status: 204),
        ])
        #expect(config.tables == ["messages"])
        #expect(config.documents.map(\.table) == ["messages"])
        #expect(config.documents.first?.documents == [ConvexObject([("author", .string("ada")), ("body", .string("seeded"))])])
    }

    @Test func theExampleConfigServes() throws {
        let text = try String(decoding: Data(contentsOf: Self.exampleURL), as: UTF8.self)
        let mock = try InProcess(config: text)
        #expect(try mock.post("/api/query", #"{"path":"app:version","args":{}}"#).bodyText == #"{"status":"success","value":"1.2.3","logLines":["[LOG] 'serving version'"]}"#)
        #expect(try mock.site(.GET, "/hello").bodyText == "Hello world!")
        #expect(mock.deployment.withStore { $0.count("messages") } == 1)
    }

    @Test func anEmptyConfigIsAnEmptyApp() throws {
        let config = try DeploymentConfig.parse(Array("{}".utf8))
        #expect(config.functions.isEmpty)
        #expect(config.httpRoutes.isEmpty)
        #expect(config.tables.isEmpty)
    }

    @Test func readsEveryOptionalPart() throws {
        let config = try DeploymentConfig.parse(Array("""
            {"functions": {
              "a:list": {"type": "query", "visibility": "public", "list": "t", "order": "desc", "delayMs": 0},
              "a:fail": {"type": "action", "throws": {"message": "m", "data": {"$integer": "AQAAAAAAAAA="}}, "logs": [{"level": "WARN", "message": "w"}, "plain"]}
             },
             "httpRoutes": [{"method": "delete", "pathPrefix": "/x/", "status": 599, "headers": {"X-A": "1"}, "body": [1, "two"]},
                            {"method": "GET", "path": "/t", "throws": "no"}]}
            """.utf8))
        #expect(config.functions[FunctionPath(module: "a.js", function: "list")] == FunctionSpec(kind: .query, behaviour: .list(table: "t", order: .desc)))
        #expect(config.functions[FunctionPath(module: "a.js", function: "fail")] == FunctionSpec(
            kind: .action, behaviour: .throwsError(message: "m", data: .int64(1)),
            logs: [FunctionSpec.LogEntry(level: .WARN, message: "w"), FunctionSpec.LogEntry(level: .LOG, message: "plain")]))
        #expect(config.httpRoutes == [
            HTTPRouteSpec(method: .DELETE, match: .prefix("/x/"), status: 599, headers: ["x-a": "1", "content-type": "application/json"], body: Array(#"[1,"two"]"#.utf8)),
            HTTPRouteSpec(method: .GET, match: .exact("/t"), throwsMessage: "no"),
        ])
    }

    @Test(arguments: [
        // The document itself
        ("{", "$", "not valid JSON: EOF while parsing an object at line 1 column 1"),
        ("[]", "$", "expected an object, got an array"),
        (#"{"function": {}}"#, "$.function", "unknown key; expected one of functions, httpRoutes, documents, files, debugRoutes, faults, auth"),
        (#"{"functions": []}"#, "$.functions", "expected an object, got an array"),
        (#"{"httpRoutes": {}}"#, "$.httpRoutes", "expected an array, got an object"),
        (#"{"documents": []}"#, "$.documents", "expected an object, got an array"),
        // Function names
        (#"{"functions": {"a-b:c": {"type": "query", "returns": 1}}}"#, #"$.functions["a-b:c"]"#, "not a function path: Path component a-b.js can only contain alphanumeric characters, underscores, or periods."),
        (#"{"functions": {"a:": {"type": "query", "returns": 1}}}"#, #"$.functions["a:"]"#, "not a function path: Identifier cannot be empty"),
        (#"{"functions": {"a:b": {"type": "query", "returns": 1}, "a.js:b": {"type": "query", "returns": 2}}}"#, #"$.functions["a.js:b"]"#, "declares a:b a second time"),
        (#"{"functions": {"a": {"type": "query", "returns": 1}, "a:default": {"type": "query", "returns": 2}}}"#, #"$.functions["a:default"]"#, "declares a a second time"),
        // Function entries
        (#"{"functions": {"a:b": "query"}}"#, #"$.functions["a:b"]"#, "expected an object, got a string"),
        (#"{"functions": {"a:b": {"type": "query", "returns": 1, "args": {}}}}"#, #"$.functions["a:b"].args"#, "unknown key; expected one of insert, get, list, patch, replace, delete, returns, echo, throws, storage, schedule, identity, type, visibility, logs, delayMs, order, ownerField, auth, cases, sequence, afterLast"),
        (#"{"functions": {"a:b": {"returns": 1}}}"#, #"$.functions["a:b"]"#, #"missing "type": one of query, mutation, action"#),
        (#"{"functions": {"a:b": {"type": 1, "returns": 1}}}"#, #"$.functions["a:b"].type"#, "expected a string, got a number"),
        (#"{"functions": {"a:b": {"type": "httpAction", "returns": 1}}}"#, #"$.functions["a:b"].type"#, #"expected one of query, mutation, action, got "httpAction""#),
        (#"{"functions": {"a:b": {"type": "Query", "returns": 1}}}"#, #"$.functions["a:b"].type"#, #"expected one of query, mutation, action, got "Query""#),
        (#"{"functions": {"a:b": {"type": "query", "visibility": "private", "returns": 1}}}"#, #"$.functions["a:b"].visibility"#, #"expected public or internal, got "private""#),
        (#"{"functions": {"a:b": {"type": "query"}}}"#, #"$.functions["a:b"]"#, "missing a behaviour: one of insert, get, list, patch, replace, delete, returns, echo, throws, storage, schedule, identity"),
        (#"{"functions": {"a:b": {"type": "mutation", "insert": "t", "returns": 1}}}"#, #"$.functions["a:b"]"#, "has several behaviours (insert, returns); give exactly one"),
        (#"{"functions": {"a:b": {"type": "query", "get": "t", "order": "asc"}}}"#, #"$.functions["a:b"].order"#, #""order" only applies to "list""#),
        (#"{"functions": {"a:b": {"type": "query", "list": "t", "order": "newest"}}}"#, #"$.functions["a:b"].order"#, #"expected asc or desc, got "newest""#),
        // Database access by function type
        (#"{"functions": {"a:b": {"type": "query", "insert": "t"}}}"#, #"$.functions["a:b"].insert"#, "a query cannot write; declare this function as a mutation"),
        (#"{"functions": {"a:b": {"type": "query", "patch": "t"}}}"#, #"$.functions["a:b"].patch"#, "a query cannot write; declare this function as a mutation"),
        (#"{"functions": {"a:b": {"type": "query", "replace": "t"}}}"#, #"$.functions["a:b"].replace"#, "a query cannot write; declare this function as a mutation"),
        (#"{"functions": {"a:b": {"type": "query", "delete": "t"}}}"#, #"$.functions["a:b"].delete"#, "a query cannot write; declare this function as a mutation"),
        (#"{"functions": {"a:b": {"type": "action", "get": "t"}}}"#, #"$.functions["a:b"].get"#, "an action has no database access; declare a query or mutation for this and call it"),
        (#"{"functions": {"a:b": {"type": "action", "list": "t"}}}"#, #"$.functions["a:b"].list"#, "an action has no database access; declare a query or mutation for this and call it"),
        (#"{"functions": {"a:b": {"type": "action", "insert": "t"}}}"#, #"$.functions["a:b"].insert"#, "an action has no database access; declare a query or mutation for this and call it"),
        // Table names
        (#"{"functions": {"a:b": {"type": "mutation", "insert": "_storage"}}}"#, #"$.functions["a:b"].insert"#, "table names starting with _ are reserved for system tables"),
        (#"{"functions": {"a:b": {"type": "query", "get": "1t"}}}"#, #"$.functions["a:b"].get"#, #""1t" is not a valid table name: Invalid first character '1' in 1t: Identifiers must start with an alphabetic character or underscore"#),
        (#"{"functions": {"a:b": {"type": "query", "list": "my-table"}}}"#, #"$.functions["a:b"].list"#, #""my-table" is not a valid table name: Identifier my-table has invalid character '-': Identifiers can only contain alphanumeric characters or underscores"#),
        (#"{"functions": {"a:b": {"type": "query", "list": ""}}}"#, #"$.functions["a:b"].list"#, #""" is not a valid table name: Identifier cannot be empty"#),
        (#"{"functions": {"a:b": {"type": "query", "list": 5}}}"#, #"$.functions["a:b"].list"#, "expected a string, got a number"),
        // Values
        (#"{"functions": {"a:b": {"type": "query", "returns": {"$x": 1}}}}"#, #"$.functions["a:b"].returns"#, "not a Convex value: Field name $x starts with '$', which is reserved."),
        (#"{"functions": {"a:b": {"type": "query", "returns": {"$integer": "abc"}}}}"#, #"$.functions["a:b"].returns"#, "not a Convex value: Int64 must be exactly eight bytes"),
        (#"{"functions": {"a:b": {"type": "query", "echo": false}}}"#, #"$.functions["a:b"].echo"#, "expected true, got false"),
        (#"{"functions": {"a:b": {"type": "query", "echo": 1}}}"#, #"$.functions["a:b"].echo"#, "expected true, got 1"),
        (#"{"functions": {"a:b": {"type": "query", "throws": 5}}}"#, #"$.functions["a:b"].throws"#, "expected an object, got a number"),
        (#"{"functions": {"a:b": {"type": "query", "throws": {}}}}"#, #"$.functions["a:b"].throws"#, #"give a "message", "data" (for a ConvexError), or both"#),
        (#"{"functions": {"a:b": {"type": "query", "throws": {"msg": "x"}}}}"#, #"$.functions["a:b"].throws.msg"#, "unknown key; expected one of message, data"),
        (#"{"functions": {"a:b": {"type": "query", "throws": {"message": 1}}}}"#, #"$.functions["a:b"].throws.message"#, "expected a string, got a number"),
        (#"{"functions": {"a:b": {"type": "query", "throws": {"data": {"$bytes": "!"}}}}}"#, #"$.functions["a:b"].throws.data"#, "not a Convex value: Invalid byte 33, offset 0."),
        // Logs and delays
        (#"{"functions": {"a:b": {"type": "query", "returns": 1, "logs": "x"}}}"#, #"$.functions["a:b"].logs"#, "expected an array, got a string"),
        (#"{"functions": {"a:b": {"type": "query", "returns": 1, "logs": [1]}}}"#, #"$.functions["a:b"].logs[0]"#, "expected an object, got a number"),
        (#"{"functions": {"a:b": {"type": "query", "returns": 1, "logs": ["ok", {"level": "log"}]}}}"#, #"$.functions["a:b"].logs[1]"#, #"missing "message""#),
        (#"{"functions": {"a:b": {"type": "query", "returns": 1, "logs": [{"message": "m", "level": "trace"}]}}}"#, #"$.functions["a:b"].logs[0].level"#, #"expected one of log, info, warn, error, debug, got "trace""#),
        (#"{"functions": {"a:b": {"type": "query", "returns": 1, "logs": [{"message": "m", "when": 1}]}}}"#, #"$.functions["a:b"].logs[0].when"#, "unknown key; expected one of level, message"),
        (#"{"functions": {"a:b": {"type": "query", "returns": 1, "delayMs": -1}}}"#, #"$.functions["a:b"].delayMs"#, "expected an integer from 0 to 86400000, got -1"),
        (#"{"functions": {"a:b": {"type": "query", "returns": 1, "delayMs": 1.5}}}"#, #"$.functions["a:b"].delayMs"#, "expected an integer from 0 to 86400000, got 1.5"),
        (#"{"functions": {"a:b": {"type": "query", "returns": 1, "delayMs": "10"}}}"#, #"$.functions["a:b"].delayMs"#, #"expected an integer from 0 to 86400000, got "10""#),
        (#"{"functions": {"a:b": {"type": "query", "returns": 1, "delayMs": 86400001}}}"#, #"$.functions["a:b"].delayMs"#, "expected an integer from 0 to 86400000, got 86400001"),
        (#"{"functions": {"a:b": {"type": "query", "returns": 1, "delayMs": 1e300}}}"#, #"$.functions["a:b"].delayMs"#, "expected an integer from 0 to 86400000, got 1e+300"),
        // HTTP routes
        (#"{"httpRoutes": [5]}"#, "$.httpRoutes[0]", "expected an object, got a number"),
        (#"{"httpRoutes": [{"path": "/a"}]}"#, "$.httpRoutes[0]", #"missing "method""#),
        (#"{"httpRoutes": [{"method": "HEAD", "path": "/a"}]}"#, "$.httpRoutes[0].method", #"expected one of GET, POST, PUT, DELETE, OPTIONS, PATCH, got "HEAD" (HEAD is answered by GET routes)"#),
        (#"{"httpRoutes": [{"method": "TRACE", "path": "/a"}]}"#, "$.httpRoutes[0].method", #"expected one of GET, POST, PUT, DELETE, OPTIONS, PATCH, got "TRACE" (HEAD is answered by GET routes)"#),
        (#"{"httpRoutes": [{"method": 1, "path": "/a"}]}"#, "$.httpRoutes[0].method", "expected a string, got a number"),
        (#"{"httpRoutes": [{"method": "GET"}]}"#, "$.httpRoutes[0]", #"give "path" (exact) or "pathPrefix""#),
        (#"{"httpRoutes": [{"method": "GET", "path": "/a", "pathPrefix": "/a/"}]}"#, "$.httpRoutes[0]", #"give either "path" or "pathPrefix", not both"#),
        (#"{"httpRoutes": [{"method": "GET", "path": "a"}]}"#, "$.httpRoutes[0].path", "must start with /"),
        (#"{"httpRoutes": [{"method": "GET", "pathPrefix": "/a"}]}"#, "$.httpRoutes[0].pathPrefix", "must start and end with / (as the Convex router requires)"),
        (#"{"httpRoutes": [{"method": "GET", "pathPrefix": "a/"}]}"#, "$.httpRoutes[0].pathPrefix", "must start and end with / (as the Convex router requires)"),
        (#"{"httpRoutes": [{"method": "GET", "path": "/a", "status": 99}]}"#, "$.httpRoutes[0].status", "expected an integer from 200 to 599, got 99"),
        (#"{"httpRoutes": [{"method": "GET", "path": "/a", "status": 600}]}"#, "$.httpRoutes[0].status", "expected an integer from 200 to 599, got 600"),
        (#"{"httpRoutes": [{"method": "GET", "path": "/a", "status": "200"}]}"#, "$.httpRoutes[0].status", #"expected an integer from 200 to 599, got "200""#),
        (#"{"httpRoutes": [{"method": "GET", "path": "/a", "headers": []}]}"#, "$.httpRoutes[0].headers", "expected an object, got an array"),
        (#"{"httpRoutes": [{"method": "GET", "path": "/a", "headers": {"X-A": 1}}]}"#, "$.httpRoutes[0].headers[\"X-A\"]", "expected a string, got a number"),
        (#"{"httpRoutes": [{"method": "GET", "path": "/a", "headers": {"bad name": "x"}}]}"#, #"$.httpRoutes[0].headers["bad name"]"#, #""bad name" is not a header name: it has a space (0x20) at byte 3; names are RFC 9110 tokens, made of letters, digits and !#$%&'*+-.^_`|~"#),
        (#"{"httpRoutes": [{"method": "GET", "path": "/a", "headers": {"": "x"}}]}"#, #"$.httpRoutes[0].headers[""]"#, "a header name must not be empty"),
        (#"{"httpRoutes": [{"method": "GET", "path": "/a", "headers": {"x": "a\r\nb: c"}}]}"#, "$.httpRoutes[0].headers.x", "the value has a carriage return (CR, 0x0d) at byte 1; header values are visible ASCII, spaces, tabs and non-ASCII text, on one line"),
        (#"{"httpRoutes": [{"method": "GET", "path": "/a", "throws": "x", "status": 500}]}"#, "$.httpRoutes[0].throws", "a route that throws has no status, headers or body"),
        (#"{"httpRoutes": [{"method": "GET", "path": "/a", "throws": "x", "body": "b"}]}"#, "$.httpRoutes[0].throws", "a route that throws has no status, headers or body"),
        (#"{"httpRoutes": [{"method": "GET", "path": "/a", "throws": 1}]}"#, "$.httpRoutes[0].throws", "expected a string, got a number"),
        (#"{"httpRoutes": [{"method": "GET", "path": "/a", "statusCode": 200}]}"#, "$.httpRoutes[0].statusCode", "unknown key; expected one of method, path, pathPrefix, status, headers, body, throws, identity"),
        (#"{"httpRoutes": [{"method": "GET", "path": "/a"}, {"method": "get", "path": "/a"}]}"#, "$.httpRoutes[1]", "a route for GET /a is already declared"),
        (#"{"httpRoutes": [{"method": "POST", "pathPrefix": "/p/"}, {"method": "POST", "pathPrefix": "/p/", "status": 201}]}"#, "$.httpRoutes[1]", "a route for POST /p/* is already declared"),
        // Seed documents
        (#"{"documents": {"_storage": []}}"#, "$.documents._storage", "table names starting with _ are reserved for system tables"),
        (#"{"documents": {"my table": []}}"#, #"$.documents["my table"]"#, #""my table" is not a valid table name: Identifier my table has invalid character ' ': Identifiers can only contain alphanumeric characters or underscores"#),
        (#"{"documents": {"t": {}}}"#, "$.documents.t", "expected an array, got an object"),
        (#"{"documents": {"t": [1]}}"#, "$.documents.t[0]", "a document must be an object, got a number"),
        (#"{"documents": {"t": [{}, {"$x": 1}]}}"#, "$.documents.t[1]", "not a Convex value: Field name $x starts with '$', which is reserved."),
        (#"{"documents": {"t": [{"n": {"$float": "AAAAAAAA8D8="}}]}}"#, "$.documents.t[0]", "not a Convex value: Float64 1 should be encoded as a number"),
        (#"{"documents": {"t": [{"_id": "x"}]}}"#, "$.documents.t[0]._id", "Field '_id' starts with an underscore, which is only allowed for system fields like '_id'"),
    ])
    func everyRuleRefusesWithItsPathAndMessage(config: String, path: String, message: String) {
        #expect {
            try DeploymentConfig.parse(Array(config.utf8))
        } throws: { error in
            guard let error = error as? ConfigError else { return false }
            return error.path.description == path && error.message == message && error.description == "\(path): \(message)"
        }
    }

    @Test func aRouteMayShareItsPathWithOtherMethodsAndPrefixes() throws {
        let config = try DeploymentConfig.parse(Array(#"{"httpRoutes": [{"method": "GET", "path": "/a/"}, {"method": "POST", "path": "/a/"}, {"method": "GET", "pathPrefix": "/a/"}]}"#.utf8))
        #expect(config.httpRoutes.count == 3)
    }

    @Test func tablesAreEveryTableTheConfigNames() throws {
        let config = try DeploymentConfig.parse(Array("""
            {"functions": {"a:b": {"type": "query", "list": "zeta"}, "a:c": {"type": "mutation", "delete": "Alpha"}, "a:d": {"type": "query", "returns": 1}},
             "documents": {"beta": [], "zeta": [{}]}}
            """.utf8))
        #expect(config.tables == ["Alpha", "beta", "zeta"])
    }
}
