import Foundation
import Testing
import TestSupport

/// The real binary for the sync wire tests: the example config plus queries that fail (with and
/// without ConvexError data) and a table for large documents, with an admin key; and a
/// bystander session that must still be served after whatever a test did to the server, and
/// the server's descriptor count, which must come back to where it was.
final class SyncWireServer {
    static let adminKey = "convex-self-hosted|01" + String(repeating: "ab", count: 36)
    /// Small enough that an oversized message is cheap to send.
    static let maxMessageBytes = 65536

    static let config = """
        {
          "functions": {
            "messages:send":   {"type": "mutation", "insert": "messages"},
            "messages:list":   {"type": "query", "list": "messages"},
            "messages:edit":   {"type": "mutation", "patch": "messages"},
            "app:version":     {"type": "query", "returns": "1.2.3", "logs": ["serving version"]},
            "app:echo":        {"type": "action", "echo": true},
            "app:slow":        {"type": "action", "echo": true, "delayMs": 300},
            "app:fail":        {"type": "mutation", "throws": {"message": "boom", "data": {"code": 42}}},
            "app:failAction":  {"type": "action", "throws": "action boom"},
            "app:boom":        {"type": "query", "throws": "boom"},
            "app:refuse":      {"type": "query", "throws": {"message": "refused", "data": {"why": "test"}}},
            "app:secret":      {"type": "query", "visibility": "internal", "returns": "s3cret"},
            "big:add":         {"type": "mutation", "insert": "big"},
            "big:edit":        {"type": "mutation", "patch": "big"},
            "big:list":        {"type": "query", "list": "big"}
          },
          "documents": {"messages": [{"body": "seeded", "author": "ada"}]}
        }
        """

    let server: MockConvexProcess
    let admin: Int
    private let configFile: String
    private var bystander: SyncWireClient?
    private var bystanderQueries = 0
    private(set) var baseline = 0

    /// `extraArguments` go after the usual ones (`--journal-size`, `--threads`, ...).
    init(extraArguments: [String] = []) throws {
        configFile = try Fixtures.temporaryFile(Self.config)
        do {
            server = try MockConvexProcess([
                "--config", configFile, "--port", "0", "--site-proxy-port", "0", "--port80-port", "0",
                "--admin-key", Self.adminKey, "--max-body-bytes", String(Self.maxMessageBytes),
            ] + extraArguments)
            admin = try server.port("admin")
        } catch {
            try? FileManager.default.removeItem(atPath: configFile)
            throw error
        }
    }

    deinit {
        server.stop()
        try? FileManager.default.removeItem(atPath: configFile)
    }

    func port(_ listener: String) throws -> Int { try server.port(listener) }

    /// A new session on the admin listener.
    func client(path: String = "/api/sync", headers: [(String, String)] = []) throws -> SyncWireClient {
        try SyncWireClient(port: admin, path: path, headers: headers)
    }

    /// Opens the bystander and takes the descriptor baseline with it open.
    func startBystander() throws {
        let client = try client()
        try client.send(SyncWireClient.connect())
        bystander = client
        try expectBystanderServed()
        baseline = try #require(server.openDescriptors)
    }

    /// The bystander adds one more query and gets its Transition, answered at once.
    func expectBystanderServed(sourceLocation: SourceLocation = #_sourceLocation) throws {
        let client = try #require(bystander)
        let base = bystanderQueries
        try client.send(SyncWireClient.addQuery(base: base, queryId: base, path: "app:version"))
        bystanderQueries += 1
        // Quiet through a long test, it may have been sent a JSON Ping meanwhile.
        try client.expectText(Wire.transition(from: (base, 0, Wire.ts), to: (base + 1, 0, Wire.ts),
                                              Wire.updated(base, #""1.2.3""#, logLines: #""[LOG] 'serving version'""#)),
                              skippingPings: true, sourceLocation: sourceLocation)
    }

    /// The bystander is served and the server holds no more descriptors than at the baseline.
    func expectStillServing(after name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        try expectBystanderServed(sourceLocation: sourceLocation)
        let descriptors = server.waitForDescriptors(atMost: baseline, timeout: 10)
        #expect(descriptors == baseline, "\(name): the server holds \(descriptors ?? -1) descriptors, \(baseline) before",
                sourceLocation: sourceLocation)
    }

    /// A control-API or function call on the admin listener; its status and body text.
    func call(_ method: String, _ target: String, json: String? = nil) throws -> RawHTTP.Response {
        try RawHTTP.send(method, target, port: admin, headers: json == nil ? [] : [("Content-Type", "application/json")],
                         body: json.map { Array($0.utf8) } ?? [])
    }

    /// The server's resident memory in KiB, from /proc.
    var residentKiB: Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(server.process.processIdentifier)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return nil }
        return line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap { Int($0) }
    }
}
