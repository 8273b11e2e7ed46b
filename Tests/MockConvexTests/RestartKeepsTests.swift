import Dispatch
import EventHTTP
import Foundation
@testable import MockConvex
import Testing

/// What a restart of a data directory keeps and what it lets go, and scheduled steps whose
/// commit failed: on a real data directory.
@Suite(.timeLimit(.minutes(1))) struct RestartKeepsTests {
    static let config = """
        {"functions": {"things:add": {"type": "mutation", "insert": "things"},
         "work:slow": {"type": "action", "returns": "done", "delayMs": 300}}}
        """

    private func withDirectory(_ body: (String) throws -> Void) throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("mockconvex-review-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try body(path)
    }

    private func deployment(at path: String) throws -> Deployment {
        let settings = DeploymentSettings(instanceSecret: String(repeating: "ab", count: 32), adminKey: InProcess.adminKey)
        return try Deployment(settings: settings, config: try DeploymentConfig.parse(Array(Self.config.utf8)), directory: try DataDirectory(path: path))
    }

    /// `things:add` as an action callback sends it: with a `mutationIdentifier`.
    private func addOnce(_ deployment: Deployment, identifier: String) throws -> Result<FunctionOutcome, ConvexAPIError> {
        let path = try FunctionPath(parsing: "things:add")
        let spec = try #require(deployment.function(path))
        return Reply<Result<FunctionOutcome, ConvexAPIError>>.wait { reply in
            deployment.run(spec, path: path, arguments: [.object(ConvexObject([("n", .float64(1))]))], identifier: identifier, reply)
        }
    }

    /// A Node action whose `runMutation` was committed but whose answer never arrived (kill -9
    /// between the commit and the answer, or a dropped connection and a restart) retries with
    /// the same `mutationIdentifier`, and its callback token is still valid after the restart.
    /// The backend records the outcome in the mutation's own transaction
    /// (`write_mutation_status`), so the retry gets the first outcome; here the outcomes live in
    /// memory only, and the retry inserts a second document.
    @Test func aMutationIdentifiedByACallbackRunsOnceAcrossARestart() throws {
        try withDirectory { path in
            let identifier = "\(UUIDText.random())/7"
            do {
                let first = try deployment(at: path)
                defer { first.close() }
                #expect(try addOnce(first, identifier: identifier).map { _ in true } == .success(true))
                // A retry while the process lives is answered from memory.
                _ = try addOnce(first, identifier: identifier)
                #expect(first.withStore { $0.count("things") } == 1)
            }
            let restarted = try deployment(at: path)
            defer { restarted.close() }
            _ = try addOnce(restarted, identifier: identifier)
            #expect(restarted.withStore { $0.count("things") } == 1, "the retry after a restart ran the mutation a second time")
        }
    }

    /// A `_storage` row that cannot be read is "left where it is, not loaded"
    /// (docs/storage-and-data-directory.md), but start-up deletes its blob as a leftover, so a
    /// version that can read the row again finds a file without its bytes.
    @Test func anUnreadableFileRowKeepsItsBytes() throws {
        try withDirectory { path in
            let uuid: String
            do {
                let first = try deployment(at: path)
                defer { first.close() }
                let stored = Reply<Result<StoredFile, ConvexAPIError>>.wait { reply in
                    first.files.upload(RequestBody(Array("precious bytes".utf8)), contentType: "text/plain", expectedSHA256: nil, reply)
                }
                uuid = try stored.get().uuid
            }
            #expect(FileManager.default.fileExists(atPath: "\(path)/blobs/\(uuid)"))
            do {
                // Damaged (or written by a version that stored the size differently).
                let directory = try DataDirectory(path: path)
                try directory.database.query("UPDATE files SET size = -1 WHERE uuid = ?", [.text(uuid)])
            }
            let restarted = try deployment(at: path)
            defer { restarted.close() }
            #expect(restarted.unreadableRows.contains { $0.hasPrefix("a file row") })
            #expect(FileManager.default.fileExists(atPath: "\(path)/blobs/\(uuid)"), "start-up deleted the bytes of a row it left in place")
        }
    }

    /// A scheduled action is marked in progress, then runs; if its completion cannot be made
    /// durable (a full disk, here a group that fails), `retryLater` is meant to try again a
    /// second later, but `runJob` only runs pending jobs, so the action stays `inProgress` for
    /// as long as the process lives: its outcome is lost and a client polling the job waits
    /// for ever.
    @Test func aScheduledActionWhoseCompletionFailedStillFinishes() throws {
        try withDirectory { path in
            let mock = try deployment(at: path)
            defer { mock.close() }
            let database = mock.database
            // A file whose UUID a later commit repeats: SQLite refuses that group (UNIQUE).
            var allocator = IdAllocator()
            let existing = StoredFile(id: allocator.next(tableNumber: TableNumbers.storage).id, uuid: UUIDText.random(), creationTime: 1,
                                      sha256: [UInt8](repeating: 0, count: 32), size: 0, contentType: nil)
            #expect((try? database.transactAndWait { _, _, _ in Change((), writes: [.insertFile(existing)]) }.get()) != nil)
            let slow = try FunctionPath(parsing: "work:slow")
            let scheduled = Reply<Result<ScheduledJob, ConvexAPIError>>.wait { reply in
                mock.scheduleJob(slow, arguments: [.object(ConvexObject())], at: 0, reply)
            }
            let id = try scheduled.get().id
            #expect(waitUntil { database.read { $0.job(id)?.state } == .inProgress })
            // Hold the writer, queue the clash, and let the action's completion queue behind it.
            let release = try holdWriter(database)
            let clash = StoredFile(id: allocator.next(tableNumber: TableNumbers.storage).id, uuid: existing.uuid, creationTime: 2,
                                   sha256: existing.sha256, size: 0, contentType: nil)
            database.transact(Reply(anywhere: { (_: Result<Committed<Void>, PersistenceError>) in })) { _, _, _ in
                Change((), writes: [.insertFile(clash)])
            }
            #expect(waitUntil { database.state.withLock { $0.queue.count } == 2 }, "the action's completion never queued")
            release.signal()
            #expect(waitUntil(seconds: 5) { database.read { $0.job(id)?.state.isFinished } == true },
                    "the action is still \(String(describing: database.read { $0.job(id)?.state })) 5 s after its completion failed")
        }
    }

    /// Polls `condition` every 2 ms for at most `seconds`.
    private func waitUntil(seconds: Double = 10, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(2_000)
        }
        return condition()
    }
}
