import EventHTTP
@testable import MockConvex
import Testing

/// `/_mock/faults`: adding, listing and removing faults, what they match, how often they act
/// (always, N times, with a seeded probability), and each bad fault refused with its path.
@Suite(.timeLimit(.minutes(1))) struct ControlFaultTests {
    @Test func aFaultIsListedWithItsIdAndCounts() throws {
        let mock = try ControlInProcess()
        let added = try mock.call(.POST, "/_mock/faults", #"{"listener": "admin", "method": "get", "pathPrefix": "/api/storage/", "kind": "reset", "times": 2}"#)
        #expect(added.status == 201)
        #expect(added.headers == ["content-type": "application/json"])
        #expect(added.bodyText == #"{"id":1,"kind":"reset","listener":"admin","method":"GET","pathPrefix":"/api/storage/","times":2,"applied":0}"#)
        #expect(try mock.call(.GET, "/_mock/faults").bodyText
            == #"{"faults":[{"id":1,"kind":"reset","listener":"admin","method":"GET","pathPrefix":"/api/storage/","times":2,"applied":0}]}"#)
    }

    @Test func timesCountsDownAndTheFaultGoes() throws {
        let mock = try ControlInProcess()
        _ = try mock.call(.POST, "/_mock/faults", #"{"pathPrefix": "/api/storage/", "kind": "reset", "times": 2}"#)
        #expect(try mock.admin(.GET, "/api/storage/00000000-0000-0000-0000-000000000000") == .aborted(.reset))
        #expect(try mock.call(.GET, "/_mock/faults").bodyText == #"{"faults":[{"id":1,"kind":"reset","pathPrefix":"/api/storage/","times":1,"applied":1}]}"#)
        #expect(try mock.admin(.GET, "/api/storage/00000000-0000-0000-0000-000000000000") == .aborted(.reset))
        let third = try #require(try mock.admin(.GET, "/api/storage/00000000-0000-0000-0000-000000000000").response)
        #expect(third.status == 404)
        #expect(third.bodyText == #"{"code":"FileNotFound","message":"File 00000000-0000-0000-0000-000000000000 not found"}"#)
        #expect(try mock.call(.GET, "/_mock/faults").bodyText == #"{"faults":[]}"#)
    }

    @Test func aFaultMatchesOnlyItsListenerMethodAndPath() throws {
        let mock = try ControlInProcess()
        _ = try mock.call(.POST, "/_mock/faults", #"{"listener": "site", "method": "GET", "path": "/version", "kind": "status", "status": 503}"#)
        #expect(try mock.admin(.GET, "/version").response?.status == 200)
        #expect(try mock.site(.POST, "/version").response?.status == 405)
        #expect(try mock.site(.GET, "/version/").response?.status == 404)
        #expect(try mock.site(.GET, "/version").response?.status == 503)
        // HEAD is served by GET routes, and faults follow.
        #expect(try mock.site(.HEAD, "/version").response?.status == 503)
    }

    @Test func theFirstMatchingFaultActs() throws {
        let mock = try ControlInProcess()
        _ = try mock.call(.POST, "/_mock/faults", #"[{"path": "/version", "kind": "status", "status": 501}, {"kind": "status", "status": 502}]"#)
        #expect(try mock.admin(.GET, "/version").response?.status == 501)
        #expect(try mock.admin(.GET, "/other").response?.status == 502)
    }

    /// The decisions for 16 requests under probability 0.5, as 1 (fault) and 0 (none).
    private func decisions(_ mock: ControlInProcess, seed: Int) throws -> [Int] {
        _ = try mock.call(.DELETE, "/_mock/faults")
        _ = try mock.call(.POST, "/_mock/faults", #"{"path": "/version", "kind": "status", "status": 503, "probability": 0.5, "seed": \#(seed)}"#)
        return try (0..<16).map { _ in try mock.admin(.GET, "/version").response?.status == 503 ? 1 : 0 }
    }

    @Test func aSeededProbabilityRepeatsExactly() throws {
        let mock = try ControlInProcess()
        let first = try decisions(mock, seed: 7)
        #expect(try decisions(mock, seed: 7) == first)
        #expect(try decisions(mock, seed: 8) != first)
        // Neither always nor never.
        #expect(first.contains(0) && first.contains(1), "\(first)")
    }

    @Test func theAppliedCountFollowsTheDraws() throws {
        let mock = try ControlInProcess()
        let drawn = try decisions(mock, seed: 11)
        let listed = try mock.call(.GET, "/_mock/faults").json
        #expect(listed["faults"] == .array([.object([
            ("id", .number(1)), ("kind", .string("status")), ("path", .string("/version")), ("status", .number(503)),
            ("probability", .number(0.5)), ("seed", .number(11)), ("applied", .number(Double(drawn.reduce(0, +)))),
        ])]))
    }

    @Test func probabilityZeroNeverActsAndOneAlwaysDoes() throws {
        let mock = try ControlInProcess()
        _ = try mock.call(.POST, "/_mock/faults", #"[{"path": "/a", "kind": "status", "status": 503, "probability": 0}, {"path": "/b", "kind": "status", "status": 503, "probability": 1}]"#)
        for _ in 0..<20 {
            #expect(try mock.site(.GET, "/a").response?.status == 404)
            #expect(try mock.site(.GET, "/b").response?.status == 503)
        }
    }

    @Test func aProbabilityWithoutASeedGetsOneAndReportsIt() throws {
        let mock = try ControlInProcess()
        let added = try mock.call(.POST, "/_mock/faults", #"{"kind": "close", "probability": 0.25}"#).json
        guard case .number(let seed)? = added["seed"] else { Issue.record("no seed in \(added)"); return }
        #expect(seed >= 0 && seed <= Double(Int32.max) && seed == seed.rounded())
    }

    @Test func deletingOneOrAll() throws {
        let mock = try ControlInProcess()
        _ = try mock.call(.POST, "/_mock/faults", #"[{"path": "/a", "kind": "close"}, {"path": "/b", "kind": "close"}, {"path": "/c", "kind": "close"}]"#)
        #expect(try mock.call(.DELETE, "/_mock/faults/2").bodyText == #"{"removed":1}"#)
        let missing = try mock.call(.DELETE, "/_mock/faults/2")
        #expect(missing.status == 404)
        #expect(missing.bodyText == #"{"code":"UnknownFault","message":"There is no fault with id 2; GET /_mock/faults lists them"}"#)
        #expect(try mock.call(.DELETE, "/_mock/faults").bodyText == #"{"removed":2}"#)
        #expect(try mock.call(.GET, "/_mock/faults").bodyText == #"{"faults":[]}"#)
    }

    @Test(arguments: [
        (#"{"path": "/a"}"#, "$: missing \"kind\": one of delay, status, reset, close, garbage, slow, syncDrop, syncFatalError, syncDelay"),
        (#"{"kind": "explode"}"#, "$.kind: expected one of delay, status, reset, close, garbage, slow, syncDrop, syncFatalError, syncDelay, got \"explode\""),
        (#"{"kind": "reset", "ms": 5}"#, "$.ms: unknown key; expected one of listener, method, messageType, path, pathPrefix, kind, times, probability, seed"),
        (#"{"kind": "delay"}"#, "$: missing \"ms\""),
        (#"{"kind": "delay", "ms": -1}"#, "$.ms: expected an integer from 0 to 600000, got -1"),
        (#"{"kind": "status", "status": 99}"#, "$.status: expected an integer from 200 to 599, got 99"),
        (#"{"kind": "status"}"#, "$: missing \"status\""),
        (#"{"kind": "status", "status": 500, "headers": {"X": 1}}"#, "$.headers.X: expected a string, got a number"),
        (#"{"kind": "garbage", "text": ""}"#, "$.text: must not be empty; use the close kind for a close with nothing written"),
        (#"{"kind": "slow", "chunkBytes": 0}"#, "$.chunkBytes: expected an integer from 1 to 1048576, got 0"),
        (#"{"kind": "reset", "listener": "db"}"#, "$.listener: expected one of admin, site, port80, got \"db\""),
        (#"{"kind": "reset", "method": "FETCH"}"#, "$.method: expected one of GET, POST, HEAD, PUT, DELETE, OPTIONS, TRACE, CONNECT, PATCH, got \"FETCH\""),
        (#"{"kind": "reset", "path": "api"}"#, "$.path: must start with /, got \"api\""),
        (#"{"kind": "reset", "path": "/a", "pathPrefix": "/b"}"#, "$: give \"path\" (exact) or \"pathPrefix\", not both"),
        (#"{"kind": "reset", "times": 0}"#, "$.times: expected an integer from 1 to 1000000000, got 0"),
        (#"{"kind": "reset", "probability": 1.5}"#, "$.probability: expected a number from 0 to 1, got 1.5"),
        (#"{"kind": "reset", "seed": 1}"#, "$.seed: a seed only applies with a \"probability\""),
        (#"[{"kind": "reset"}, {"kind": "nope"}]"#, "$[1].kind: expected one of delay, status, reset, close, garbage, slow, syncDrop, syncFatalError, syncDelay, got \"nope\""),
        (#"[1]"#, "$[0]: expected an object, got a number"),
        (#"{"kind": "syncDrop", "code": 1005}"#, "$.code: a server may send only close codes 1000 to 1003, 1007 to 1014 or 3000 to 4999, got 1005"),
        (#"{"kind": "syncDrop", "code": 2000}"#, "$.code: a server may send only close codes 1000 to 1003, 1007 to 1014 or 3000 to 4999, got 2000"),
    ])
    func aBadFaultIsRefusedWithItsPath(body: String, message: String) throws {
        let mock = try ControlInProcess()
        let response = try mock.call(.POST, "/_mock/faults", body)
        #expect(response.status == 400)
        #expect(try response.json == .object([("code", .string("InvalidFault")), ("message", .string(message))]))
        // All or none: nothing was added.
        #expect(try mock.call(.GET, "/_mock/faults").bodyText == #"{"faults":[]}"#)
    }

    @Test func aBodyThatIsNotJSONIsRefused() throws {
        let response = try ControlInProcess().call(.POST, "/_mock/faults", "{")
        #expect(response.status == 400)
        #expect(try response.json["code"] == .string("BadJsonBody"))
    }

    @Test func configFaultsActFromTheStart() throws {
        let mock = try ControlInProcess(config: #"{"faults": [{"path": "/version", "kind": "status", "status": 500, "body": "down"}]}"#)
        let response = try #require(try mock.admin(.GET, "/version").response)
        #expect(response.status == 500)
        #expect(response.bodyText == "down")
    }

    @Test func aBadConfigFaultIsRefusedWithItsPath() {
        #expect(throws: ConfigError(JSONPath.root.key("faults").index(0).key("kind"), "expected one of delay, status, reset, close, garbage, slow, syncDrop, syncFatalError, syncDelay, got \"boom\"")) {
            try DeploymentConfig.parse(Array(#"{"faults": [{"kind": "boom"}]}"#.utf8))
        }
    }
}
