import EventHTTP
@testable import MockConvex
import Testing

/// A header a user declares for an answer, and where it goes wrong.
struct BadHeader: Sendable, CustomTestStringConvertible {
    let name: String
    let value: String
    /// The key as the error's JSON path writes it after `.headers`.
    let pathKey: String
    let message: String

    var testDescription: String { message }
}

/// The answers a user declares (`httpRoutes` entries in the config and through
/// `PUT /_mock/http-routes`, `status` faults through the config and `POST /_mock/faults`) follow
/// one set of rules: header fields well formed and not the ones that frame the message, and a
/// final status, never an interim 1xx one after which a client would wait for ever.
@Suite(.timeLimit(.minutes(1))) struct DeclaredAnswerTests {
    static let tokenRule = "names are RFC 9110 tokens, made of letters, digits and !#$%&'*+-.^_`|~"
    static let valueRule = "header values are visible ASCII, spaces, tabs and non-ASCII text, on one line"
    static func framing(_ name: String, _ reason: String) -> String {
        "\(name) cannot be given: \(reason); remove it (Content-Length, Transfer-Encoding, Connection, Keep-Alive, Upgrade and Trailer frame the message, and the server writes them from the body and the connection)"
    }

    static let badHeaders = [
        BadHeader(name: "", value: "x", pathKey: #"[""]"#, message: "a header name must not be empty"),
        BadHeader(name: "\0", value: "x", pathKey: #"["\u0000"]"#, message: #""\0" is not a header name: it has a NUL byte (0x00) at byte 0; "# + tokenRule),
        BadHeader(name: "X-Bad Name", value: "x", pathKey: #"["X-Bad Name"]"#, message: #""X-Bad Name" is not a header name: it has a space (0x20) at byte 5; "# + tokenRule),
        BadHeader(name: "X\r\nY", value: "x", pathKey: #"["X\r\nY"]"#, message: #""X\r\nY" is not a header name: it has a carriage return (CR, 0x0d) at byte 1; "# + tokenRule),
        BadHeader(name: "X:Y", value: "x", pathKey: #"["X:Y"]"#, message: #""X:Y" is not a header name: it has ":" (0x3a) at byte 1; "# + tokenRule),
        BadHeader(name: "Ünicode", value: "x", pathKey: #"["Ünicode"]"#, message: #""Ünicode" is not a header name: it has the byte 0xc3 at byte 0; "# + tokenRule),
        BadHeader(name: "Content-Length", value: "5", pathKey: #"["Content-Length"]"#, message: framing(
            "Content-Length", "the server computes it from the body, and a different one would leave clients waiting or misread the next answer")),
        BadHeader(name: "transfer-encoding", value: "chunked", pathKey: #"["transfer-encoding"]"#, message: framing(
            "transfer-encoding", "the server frames the body itself, with Content-Length")),
        BadHeader(name: "CONNECTION", value: "close", pathKey: ".CONNECTION", message: framing(
            "CONNECTION", "the server decides whether the connection stays open")),
        BadHeader(name: "Keep-Alive", value: "timeout=5", pathKey: #"["Keep-Alive"]"#, message: framing(
            "Keep-Alive", "the server decides how long the connection stays open")),
        BadHeader(name: "Upgrade", value: "websocket", pathKey: ".Upgrade", message: framing("Upgrade", "no protocol switch follows this answer")),
        BadHeader(name: "Trailer", value: "X-Sum", pathKey: ".Trailer", message: framing("Trailer", "the server sends no trailer fields")),
        BadHeader(name: "X-A", value: "a\r\nSet-Cookie: x", pathKey: #"["X-A"]"#, message: "the value has a carriage return (CR, 0x0d) at byte 1; " + valueRule),
        BadHeader(name: "X-A", value: "a\nb", pathKey: #"["X-A"]"#, message: "the value has a line feed (LF, 0x0a) at byte 1; " + valueRule),
        BadHeader(name: "X-A", value: "a\0b", pathKey: #"["X-A"]"#, message: "the value has a NUL byte (0x00) at byte 1; " + valueRule),
        BadHeader(name: "X-A", value: "ok\u{1}", pathKey: #"["X-A"]"#, message: "the value has the byte 0x01 at byte 2; " + valueRule),
        BadHeader(name: "X-A", value: "\u{7F}", pathKey: #"["X-A"]"#, message: "the value has the byte 0x7f at byte 0; " + valueRule),
    ]

    private static func route(headers: [(String, String)] = [], status: Int? = nil) -> String {
        var members: [(key: String, value: JSON)] = [("method", .string("GET")), ("path", .string("/declared"))]
        if let status { members.append(("status", .integer(Int64(status)))) }
        if !headers.isEmpty { members.append(("headers", .object(headers.map { (key: $0.0, value: JSON.string($0.1)) }))) }
        members.append(("body", .string("declared")))
        return String(decoding: JSON.array([.object(members)]).serialized, as: UTF8.self)
    }

    private static func statusFault(headers: [(String, String)] = [], status: Int = 503) -> String {
        var members: [(key: String, value: JSON)] = [("kind", .string("status")), ("status", .integer(Int64(status))), ("body", .string("declared"))]
        if !headers.isEmpty { members.append(("headers", .object(headers.map { (key: $0.0, value: JSON.string($0.1)) }))) }
        return String(decoding: JSON.object(members).serialized, as: UTF8.self)
    }

    private func expectRefused(_ response: HTTPResponse, code: String, message: String) {
        #expect(response.status == 400)
        #expect(response.headers == ["content-type": "application/json"])
        #expect(response.body == JSON.object([("code", .string(code)), ("message", .string(message))]).serialized)
    }

    // MARK: Headers

    @Test(arguments: badHeaders)
    func aConfigRouteRefusesTheHeader(_ bad: BadHeader) {
        #expect(throws: ConfigError(JSONPath.root.key("httpRoutes").index(0).key("headers").key(bad.name), bad.message)) {
            try DeploymentConfig.parse(Array(#"{"httpRoutes": \#(Self.route(headers: [(bad.name, bad.value)]))}"#.utf8))
        }
        #expect(JSONPath.root.key("httpRoutes").index(0).key("headers").key(bad.name).description == "$.httpRoutes[0].headers" + bad.pathKey)
    }

    @Test(arguments: badHeaders)
    func theControlAPIRefusesTheRouteHeaderAndKeepsTheRoutes(_ bad: BadHeader) throws {
        let mock = try ControlInProcess()
        let response = try mock.call(.PUT, "/_mock/http-routes", Self.route(headers: [(bad.name, bad.value)]))
        expectRefused(response, code: "InvalidHTTPRoutes", message: "$[0].headers\(bad.pathKey): \(bad.message)")
        #expect(try mock.call(.GET, "/_mock/http-routes").bodyText == #"{"httpRoutes":[]}"#)
    }

    @Test(arguments: badHeaders)
    func theControlAPIRefusesTheStatusFaultHeaderAndAddsNothing(_ bad: BadHeader) throws {
        let mock = try ControlInProcess()
        let response = try mock.call(.POST, "/_mock/faults", Self.statusFault(headers: [(bad.name, bad.value)]))
        expectRefused(response, code: "InvalidFault", message: "$.headers\(bad.pathKey): \(bad.message)")
        #expect(try mock.call(.GET, "/_mock/faults").bodyText == #"{"faults":[]}"#)
    }

    @Test(arguments: badHeaders)
    func aConfigStatusFaultRefusesTheHeader(_ bad: BadHeader) {
        #expect(throws: ConfigError(JSONPath.root.key("faults").index(0).key("headers").key(bad.name), bad.message)) {
            try DeploymentConfig.parse(Array(#"{"faults": [\#(Self.statusFault(headers: [(bad.name, bad.value)]))]}"#.utf8))
        }
    }

    /// Tabs, quotes, non-ASCII text and every token character are fine, and go out as given
    /// (lowercased by routes, as a JavaScript `Headers` object keeps them).
    @Test func aWellFormedHeaderIsSentAsDeclared() throws {
        let headers = [("X-Token_1.v~!#$%&'*+^`|", "tab\there, \"quoted\", café")]
        let mock = try ControlInProcess(config: #"{"httpRoutes": \#(Self.route(headers: headers))}"#)
        let routed = try #require(try mock.admin(.GET, "/http/declared").response)
        #expect(routed == HTTPResponse(status: 200, headers: [
            "x-token_1.v~!#$%&'*+^`|": "tab\there, \"quoted\", café", "content-type": "text/plain;charset=UTF-8",
        ], body: Array("declared".utf8)))

        #expect(try mock.call(.POST, "/_mock/faults", Self.statusFault(headers: headers)).status == 201)
        let faulted = try #require(try mock.admin(.GET, "/http/declared").response)
        #expect(faulted == HTTPResponse(status: 503, headers: [
            "Content-Type": "text/plain; charset=utf-8", "X-Token_1.v~!#$%&'*+^`|": "tab\there, \"quoted\", café",
        ], body: Array("declared".utf8)))
    }

    // MARK: Statuses

    static func interim(_ status: Int) -> String {
        "\(status) is an interim (1xx) status, after which a client waits for a final answer that never comes; give a final status from 200 to 599"
    }

    @Test(arguments: [100, 101, 102, 103, 199])
    func anInterimStatusIsRefusedEverywhere(status: Int) throws {
        #expect(throws: ConfigError(JSONPath.root.key("httpRoutes").index(0).key("status"), Self.interim(status))) {
            try DeploymentConfig.parse(Array(#"{"httpRoutes": \#(Self.route(status: status))}"#.utf8))
        }
        #expect(throws: ConfigError(JSONPath.root.key("faults").index(0).key("status"), Self.interim(status))) {
            try DeploymentConfig.parse(Array(#"{"faults": [\#(Self.statusFault(status: status))]}"#.utf8))
        }
        let mock = try ControlInProcess()
        expectRefused(try mock.call(.PUT, "/_mock/http-routes", Self.route(status: status)),
                      code: "InvalidHTTPRoutes", message: "$[0].status: " + Self.interim(status))
        expectRefused(try mock.call(.POST, "/_mock/faults", Self.statusFault(status: status)),
                      code: "InvalidFault", message: "$.status: " + Self.interim(status))
    }

    @Test func aFractionalStatusIsNotAnInteger() {
        #expect(throws: ConfigError(JSONPath.root.key("faults").index(0).key("status"), "expected an integer from 200 to 599, got 150.5")) {
            try DeploymentConfig.parse(Array(#"{"faults": [{"kind": "status", "status": 150.5}]}"#.utf8))
        }
    }

    @Test(arguments: [200, 204, 599])
    func aFinalStatusIsAnswered(status: Int) throws {
        let mock = try ControlInProcess(config: #"{"httpRoutes": \#(Self.route(status: status))}"#)
        #expect(try mock.admin(.GET, "/http/declared").response?.status == status)
        #expect(try mock.call(.POST, "/_mock/faults", Self.statusFault(status: status)).status == 201)
        #expect(try mock.admin(.GET, "/http/declared").response?.status == status)
    }
}
