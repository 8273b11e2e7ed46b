import Foundation
@testable import MockConvex
import Testing
import TestSupport

/// No request outlives its answer, against the real binary: a request held by a fault (or by
/// its function's delay) and then answered by the handler timeout, left by its client (FIN or
/// RST), or cut by its listener closing runs nothing afterwards: no journal entry, nothing
/// stored. A paced answer whose client or listener goes away stops. After each, the server
/// answers and holds no more descriptors than before.
///
/// A slow fault cannot meet the handler timeout on an upload: the upload is answered at once
/// and only its answer is paced, so that combination does not exist.
@Suite(.timeLimit(.minutes(5))) struct RequestLifetimeEndToEndTests {
    enum Hold: String, Sendable {
        /// A `delay` fault holds the request before any handler sees it.
        case delayFault
        /// A `slow` fault paces the answer, and the function's own delay holds it first.
        case slowFaultAndFunctionDelay
        /// A `slow` fault paces an answer given at once; the end comes mid-body.
        case slowFaultMidBody
    }

    enum Ending: String, Sendable {
        case handlerTimeout, clientClosed, clientReset, listenerClosed
    }

    enum Body: String, Sendable {
        /// `POST /api/mutation` with a JSON body.
        case json
        /// `POST /api/storage/upload` with the file's bytes.
        case upload

        var path: String { self == .json ? "/api/mutation" : "/api/storage/upload" }
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let hold: Hold
        let ending: Ending
        let body: Body
        var testDescription: String { "\(hold.rawValue) × \(ending.rawValue) × \(body.rawValue)" }
    }

    static let cases: [Case] = {
        var cases: [Case] = []
        for ending in [Ending.handlerTimeout, .clientClosed, .clientReset, .listenerClosed] {
            for body in [Body.json, .upload] { cases.append(Case(hold: .delayFault, ending: ending, body: body)) }
            cases.append(Case(hold: .slowFaultAndFunctionDelay, ending: ending, body: .json))
            if ending != .handlerTimeout {
                for body in [Body.json, .upload] { cases.append(Case(hold: .slowFaultMidBody, ending: ending, body: body)) }
            }
        }
        return cases
    }()

    static let config = #"""
        {
          "functions": {
            "messages:send": {"type": "mutation", "insert": "messages"},
            "messages:slowSend": {"type": "mutation", "insert": "messages", "delayMs": 1500},
            "files:generateUploadUrl": {"type": "mutation", "storage": "generateUploadUrl"}
          }
        }
        """#

    /// How long the request is held before anything would run for it.
    static let holdMs = 1500

    @Test(arguments: cases)
    func nothingRunsForARequestThatStoppedWaiting(_ scenario: Case) throws {
        let configFile = try Fixtures.temporaryFile(Self.config)
        defer { try? FileManager.default.removeItem(atPath: configFile) }
        var arguments = ["--port", "0", "--site-proxy-port", "0", "--port80-port", "0", "--threads", "1", "--config", configFile]
        if scenario.ending == .handlerTimeout { arguments += ["--request-timeout", "1"] }
        let server = try MockConvexProcess(arguments)
        defer { server.stop() }
        let admin = try server.port("admin")
        // Port 80 is the listener that gets closed; the others go to the admin port.
        let port = scenario.ending == .listenerClosed ? try server.port("port80") : admin

        let target = scenario.body == .json ? Body.json.path : try uploadTarget(admin: admin)
        let slowSend = scenario.hold == .slowFaultAndFunctionDelay
        let content = scenario.body == .json
            ? Array(#"{"path":"messages:\#(slowSend ? "slowSend" : "send")","args":{"body":"held"}}"#.utf8)
            : Array("the file's bytes".utf8)
        let headers = [("Content-Type", scenario.body == .json ? "application/json" : "text/plain")]

        let fault = scenario.hold == .delayFault
            ? #"{"kind":"delay","ms":\#(Self.holdMs),"path":"\#(scenario.body.path)"}"#
            : #"{"kind":"slow","chunkBytes":1,"pauseMs":100,"path":"\#(scenario.body.path)"}"#
        #expect(try control("POST", "/_mock/faults", fault, admin: admin).status == 201)
        #expect(try control("DELETE", "/_mock/requests", admin: admin).status == 200)
        let baseline = try #require(server.waitForDescriptors(atMost: Int.max))

        let connection = try RawHTTP.Connection(port: port, timeout: 10)
        defer { connection.close() }
        try connection.write(RawHTTP.request("POST", target, port: port, headers: headers, body: content))
        #expect(Sockets.waitUntilPeerHasRead(connection: connection.fd, serverPort: port))
        if scenario.hold == .slowFaultMidBody {
            // The head came at once; the body is still trickling.
            let head = try connection.readHead()
            #expect(head.hasPrefix("HTTP/1.1 200 OK\r\n"), "\(head)")
        }
        switch scenario.ending {
        case .handlerTimeout:
            let answer = try connection.readResponse()
            #expect(answer.status == 408)
            #expect(answer.body.isEmpty)
        case .clientClosed:
            connection.close()
        case .clientReset:
            connection.reset()
        case .listenerClosed:
            #expect(try control("PUT", "/_mock/listeners/port80", #"{"enabled":false}"#, admin: admin).status == 200)
            #expect(connection.waitForClose())
        }
        connection.close()
        // A request held on the same loop until after the hold would have ended: one loop fires
        // timers in deadline order, so once it is answered whatever was deferred for the request
        // has run, or never will. Held less than the handler timeout when there is one.
        let markerMs = scenario.ending == .handlerTimeout ? 900 : Self.holdMs + 200
        #expect(try control("POST", "/_mock/faults", #"{"kind":"delay","ms":\#(markerMs),"path":"/version","times":1}"#, admin: admin).status == 201)
        #expect(try RawHTTP.get("/version", port: admin).text == "unknown")

        let journal = try JSONReader.parse(control("GET", "/_mock/requests?pathPrefix=\(scenario.body.path)", admin: admin).body)
        let state = try JSONReader.parse(control("GET", "/_mock/state", admin: admin).body)
        let stored = (state["tables"]?["messages"].flatMap(Self.count) ?? 0) + (state["files"].flatMap(Self.count) ?? 0)
        if scenario.hold == .slowFaultMidBody {
            // Answered (and so journaled and stored) before the end came.
            #expect(journal["requests"].flatMap(Self.count) == 1)
            #expect(stored == 1)
        } else {
            #expect(journal["requests"] == .array([]), "\(String(decoding: journal.serialized, as: UTF8.self))")
            #expect(stored == 0, "\(String(decoding: state.serialized, as: UTF8.self))")
        }
        #expect(try RawHTTP.get("/_mock/faults", port: admin).status == 200)
        let after = server.waitForDescriptors(atMost: baseline)
        #expect(after.map { $0 <= baseline } == true, "descriptors: \(after.map(String.init) ?? "gone") after, \(baseline) before")
    }

    private static func count(_ value: JSON) -> Int? {
        if case .array(let items) = value { return items.count }
        return nil
    }

    private func control(_ method: String, _ path: String, _ body: String = "", admin: Int) throws -> RawHTTP.Response {
        try RawHTTP.send(method, path, port: admin, body: Array(body.utf8))
    }

    /// A fresh upload URL's path and query, from the `generateUploadUrl` mutation.
    private func uploadTarget(admin: Int) throws -> String {
        let answer = try RawHTTP.post("/api/mutation", port: admin, json: #"{"path":"files:generateUploadUrl","args":{}}"#)
        guard case .string(let url)? = try JSONReader.parse(answer.body)["value"], let path = URLComponents(string: url) else {
            throw RawHTTP.Failure.malformed(answer.text)
        }
        return path.percentEncodedPath + (path.percentEncodedQuery.map { "?" + $0 } ?? "")
    }
}
