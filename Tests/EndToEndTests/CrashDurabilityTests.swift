import Crypto
import Foundation
@testable import MockConvex
import Testing
import TestSupport

/// kill -9 at random moments while four clients insert, upload and delete with `--data-dir`:
/// after every restart each acknowledged write is there (or, for a delete, gone), blobs are
/// intact, and no half-written blob is left. The moments come from a seed, printed, that
/// `MOCKCONVEX_CRASH_SEED` replays.
@Suite(.timeLimit(.minutes(3))) struct CrashDurabilityTests {
    static let rounds = 12
    static let writers = 4

    static let config = #"""
        {
          "functions": {
            "files:generateUploadUrl": {"type": "mutation", "storage": "generateUploadUrl"},
            "files:getUrl": {"type": "query", "storage": "getUrl"},
            "files:remove": {"type": "mutation", "storage": "delete"},
            "files:list": {"type": "query", "list": "_storage"},
            "messages:send": {"type": "mutation", "insert": "messages"},
            "messages:list": {"type": "query", "list": "messages"},
            "messages:remove": {"type": "mutation", "delete": "messages"}
          }
        }
        """#

    @Test func acknowledgedWritesSurviveKillsAtRandomMoments() throws {
        let seed = ProcessInfo.processInfo.environment["MOCKCONVEX_CRASH_SEED"].flatMap { UInt64($0) } ?? UInt64.random(in: 0...UInt64(UInt32.max))
        var random = SeededGenerator(seed: seed)
        let config = try Fixtures.temporaryFile(Self.config)
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let arguments = ["--port", "0", "--site-proxy-port", "0", "--no-port80", "--config", config, "--data-dir", directory, "--log-level", "warning"]
        let ledger = Guarded(WriteLedger())
        var checks = 0

        for round in 0..<Self.rounds {
            let server = try MockConvexProcess(arguments)
            let client = try StorageClient(port: try server.port("admin"))
            checks += try Self.verify(ledger.withLock { $0 }, client: client, directory: directory, context: "seed \(seed), before round \(round)")
            let uploadURL = try client.uploadURL()
            let stop = Guarded(false)
            let threads = (0..<Self.writers).map { writer in
                Thread {
                    var sequence = 0
                    while !stop.withLock({ $0 }) && sequence < 2000 {
                        sequence += 1
                        Self.write(round: round, writer: writer, sequence: sequence, client: client, uploadURL: uploadURL, ledger: ledger)
                    }
                }
            }
            // The moment: after a random number of this round's acknowledgements, plus up to
            // 5 ms, with the four writers mid-request.
            let acknowledgements = Int.random(in: 0...60, using: &random)
            let extra = UInt32.random(in: 0...5000, using: &random)
            let before = ledger.withLock { $0.acknowledged }
            threads.forEach { $0.start() }
            let deadline = Date().addingTimeInterval(60)
            while ledger.withLock({ $0.acknowledged }) < before + acknowledgements && Date() < deadline {
                usleep(500)
            }
            usleep(extra)
            kill(server.process.processIdentifier, SIGKILL)
            #expect(server.waitUntilDead(timeout: 30), "the server outlived SIGKILL")
            stop.withLock { $0 = true }
            let finished = Date().addingTimeInterval(30)
            while threads.contains(where: { !$0.isFinished }) && Date() < finished { usleep(1_000) }
            #expect(!threads.contains { !$0.isFinished }, "writers still running after the kill")
        }

        let server = try MockConvexProcess(arguments)
        defer { server.stop() }
        let final = ledger.withLock { $0 }
        checks += try Self.verify(final, client: try StorageClient(port: try server.port("admin")), directory: directory, context: "seed \(seed), at the end")
        #expect(final.acknowledged >= Self.rounds * 10, "too few writes acknowledged to mean anything")
        print("crash loop: \(Self.rounds) kills (seed \(seed)), \(final.acknowledged) writes acknowledged, \(checks) checks of them after \(Self.rounds) restarts")
    }

    /// One write of the mix: insert, upload, delete a message, delete a file.
    private static func write(round: Int, writer: Int, sequence: Int, client: StorageClient, uploadURL: String, ledger: Guarded<WriteLedger>) {
        let name = "r\(round)-w\(writer)-\(sequence)"
        switch sequence % 6 {
        case 0, 3:
            if let id = try? client.sendMessage(name) { ledger.withLock { $0.inserted(id, body: name) } }
        case 1, 4:
            let digest = SHA256.hash(data: Array(name.utf8))
            let bytes = [UInt8](repeating: UInt8(sequence & 0xFF), count: 1000 + sequence * 37) + Array(digest)
            if let id = try? client.upload(bytes, contentType: "application/x-\(writer)", to: uploadURL) {
                ledger.withLock { $0.uploaded(id, bytes: bytes) }
            }
        case 2:
            guard let id = ledger.withLock({ $0.beginDeletingMessage() }) else { return }
            let done = (try? client.call("mutation", "messages:remove", #"{"id":"\#(id)"}"#)) != nil
            ledger.withLock { $0.endDeletingMessage(id, acknowledged: done) }
        default:
            guard let id = ledger.withLock({ $0.beginDeletingFile() }) else { return }
            let done = (try? client.remove(id)) != nil
            ledger.withLock { $0.endDeletingFile(id, acknowledged: done) }
        }
    }

    /// Checks every acknowledged write against the restarted server and the data directory;
    /// returns how many were checked.
    private static func verify(_ ledger: WriteLedger, client: StorageClient, directory: String, context: String) throws -> Int {
        let stored = try client.messageBodies()
        for (id, body) in ledger.messages {
            #expect(stored[id] == body, "\(context): acknowledged message \(id) is \(stored[id] ?? "missing")")
        }
        for id in ledger.deletedMessages { #expect(stored[id] == nil, "\(context): deleted message \(id) is back") }
        for (id, bytes) in ledger.files {
            let download = try RawHTTP.get(try client.downloadPath(id), port: client.port)
            #expect(download.status == 200 && download.body == bytes, "\(context): file \(id) is not intact")
        }
        guard case .array(let rows) = try client.call("query", "files:list", "{}") else {
            Issue.record("\(context): no _storage list")
            return 0
        }
        let listed = Set(rows.compactMap { row -> String? in if case .string(let id)? = row["_id"] { id } else { nil } })
        for id in ledger.deletedFiles { #expect(!listed.contains(id), "\(context): deleted file \(id) is back") }
        // No upload was left half-written, and every blob belongs to a row.
        let blobs = try FileManager.default.contentsOfDirectory(atPath: directory + "/blobs").filter { $0 != "tmp" }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory + "/blobs/tmp").isEmpty, "\(context): a temporary blob was left")
        #expect(blobs.count == rows.count, "\(context): \(blobs.count) blobs for \(rows.count) rows")
        return ledger.messages.count + ledger.files.count + ledger.deletedMessages.count + ledger.deletedFiles.count
    }
}

/// What the clients were told. A write whose answer never came (the kill) is in doubt: it may
/// or may not have happened, so it is not checked either way.
struct WriteLedger {
    private(set) var messages: [String: String] = [:]
    private(set) var files: [String: [UInt8]] = [:]
    private(set) var deletedMessages: Set<String> = []
    private(set) var deletedFiles: Set<String> = []
    private(set) var acknowledged = 0

    mutating func inserted(_ id: String, body: String) {
        messages[id] = body
        acknowledged += 1
    }

    mutating func uploaded(_ id: String, bytes: [UInt8]) {
        files[id] = bytes
        acknowledged += 1
    }

    /// Takes a message out of the checked set while its delete is in flight, so no other
    /// writer picks it.
    mutating func beginDeletingMessage() -> String? {
        guard let id = messages.keys.min() else { return nil }
        messages[id] = nil
        return id
    }

    mutating func endDeletingMessage(_ id: String, acknowledged done: Bool) {
        guard done else { return }
        deletedMessages.insert(id)
        acknowledged += 1
    }

    mutating func beginDeletingFile() -> String? {
        guard let id = files.keys.min() else { return nil }
        files[id] = nil
        return id
    }

    mutating func endDeletingFile(_ id: String, acknowledged done: Bool) {
        guard done else { return }
        deletedFiles.insert(id)
        acknowledged += 1
    }
}
