import Foundation
import Testing
import TestSupport

/// The control API through the real binary, seen from real client sockets: what a test suite
/// driving mockconvex from outside does, with nothing restarted.
@Suite(.timeLimit(.minutes(2))) struct ControlAPIEndToEndTests {
    private func start(_ extra: [String] = []) throws -> MockConvexProcess {
        try MockConvexProcess(["--port", "0", "--site-proxy-port", "0", "--port80-port", "0", "--config", Fixtures.exampleConfig] + extra)
    }

    private func control(_ method: String, _ path: String, _ body: String = "", port: Int, token: String? = nil) throws -> RawHTTP.Response {
        try RawHTTP.send(method, path, port: port, headers: token.map { [("Authorization", "Bearer \($0)")] } ?? [], body: Array(body.utf8))
    }

    /// The issue's "done when", over HTTP only.
    @Test func journalListenersFaultsAndResetWithNothingRestarted() throws {
        let server = try start()
        defer { server.stop() }
        let admin = try server.port("admin")
        let port80 = try server.port("port80")

        // Clear the journal, call a mutation, read it back with its body.
        #expect(try control("DELETE", "/_mock/requests", port: admin).status == 200)
        let body = #"{"path":"messages:send","args":{"body":"journaled"}}"#
        #expect(try RawHTTP.post("/api/mutation", port: admin, json: body).status == 200)
        let journal = try control("GET", "/_mock/requests", port: admin)
        #expect(journal.status == 200)
        #expect(journal.text.contains(#""method":"POST","path":"/api/mutation""#))
        #expect(journal.text.contains(#""bodyPreview":"{\"path\":\"messages:send\",\"args\":{\"body\":\"journaled\"}}""#))
        #expect(journal.text.contains(#""status":200"#))

        // Port 80 off: refused; on again: the same port answers.
        let off = try control("PUT", "/_mock/listeners/port80", #"{"enabled":false}"#, port: admin)
        #expect(off.text == #"{"name":"port80","host":"127.0.0.1","port":\#(port80),"enabled":false}"#)
        #expect(throws: RawHTTP.Failure.connectFailed(ECONNREFUSED)) { try RawHTTP.get("/version", port: port80) }
        let on = try control("PUT", "/_mock/listeners/port80", #"{"enabled":true}"#, port: admin)
        #expect(on.text == #"{"name":"port80","host":"127.0.0.1","port":\#(port80),"enabled":true}"#)
        #expect(try RawHTTP.get("/version", port: port80).text == "unknown")

        // Reset the next two storage connections; the third gets its answer.
        let fault = try control("POST", "/_mock/faults", #"{"listener":"admin","method":"GET","pathPrefix":"/api/storage/","kind":"reset","times":2}"#, port: admin)
        #expect(fault.status == 201)
        let file = "/api/storage/6ba7b810-9dad-11d1-80b4-00c04fd430c8"
        #expect(throws: RawHTTP.Failure.reset) { try RawHTTP.get(file, port: admin) }
        #expect(throws: RawHTTP.Failure.reset) { try RawHTTP.get(file, port: admin) }
        let third = try RawHTTP.get(file, port: admin)
        #expect(third.status == 404)
        #expect(third.text == #"{"code":"FileNotFound","message":"File 6ba7b810-9dad-11d1-80b4-00c04fd430c8 not found"}"#)

        // Reset everything.
        let reset = try control("POST", "/_mock/reset", port: admin)
        #expect(reset.status == 200)
        let list = try RawHTTP.post("/api/query", port: admin, json: #"{"path":"messages:list","args":{}}"#)
        #expect(list.text.contains(#""body":"seeded""#))
        #expect(!list.text.contains("journaled"))
        #expect(try control("GET", "/_mock/faults", port: admin).text == #"{"faults":[]}"#)
        // Only the query above is in the journal now.
        let after = try control("GET", "/_mock/requests", port: admin).text
        #expect(after.contains(#""path":"/api/query""#))
        #expect(!after.contains(#""path":"/api/mutation""#))
    }

    @Test func eachFaultKindAsAClientSocketSeesIt() throws {
        let server = try start()
        defer { server.stop() }
        let admin = try server.port("admin")
        let site = try server.port("site")
        func only(_ fault: String) throws {
            #expect(try control("DELETE", "/_mock/faults", port: admin).status == 200)
            #expect(try control("POST", "/_mock/faults", fault, port: admin).status == 201)
        }
        func exchange(_ path: String) throws -> RawHTTP.Connection {
            let connection = try RawHTTP.Connection(port: site)
            try connection.write(RawHTTP.request("GET", path, port: site))
            return connection
        }

        try only(#"{"listener":"site","path":"/hello","kind":"reset"}"#)
        #expect(throws: RawHTTP.Failure.reset) { try exchange("/hello").readToEnd() }

        try only(#"{"listener":"site","path":"/hello","kind":"close"}"#)
        #expect(try exchange("/hello").readToEnd() == [])

        try only(#"{"listener":"site","path":"/hello","kind":"garbage","text":"NOT HTTP AT ALL\r\n\r\n"}"#)
        #expect(try exchange("/hello").readToEnd() == Array("NOT HTTP AT ALL\r\n\r\n".utf8))
        #expect(throws: RawHTTP.Failure.self) { try exchange("/hello").readResponse() }

        try only(#"{"listener":"site","path":"/hello","kind":"status","status":503,"body":"down","headers":{"Retry-After":"1"}}"#)
        let status = try exchange("/hello").readResponse()
        #expect(status.status == 503)
        #expect(status.header("Retry-After") == "1")
        #expect(status.text == "down")

        try only(#"{"listener":"site","path":"/hello","kind":"delay","ms":50}"#)
        #expect(try exchange("/hello").readResponse().text == "Hello world!")

        try only(#"{"listener":"site","path":"/hello","kind":"slow","chunkBytes":2,"pauseMs":5}"#)
        let slow = try exchange("/hello").readResponse()
        #expect(slow.text == "Hello world!")
        #expect(slow.header("Content-Length") == "12")
        #expect(slow.header("Transfer-Encoding") == nil)

        // Through all of it the server kept serving.
        #expect(try RawHTTP.get("/version", port: admin).text == "unknown")
    }

    /// A status fault is checked as a route is: a header that would break the answer's framing,
    /// a line break in a field or an interim status is refused with its JSON path and nothing
    /// is added; a well-formed one answers with exactly its fields, and the connection goes on.
    @Test func aStatusFaultThatWouldBreakTheAnswerIsRefused() throws {
        let server = try start()
        defer { server.stop() }
        let admin = try server.port("admin")
        let site = try server.port("site")
        let framing = "(Content-Length, Transfer-Encoding, Connection, Keep-Alive, Upgrade and Trailer frame the message, and the server writes them from the body and the connection)"
        let refusals = [
            (#"{"kind":"status","status":503,"headers":{"Content-Length":"100"}}"#,
             #"$.headers["Content-Length"]: Content-Length cannot be given: the server computes it from the body, and a different one would leave clients waiting or misread the next answer; remove it "# + framing),
            (#"{"kind":"status","status":503,"headers":{"Transfer-Encoding":"chunked"}}"#,
             #"$.headers["Transfer-Encoding"]: Transfer-Encoding cannot be given: the server frames the body itself, with Content-Length; remove it "# + framing),
            (#"{"kind":"status","status":503,"headers":{"X-A":"a\r\nX-B: b"}}"#,
             #"$.headers["X-A"]: the value has a carriage return (CR, 0x0d) at byte 1; header values are visible ASCII, spaces, tabs and non-ASCII text, on one line"#),
            (#"{"kind":"status","status":503,"headers":{"\u0000":"x"}}"#,
             #"$.headers["\u0000"]: "\0" is not a header name: it has a NUL byte (0x00) at byte 0; names are RFC 9110 tokens, made of letters, digits and !#$%&'*+-.^_`|~"#),
            (#"{"kind":"status","status":101}"#,
             "$.status: 101 is an interim (1xx) status, after which a client waits for a final answer that never comes; give a final status from 200 to 599"),
        ]
        for (fault, message) in refusals {
            let refused = try control("POST", "/_mock/faults", fault, port: admin)
            #expect(refused.status == 400)
            #expect(refused.header("Content-Type") == "application/json")
            let body = try JSONSerialization.jsonObject(with: Data(refused.body)) as? [String: String]
            #expect(body == ["code": "InvalidFault", "message": message], "\(refused)")
        }
        #expect(try control("GET", "/_mock/faults", port: admin).text == #"{"faults":[]}"#)

        let added = try control("POST", "/_mock/faults", #"{"listener":"site","path":"/hello","kind":"status","status":503,"body":"down","headers":{"Retry-After":"1","X-Note":"tab\there, café"}}"#, port: admin)
        #expect(added.status == 201)
        let connection = try RawHTTP.Connection(port: site)
        defer { connection.close() }
        try connection.write(RawHTTP.request("GET", "/hello", port: site))
        let faulted = try connection.readResponse()
        #expect(faulted.status == 503)
        // Date is the server's clock; every other field is exact.
        #expect(faulted.headers.map { $0.name == "Date" ? "Date" : "\($0.name): \($0.value)" } == [
            "Content-Type: text/plain; charset=utf-8", "Retry-After: 1", "X-Note: tab\there, café", "Date", "Content-Length: 4",
        ])
        #expect(faulted.header("Date")?.wholeMatch(of: /[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT/) != nil)
        #expect(faulted.text == "down")
        try connection.write(RawHTTP.request("GET", "/version", port: site))
        #expect(try connection.readResponse().text == "unknown")
    }

    @Test func aSeededProbabilityGivesTheSameSequenceAgain() throws {
        let server = try start()
        defer { server.stop() }
        let admin = try server.port("admin")
        func sequence() throws -> [Int] {
            _ = try control("DELETE", "/_mock/faults", port: admin)
            _ = try control("POST", "/_mock/faults", #"{"path":"/version","kind":"status","status":503,"probability":0.5,"seed":7}"#, port: admin)
            return try (0..<20).map { _ in try RawHTTP.get("/version", port: admin).status }
        }
        let first = try sequence()
        #expect(Set(first) == [200, 503])
        #expect(try sequence() == first)
        #expect(try control("GET", "/_mock/faults", port: admin).text.contains(#""applied":\#(first.filter { $0 == 503 }.count)"#))
    }

    @Test func aListenerClosedWhileAKeepAliveConnectionIsOpen() throws {
        let server = try start()
        defer { server.stop() }
        let admin = try server.port("admin")
        let site = try server.port("site")
        let kept = try RawHTTP.Connection(port: site)
        try kept.write(RawHTTP.request("GET", "/hello", port: site))
        #expect(try kept.readResponse().text == "Hello world!")

        #expect(try control("PUT", "/_mock/listeners/site", #"{"enabled":false}"#, port: admin).status == 200)
        #expect(throws: RawHTTP.Failure.reset) { try kept.readToEnd() }
        #expect(throws: RawHTTP.Failure.connectFailed(ECONNREFUSED)) { try RawHTTP.get("/hello", port: site) }
        #expect(try control("PUT", "/_mock/listeners/site", #"{"enabled":true}"#, port: admin).status == 200)
        #expect(try RawHTTP.get("/hello", port: site).text == "Hello world!")

        let refused = try control("PUT", "/_mock/listeners/admin", #"{"enabled":false}"#, port: admin)
        #expect(refused.status == 409)
        #expect(refused.header("Content-Type") == "application/json")
        let body = try JSONSerialization.jsonObject(with: Data(refused.body)) as? [String: String]
        #expect(body == ["code": "WouldCloseControlAPI", "message": """
            Closing admin through admin would reset this very connection, so the answer could never arrive. \
            Send it through port80, which serves /_mock/ too, while port80 is open. \
            To make admin fail for clients while keeping control, add a fault on it instead \
            (POST /_mock/faults {"listener": "admin", "pathPrefix": "/api/", "kind": "reset"}: faults never apply to /_mock/); \
            to close it for good, stop mockconvex
            """])
        // The advice works: the fault resets admin's API calls and the control API still answers.
        #expect(try control("POST", "/_mock/faults", #"{"listener": "admin", "pathPrefix": "/api/", "kind": "reset"}"#, port: admin).status == 201)
        #expect(throws: RawHTTP.Failure.reset) { try RawHTTP.post("/api/query", port: admin, json: #"{"path":"messages:list","args":{}}"#) }
        #expect(try control("DELETE", "/_mock/faults", port: admin).text == #"{"removed":1}"#)
        #expect(try RawHTTP.post("/api/query", port: admin, json: #"{"path":"messages:list","args":{}}"#).status == 200)
        // The other advice works too: port 80 closes admin and opens it again.
        let port80 = try server.port("port80")
        #expect(try control("PUT", "/_mock/listeners/admin", #"{"enabled":false}"#, port: port80).status == 200)
        #expect(throws: RawHTTP.Failure.connectFailed(ECONNREFUSED)) { try RawHTTP.get("/version", port: admin) }
        #expect(try control("PUT", "/_mock/listeners/admin", #"{"enabled":true}"#, port: port80).status == 200)
        #expect(try RawHTTP.get("/version", port: admin).text == "unknown")
    }

    @Test func noPort80StartsTheListenerClosedAndTheControlAPIOpensIt() throws {
        let server = try MockConvexProcess(["--port", "0", "--site-proxy-port", "0", "--no-port80", "--port80-port", "0"])
        defer { server.stop() }
        let admin = try server.port("admin")
        let listed = try control("GET", "/_mock/listeners/port80", port: admin)
        #expect(listed.text == #"{"name":"port80","host":"127.0.0.1","port":0,"enabled":false}"#)
        let opened = try control("PUT", "/_mock/listeners/port80", #"{"enabled":true}"#, port: admin)
        #expect(opened.status == 200)
        let port = try #require(Int(opened.text.firstMatch(of: /"port":(\d+)/).map { String($0.1) } ?? ""))
        #expect(port > 0)
        #expect(try RawHTTP.get("/version", port: port).text == "unknown")
    }

    @Test func theJournalKeepsOnlyJournalSizeRequests() throws {
        let server = try start(["--journal-size", "3"])
        defer { server.stop() }
        let admin = try server.port("admin")
        for index in 1...5 { _ = try RawHTTP.get("/version?n=\(index)", port: admin) }
        let journal = try control("GET", "/_mock/requests", port: admin).text
        #expect(journal.hasPrefix(#"{"capacity":3,"requests":[{"sequence":5,"#))
        #expect(journal.matches(of: /"sequence":/).count == 3)
        #expect(!journal.contains(#""query":"n=2""#))
    }

    @Test func aControlTokenIsRequiredOnlyByControlRoutes() throws {
        let server = try start(["--control-token", "s3cret"])
        defer { server.stop() }
        let admin = try server.port("admin")
        let missing = try control("GET", "/_mock/faults", port: admin)
        #expect(missing.status == 401)
        #expect(missing.text == #"{"code":"ControlTokenRequired","message":"The control API needs the header Authorization: Bearer <token>, with the token given to --control-token"}"#)
        let wrong = try control("GET", "/_mock/faults", port: admin, token: "nope")
        #expect(wrong.status == 401)
        #expect(wrong.text == #"{"code":"BadControlToken","message":"The bearer token does not match the one given to --control-token"}"#)
        #expect(try control("GET", "/_mock/faults", port: admin, token: "s3cret").status == 200)
        #expect(try RawHTTP.get("/version", port: admin).status == 200)
    }

    @Test func noControlAPIRemovesTheRoutes() throws {
        let server = try start(["--no-control-api"])
        defer { server.stop() }
        let response = try control("GET", "/_mock/requests", port: try server.port("admin"))
        #expect(response.status == 404)
        #expect(response.text == "")
        let both = try Command.run([MockConvexProcess.binary, "--no-control-api", "--control-token", "x"])
        #expect(both.status == 2)
        #expect(both.stderr.contains("--control-token has no effect with --no-control-api; give one or the other"))
    }

    @Test func runtimeFunctionsAndRoutesAndConfigFaults() throws {
        let config = try Fixtures.temporaryFile(#"{"faults": [{"path": "/version", "kind": "status", "status": 500, "body": "down"}]}"#)
        let server = try MockConvexProcess(["--port", "0", "--site-proxy-port", "0", "--no-port80", "--config", config])
        defer { server.stop() }
        let admin = try server.port("admin")
        let site = try server.port("site")
        let down = try RawHTTP.get("/version", port: admin)
        #expect(down.status == 500)
        #expect(down.text == "down")
        _ = try control("DELETE", "/_mock/faults", port: admin)
        #expect(try RawHTTP.get("/version", port: admin).text == "unknown")

        #expect(try control("PUT", "/_mock/functions/notes:add", #"{"type":"mutation","insert":"notes"}"#, port: admin).status == 200)
        let inserted = try RawHTTP.post("/api/mutation", port: admin, json: #"{"path":"notes:add","args":{"text":"hi"}}"#)
        #expect(inserted.text.hasPrefix(#"{"status":"success","value":""#))
        #expect(try control("PUT", "/_mock/http-routes", #"[{"method":"GET","path":"/hi","body":"hey"}]"#, port: admin).status == 200)
        #expect(try RawHTTP.get("/hi", port: site).text == "hey")

        // A reset brings the config's fault back and drops what was declared at run time.
        #expect(try control("POST", "/_mock/reset", port: admin).status == 200)
        #expect(try RawHTTP.get("/version", port: admin).status == 500)
        #expect(try RawHTTP.get("/hi", port: site).status == 404)
    }
}
