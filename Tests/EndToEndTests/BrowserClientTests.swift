import Foundation
import Testing
import TestSupport

/// The official JS client 1.45.0 as an app runs it: in a real headless Chromium, on a page from
/// another origin than mockconvex's, over the browser's own WebSocket and fetch (so with its
/// `Origin`, its CORS preflights and its reading of the answers). The page's steps are in
/// Tests/Clients/browser; the journal then shows what the browser sent and what it got.
/// Everything runs in a network namespace of the test's own (BrowserPage says why).
@Suite(.timeLimit(.minutes(3))) struct BrowserClientTests {
    @Test func theClientInABrowserSubscribesMutatesAndPassesCORSFromAnotherOrigin() throws {
        let namespace = try NetworkNamespace()
        defer { namespace.remove() }
        let server = try MockConvexProcess(["--config", Fixtures.exampleConfig, "--port", "0", "--site-proxy-port", "0", "--port80-port", "0"],
                                           prefix: namespace.exec)
        defer { server.stop() }
        let admin = "http://127.0.0.1:\(try server.port("admin"))"
        let page = try BrowserPage(namespace, convexURL: admin)
        defer { page.stop() }
        #expect(page.origin != admin)

        func required(_ step: String) throws -> [String: Any] {
            try #require(page.step(step, timeout: 60), "no \(step) step:\n\(page.transcript)")
        }
        // ConvexClient over the socket.
        #expect((try required("initial")["value"] as? [Any])?.isEmpty == true)
        #expect((try required("mutation")["value"] as? String)?.hasPrefix("j57") == true)
        let update = try required("update")
        #expect(update["bodies"] as? [String] == ["over the socket"])
        #expect(update["connected"] as? Bool == true)
        // ConvexHttpClient over fetch; the standing subscription sees what it inserted.
        #expect(try required("httpQuery")["bodies"] as? [String] == ["over the socket"])
        #expect((try required("httpMutation")["value"] as? String)?.hasPrefix("j57") == true)
        #expect(try required("liveUpdate")["bodies"] as? [String] == ["over the socket", "over fetch"])
        // With `credentials: "include"` the browser also insists on allow-credentials.
        #expect(try required("credentialedQuery")["value"] as? String == "1.2.3")
        #expect(page.step("done") != nil, "\(page.transcript)")

        try checkHTTPJournal(namespace, admin: admin, origin: page.origin)
        try checkPreflightAndAnswerHeaders(namespace, admin: admin, origin: page.origin)
        try checkSyncJournal(namespace, admin: admin)
    }

    /// The upgrade and every preflight as the browser sent them, and the statuses they got.
    private func checkHTTPJournal(_ namespace: NetworkNamespace, admin: String, origin: String) throws {
        let entries = try journal(namespace, admin: admin, kind: "http").filter { ($0["path"] as? String)?.hasPrefix("/api/") == true }
        #expect(entries.map { "\($0["method"] ?? "") \($0["path"] ?? "") \($0["status"] ?? "")" } == [
            "GET /api/1.45.0/sync 101",
            "OPTIONS /api/query 200", "POST /api/query 200",
            "OPTIONS /api/mutation 200", "POST /api/mutation 200",
            // A preflight answered for one credentials mode is not reused for another.
            "OPTIONS /api/query 200", "POST /api/query 200",
        ])
        for entry in entries {
            #expect(header(entry, "Origin") == origin, "\(entry)")
        }
        let upgrade = try #require(entries.first)
        #expect(header(upgrade, "Upgrade") == "websocket")
        #expect(header(upgrade, "Sec-WebSocket-Version") == "13")
        #expect(header(upgrade, "User-Agent")?.contains("HeadlessChrome/") == true)
        for preflight in entries where preflight["method"] as? String == "OPTIONS" {
            #expect(header(preflight, "Access-Control-Request-Method") == "POST")
            #expect(header(preflight, "Access-Control-Request-Headers") == "content-type,convex-client")
        }
    }

    /// The journal keeps requests, not answers: the browser's preflight and call are sent again
    /// as it sent them, and the answers checked whole.
    private func checkPreflightAndAnswerHeaders(_ namespace: NetworkNamespace, admin: String, origin: String) throws {
        let preflight = try curl(namespace, ["-X", "OPTIONS", "-H", "Origin: \(origin)", "-H", "Access-Control-Request-Method: POST",
                                             "-H", "Access-Control-Request-Headers: content-type,convex-client", "\(admin)/api/query"])
        #expect(preflight.status == 200)
        #expect(preflight.headers.filter { $0.name != "Date" }.map { "\($0.name): \($0.value)" } == [
            "access-control-allow-credentials: true",
            "vary: origin, access-control-request-method, access-control-request-headers",
            "access-control-allow-methods: GET,POST,OPTIONS,PATCH,DELETE,PUT",
            "access-control-allow-headers: content-type,convex-client",
            "access-control-max-age: 86400",
            "access-control-allow-origin: \(origin)",
            "Content-Length: 0",
        ])
        #expect(preflight.body == "")

        let call = try curl(namespace, ["-H", "Origin: \(origin)", "-H", "Content-Type: application/json", "-H", "Convex-Client: npm-1.45.0",
                                        "--data", #"{"path":"app:version","format":"convex_encoded_json","args":[{}]}"#, "\(admin)/api/query"])
        #expect(call.status == 200)
        #expect(call.headers.filter { $0.name != "Date" }.map { "\($0.name): \($0.value)" } == [
            "content-type: application/json",
            "vary: origin, access-control-request-method, access-control-request-headers",
            "access-control-allow-credentials: true",
            "access-control-allow-origin: \(origin)",
            "Content-Length: 75",
        ])
        #expect(call.body == #"{"status":"success","value":"1.2.3","logLines":["[LOG] 'serving version'"]}"#)
    }

    /// One session's messages, in order: the client's Connect and query set, its mutation, and
    /// the Transitions for the query, the mutation and the insert made over fetch.
    private func checkSyncJournal(_ namespace: NetworkNamespace, admin: String) throws {
        // Keep-alive Pings come only after 15 s without a message; a slow machine may see one.
        let entries = try journal(namespace, admin: admin, kind: "sync").filter { $0["messageType"] as? String != "Ping" }
        #expect(entries.map { "\($0["direction"] ?? "") \($0["messageType"] ?? "")" } == [
            "in Connect", "in ModifyQuerySet", "out Transition",
            "in Mutation", "out MutationResponse", "out Transition",
            "out Transition",
        ])
        #expect(Set(entries.compactMap { $0["session"] as? Int }).count == 1)
        #expect(entries.allSatisfy { $0["path"] as? String == "/api/1.45.0/sync" && $0["listener"] as? String == "admin" })
        let previews = entries.map { $0["preview"] as? String ?? "" }
        #expect(previews.first?.contains(#""lastCloseReason":"InitialConnect""#) == true)
        #expect(previews.count == 7 && previews[3].contains(#""body":"over the socket""#), "\(previews)")
        #expect(previews.last?.contains(#""body":"over fetch""#) == true, "\(previews)")
    }

    /// `GET /_mock/requests?kind=KIND&listener=admin`, oldest first.
    private func journal(_ namespace: NetworkNamespace, admin: String, kind: String) throws -> [[String: Any]] {
        let answer = try curl(namespace, ["\(admin)/_mock/requests?kind=\(kind)&listener=admin"])
        #expect(answer.status == 200)
        let object = try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any]
        return try #require(object?["requests"] as? [[String: Any]], "\(answer.body)").reversed()
    }

    private func header(_ entry: [String: Any], _ name: String) -> String? {
        let headers = entry["headers"] as? [[String]] ?? []
        return headers.first { $0.first?.lowercased() == name.lowercased() }?.last
    }

    /// curl inside the namespace, where mockconvex listens: the status, the header fields in
    /// their order and spelling, and the body.
    private func curl(_ namespace: NetworkNamespace, _ arguments: [String]) throws -> (status: Int, headers: [(name: String, value: String)], body: String) {
        let result = try namespace.run(["curl", "-sS", "-i", "--max-time", "10"] + arguments)
        #expect(result.status == 0, "curl \(arguments): \(result.stderr)")
        let parts = result.stdout.components(separatedBy: "\r\n\r\n")
        let head = parts[0].components(separatedBy: "\r\n")
        let status = head[0].split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        let headers = head.dropFirst().compactMap { line -> (name: String, value: String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        return (status, headers, parts.dropFirst().joined(separator: "\r\n\r\n"))
    }
}
