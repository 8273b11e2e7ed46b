import EventHTTP
@testable import MockConvex
import Testing

/// The document behaviours (`insert`, `get`, `list`, `patch`, `replace`, `delete`) through the
/// function API: ids, `_creationTime`, filters and order, seed documents, validator messages
/// and nonexistent documents (notes §12).
@Suite(.timeLimit(.minutes(1))) struct DocumentBehaviourTests {
    static let config = """
        {"functions": {
          "messages:send": {"type": "mutation", "insert": "messages"},
          "messages:list": {"type": "query", "list": "messages"},
          "messages:slowList": {"type": "query", "list": "messages", "delayMs": 40},
          "messages:newest": {"type": "query", "list": "messages", "order": "desc"},
          "messages:get": {"type": "query", "get": "messages"},
          "messages:edit": {"type": "mutation", "patch": "messages"},
          "messages:swap": {"type": "mutation", "replace": "messages"},
          "messages:remove": {"type": "mutation", "delete": "messages"},
          "users:add": {"type": "mutation", "insert": "users"}
        },
        "documents": {"messages": [{"body": "seeded", "author": "ada"}]}}
        """
    static let storageId = "kg27rxfv99gzp01wmph0gvt92d6hnvy6"

    let mock: InProcess

    init() throws {
        mock = try InProcess(config: Self.config)
    }

    private func call(_ route: String, _ path: String, _ args: String, format: String? = nil) throws -> HTTPResponse {
        let formatField = format.map { #","format":"\#($0)""# } ?? ""
        let response = try mock.post("/api/\(route)", #"{"path":"\#(path)","args":\#(args)\#(formatField)}"#, headers: ["Convex-Request-Id": "d1"])
        #expect(response.status == 200)
        return response
    }

    private func value(_ response: HTTPResponse) throws -> JSON {
        #expect(try response.json["status"] == .string("success"), "\(response.bodyText)")
        return try #require(try response.json["value"])
    }

    private func insert(_ fields: String, into route: String = "messages:send") throws -> String {
        try #require(try value(call("mutation", route, fields)).stringValue)
    }

    private func errorMessage(_ response: HTTPResponse) throws -> String {
        try #require(try response.json["errorMessage"]?.stringValue)
    }

    private static func number(_ value: Double) -> String {
        String(decoding: JSONWriter.serialize(.number(value)), as: UTF8.self)
    }

    private var seed: Document {
        get throws { try #require(mock.deployment.withStore { $0.list("messages").first }) }
    }

    // MARK: Ids and creation times

    @Test func insertReturnsAnIdOfTheTable() throws {
        let id = try insert(#"{"body":"hello"}"#)
        let decoded = try DocumentId(decoding: id)
        #expect(decoded.tableNumber == 10001)
        #expect(id.hasPrefix("j57"))
        #expect(id.utf8.count == 32)
        let user = try DocumentId(decoding: insert(#"{"name":"ada"}"#, into: "users:add"))
        #expect(user.tableNumber == 10002)
    }

    @Test func tableNumbersFollowSortedTableNames() throws {
        let mock = try InProcess(config: """
            {"functions": {"z:add": {"type": "mutation", "insert": "zeta"}, "a:add": {"type": "mutation", "insert": "Beta"}},
             "documents": {"alpha": [{}], "Zulu": []}}
            """)
        let numbers = mock.deployment.withStore { store in ["Beta", "Zulu", "alpha", "zeta"].map { store.tableNumbers.number(of: $0) } }
        #expect(numbers == [10001, 10002, 10003, 10004])
        let id = try #require(try mock.post("/api/mutation", #"{"path":"z:add","args":{}}"#).json["value"]?.stringValue)
        #expect(try DocumentId(decoding: id).tableNumber == 10004)
    }

    @Test func creationTimesStrictlyIncrease() throws {
        for index in 0..<50 { _ = try insert(#"{"n":\#(index)}"#) }
        let times = mock.deployment.withStore { $0.list("messages") }.map(\.creationTime)
        #expect(times.count == 51)
        #expect(zip(times, times.dropFirst()).allSatisfy { $0 < $1 })
        let listed = try value(call("query", "messages:list", "{}"))
        guard case .array(let documents) = listed else { Issue.record("not an array"); return }
        #expect(documents.compactMap { $0["_creationTime"] } == times.map(JSON.number))
    }

    @Test func creationTimesAreMillisecondsNow() throws {
        let before = Double(Database.nowNanoseconds()) / 1e6
        _ = try insert("{}")
        let time = try #require(mock.deployment.withStore { $0.list("messages").last?.creationTime })
        #expect(time >= before - 1)
        #expect(time < before + 60_000)
    }

    // MARK: Seeds, get and list

    @Test func seedDocumentsAreThere() throws {
        let seed = try seed
        #expect(seed.id.tableNumber == 10001)
        let response = try call("query", "messages:list", "{}")
        #expect(response.bodyText == #"{"status":"success","value":[{"_creationTime":\#(Self.number(seed.creationTime)),"_id":"\#(seed.id.encoded)","author":"ada","body":"seeded"}]}"#)
    }

    @Test func getReturnsTheDocumentOrNull() throws {
        let seed = try seed
        let found = try call("query", "messages:get", #"{"id":"\#(seed.id.encoded)"}"#)
        #expect(found.bodyText == #"{"status":"success","value":{"_creationTime":\#(Self.number(seed.creationTime)),"_id":"\#(seed.id.encoded)","author":"ada","body":"seeded"}}"#)
        var generator = SystemRandomNumberGenerator()
        let absent = DocumentId.generate(tableNumber: 10001, unixSeconds: 0, using: &generator).encoded
        #expect(try call("query", "messages:get", #"{"id":"\#(absent)"}"#).bodyText == #"{"status":"success","value":null}"#)
    }

    @Test func listFiltersByEqualFieldsOldestFirst() throws {
        let first = try insert(#"{"author":"bob","body":"one"}"#)
        _ = try insert(#"{"author":"eve","body":"two"}"#)
        let third = try insert(#"{"author":"bob","body":"three","n":1}"#)
        let bobs = try value(call("query", "messages:list", #"{"author":"bob"}"#))
        guard case .array(let documents) = bobs else { Issue.record("not an array"); return }
        #expect(documents.map { $0["_id"] } == [.string(first), .string(third)])
        #expect(documents.map { $0["body"] } == [.string("one"), .string("three")])
        let both = try value(call("query", "messages:list", #"{"author":"bob","n":1}"#))
        guard case .array(let narrowed) = both else { Issue.record("not an array"); return }
        #expect(narrowed.map { $0["_id"] } == [.string(third)])
        #expect(try call("query", "messages:list", #"{"author":"nobody"}"#).bodyText == #"{"status":"success","value":[]}"#)
        let byId = try value(call("query", "messages:list", #"{"_id":"\#(first)"}"#))
        guard case .array(let single) = byId else { Issue.record("not an array"); return }
        #expect(single.map { $0["body"] } == [.string("one")])
    }

    @Test func descendingListsNewestFirst() throws {
        _ = try insert(#"{"body":"one"}"#)
        _ = try insert(#"{"body":"two"}"#)
        let newest = try value(call("query", "messages:newest", "{}"))
        guard case .array(let documents) = newest else { Issue.record("not an array"); return }
        #expect(documents.map { $0["body"] } == [.string("two"), .string("one"), .string("seeded")])
    }

    @Test func aSlowQueryReadsTheStoreAsItWasWhenItStarted() throws {
        let write = HTTPRequest(method: .POST, uri: "/api/mutation", headers: ["Content-Type": "application/json"],
                                body: Array(#"{"path":"messages:send","args":{"body":"late"}}"#.utf8))
        let timer = mock.loop.schedule(after: .milliseconds(10)) { [mock] in
            try? mock.admin.handle(write, Responder(on: mock.loop) { _ in })
        }
        defer { timer.cancel() }
        let listed = try value(call("query", "messages:slowList", "{}"))
        guard case .array(let documents) = listed else { Issue.record("not an array"); return }
        #expect(documents.map { $0["body"] } == [.string("seeded")])
        #expect(mock.deployment.withStore { $0.count("messages") } == 2)
    }

    // MARK: Writes

    @Test func patchMergesFields() throws {
        let seed = try seed
        #expect(try call("mutation", "messages:edit", #"{"id":"\#(seed.id.encoded)","body":"edited","n":1}"#).bodyText == #"{"status":"success","value":null}"#)
        let stored = try #require(mock.deployment.withStore { $0.get(seed.id) })
        #expect(stored.fields == ConvexObject([("author", .string("ada")), ("body", .string("edited")), ("n", .float64(1))]))
        #expect(stored.creationTime == seed.creationTime)
    }

    @Test func replaceReplacesEveryField() throws {
        let seed = try seed
        #expect(try call("mutation", "messages:swap", #"{"id":"\#(seed.id.encoded)","body":"new"}"#).bodyText == #"{"status":"success","value":null}"#)
        let stored = try #require(mock.deployment.withStore { $0.get(seed.id) })
        #expect(stored.fields == ConvexObject([("body", .string("new"))]))
        #expect(stored.creationTime == seed.creationTime)
    }

    @Test func deleteRemovesTheDocument() throws {
        let seed = try seed
        #expect(try call("mutation", "messages:remove", #"{"id":"\#(seed.id.encoded)"}"#).bodyText == #"{"status":"success","value":null}"#)
        #expect(mock.deployment.withStore { $0.count("messages") } == 0)
        #expect(try call("query", "messages:get", #"{"id":"\#(seed.id.encoded)"}"#).bodyText == #"{"status":"success","value":null}"#)
    }

    @Test(arguments: [("messages:edit", "Update"), ("messages:swap", "Replace"), ("messages:remove", "Delete")])
    func writingANonexistentDocumentIsAnUncaughtError(path: String, verb: String) throws {
        var generator = SystemRandomNumberGenerator()
        let absent = DocumentId.generate(tableNumber: 10001, unixSeconds: 0, using: &generator).encoded
        let response = try call("mutation", path, #"{"id":"\#(absent)"}"#)
        #expect(response.bodyText == #"{"status":"error","errorMessage":"[Request ID: d1] Server Error\nUncaught Error: \#(verb) on nonexistent document ID \#(absent)\n    at handler (../convex/messages.ts:1:1)\n"}"#)
    }

    @Test func valuesRoundTripThroughAMutationAndAQueryInBothFormats() throws {
        let id = try insert(#"{"n":{"$integer":"/////////38="},"b":{"$bytes":"AAEC/w=="},"f":{"$float":"AAAAAAAA+H8="},"z":-0.0}"#)
        let stored = try #require(mock.deployment.withStore { store in store.list("messages").last })
        let prefix = #"{"status":"success","value":{"_creationTime":\#(Self.number(stored.creationTime)),"_id":"\#(id)","#
        let encoded = try call("query", "messages:get", #"{"id":"\#(id)"}"#, format: "convex_encoded_json")
        #expect(encoded.bodyText == prefix + #""b":{"$bytes":"AAEC/w=="},"f":{"$float":"AAAAAAAA+H8="},"n":{"$integer":"/////////38="},"z":{"$float":"AAAAAAAAAIA="}}}"#)
        let clean = try call("query", "messages:get", #"{"id":"\#(id)"}"#, format: "json")
        #expect(clean.bodyText == prefix + #""b":"AAEC/w==","f":"NaN","n":"9223372036854775807","z":-0.0}}"#)
        #expect(stored.fields["n"] == .int64(.max))
        #expect(stored.fields["b"] == .bytes([0, 1, 2, 255]))
    }

    @Test func systemFieldsCannotBeWritten() throws {
        let response = try call("mutation", "messages:send", #"{"_secret":1}"#)
        #expect(response.bodyText == #"{"status":"error","errorMessage":"[Request ID: d1] Server Error\nUncaught Error: Field '_secret' starts with an underscore, which is only allowed for system fields like '_id'\n    at handler (../convex/messages.ts:1:1)\n"}"#)
        #expect(mock.deployment.withStore { $0.count("messages") } == 1)
    }

    @Test func aFailedMutationLeavesTheStoreUnchanged() throws {
        let seed = try seed
        let before = mock.deployment.withStore { $0.list("messages") }
        let timestamp = mock.deployment.latestTimestamp
        _ = try call("mutation", "messages:edit", #"{"id":"\#(seed.id.encoded)","body":"x","_creationTime":1}"#)
        _ = try call("mutation", "messages:swap", #"{"id":"\#(seed.id.encoded)","_id":"x"}"#)
        _ = try call("mutation", "messages:remove", #"{"id":"\#(seed.id.encoded)","extra":true}"#)
        _ = try call("mutation", "messages:send", #"{"ok":1,"_no":2}"#)
        #expect(mock.deployment.withStore { $0.list("messages") } == before)
        #expect(mock.deployment.latestTimestamp == timestamp)
    }

    // MARK: Validator messages

    @Test(arguments: ["messages:get", "messages:edit", "messages:swap", "messages:remove"])
    func anIdOfAnotherTableDoesNotMatchTheValidator(path: String) throws {
        let user = try insert(#"{"name":"ada"}"#, into: "users:add")
        let route = path == "messages:get" ? "query" : "mutation"
        let response = try call(route, path, #"{"id":"\#(user)"}"#)
        #expect(try errorMessage(response) == "[Request ID: d1] Server Error\nArgumentValidationError: Found ID \"\(user)\" from table `users`, which does not match the table name in validator `v.id(\"messages\")`.Path: .id\n")
    }

    @Test func aSystemTableIdDoesNotMatchTheValidator() throws {
        let response = try call("query", "messages:get", #"{"id":"\#(Self.storageId)"}"#)
        #expect(try errorMessage(response) == "[Request ID: d1] Server Error\nArgumentValidationError: Found ID \"\(Self.storageId)\" from a system table, which does not match the table name in validator `v.id(\"messages\")`.Path: .id\n")
    }

    @Test(arguments: [#""abc""#, #""j57aaaaaaaaaaaaaaaaaaaaaaaaaaaaa""#, "5", "null", #"{"$integer":"AQAAAAAAAAA="}"#])
    func aValueThatIsNoIdOfAKnownTableDoesNotMatch(id: String) throws {
        let response = try call("query", "messages:get", #"{"id":\#(id)}"#)
        let shown = try #require(try errorMessage(response).firstMatch(of: /\nValue: (.*)\nValidator/)).output.1
        #expect(try errorMessage(response) == "[Request ID: d1] Server Error\nArgumentValidationError: Value does not match validator.\nPath: .id\nValue: \(shown)\nValidator: v.id(\"messages\")\n")
    }

    @Test func displayedValuesAreRustDisplays() throws {
        #expect(try errorMessage(call("query", "messages:get", #"{"id":"abc"}"#)).contains("\nValue: \"abc\"\n"))
        #expect(try errorMessage(call("query", "messages:get", #"{"id":5}"#)).contains("\nValue: 5.0\n"))
        #expect(try errorMessage(call("query", "messages:get", #"{"id":{"$integer":"AQAAAAAAAAA="}}"#)).contains("\nValue: 1\n"))
    }

    @Test func anIdOfAnUnknownTableNumberDoesNotMatch() throws {
        var generator = SystemRandomNumberGenerator()
        let unknown = DocumentId.generate(tableNumber: 10099, unixSeconds: 0, using: &generator).encoded
        let response = try call("query", "messages:get", #"{"id":"\#(unknown)"}"#)
        #expect(try errorMessage(response) == "[Request ID: d1] Server Error\nArgumentValidationError: Value does not match validator.\nPath: .id\nValue: \"\(unknown)\"\nValidator: v.id(\"messages\")\n")
    }

    @Test func aMissingIdIsNamed() throws {
        let response = try call("query", "messages:get", #"{"other":1}"#)
        #expect(try errorMessage(response) == "[Request ID: d1] Server Error\nArgumentValidationError: Object is missing the required field `id`. Consider wrapping the field validator in `v.optional(...)` if this is expected.\n\nObject: {other: 1.0}\nValidator: v.object({id: v.id(\"messages\")})\n")
        let empty = try call("mutation", "messages:remove", "{}")
        #expect(try errorMessage(empty) == "[Request ID: d1] Server Error\nArgumentValidationError: Object is missing the required field `id`. Consider wrapping the field validator in `v.optional(...)` if this is expected.\n\nObject: {}\nValidator: v.object({id: v.id(\"messages\")})\n")
    }

    @Test func anExtraFieldIsNamed() throws {
        let seed = try seed.id.encoded
        let response = try call("query", "messages:get", #"{"id":"\#(seed)","x":1}"#)
        #expect(try errorMessage(response) == "[Request ID: d1] Server Error\nArgumentValidationError: Object contains extra field `x` that is not in the validator.\n\nObject: {id: \"\(seed)\", x: 1.0}\nValidator: v.object({id: v.id(\"messages\")})\n")
    }

    @Test func theIdIsCheckedBeforeExtraFields() throws {
        let response = try call("mutation", "messages:remove", #"{"id":"abc","x":1}"#)
        #expect(try errorMessage(response).contains("Value does not match validator."))
    }
}
