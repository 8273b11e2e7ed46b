import Dispatch
import EventHTTP
import Foundation
@testable import MockConvex
import Testing
import TestSupport

/// Issue 12 point 6 at the moments the kill -9 loop (EndToEndTests/ResetAndJobCrashTests) only
/// reaches by chance: a reset that lands between a scheduled mutation's run and the commit of
/// its outcome, in either order, on a real data directory. The writer is held (a slow disk) so
/// that the job's outcome and the reset wait in its queue in the order chosen here; readers,
/// and the data directory read back by a restart, must then hold a job with its mark or neither,
/// and nothing the reset cleared.
@Suite(.timeLimit(.minutes(1))) struct JobResetInterleavingTests {
    static let config = """
        {"functions": {"marks:add": {"type": "mutation", "insert": "marks"}},
         "documents": {"notes": [{"seed": 1}]}}
        """

    @Test func aResetQueuedAroundAJobsOutcomeLeavesNeitherHalf() throws {
        try Self.withDirectory { path in
            do {
                let deployment = try Self.deployment(at: path)
                defer { deployment.close() }
                let database = deployment.database
                // Pending until the test makes their time come, as a kill -9 leaves jobs.
                let first = try Self.schedule(deployment, key: "first")
                let second = try Self.schedule(deployment, key: "second")
                let release = try holdWriter(database)
                // Let the writer go on every path (before `close`, which waits for it).
                defer { release.signal() }
                func queued() -> Int { database.state.withLock { $0.queue.count } }

                // `first` runs: its mark and its success wait together behind the held writer.
                deployment.scheduler.arm(first, at: 0)
                #expect(Self.waitUntil { queued() == 1 }, "the first job's outcome never queued")
                // The reset lands after that outcome and before it is durable.
                let reset = Answer<Result<Void, PersistenceError>>()
                deployment.reset(reset.reply)
                #expect(Self.waitUntil { queued() == 2 }, "the reset never queued")
                // `second` runs after the reset, before the reset is durable: the state readers
                // see (where its run starts) still has it pending; the working state the reset
                // left has no such job, so nothing of it may be written.
                deployment.scheduler.arm(second, at: 0)
                #expect(Self.waitUntil { queued() == 3 }, "the second job's run never reached the database")
                // Readers meanwhile see the state before all three.
                #expect(database.read { [$0.job(first)?.state, $0.job(second)?.state] } == [.pending, .pending])
                #expect(database.read { $0.count("marks") } == 0)

                release.signal()
                switch reset.wait() {
                case .success?: break
                case let other: Issue.record("the reset was answered \(String(describing: other)) (nil: not within 10 s)")
                }
                #expect(Self.waitUntil { database.state.withLock { $0.queue.isEmpty && !$0.writerBusy } }, "the writer never finished")
                database.read { Self.expectReset($0, "after the reset") }
                #expect(deployment.scheduler.armedTimerCount == 0, "a cleared job kept its timer")
            }
            // What a restart (after a kill at this point) reads back from the data directory.
            let restarted = try Self.deployment(at: path)
            defer { restarted.close() }
            restarted.database.read { Self.expectReset($0, "after a restart") }
        }
    }

    /// What the reset leaves: its seed once, and no job or mark from before it.
    private static func expectReset(_ store: DocumentStore, _ context: String) {
        #expect(store.allJobs.isEmpty, "\(context): jobs \(store.allJobs.map { "\($0.id.encoded) \($0.state)" }) outlived the reset")
        #expect(store.count("marks") == 0, "\(context): \(store.count("marks")) marks outlived the reset")
        #expect(store.count("notes") == 1, "\(context): \(store.count("notes")) seed notes")
    }

    /// Schedules `marks:add` for `key` an hour from now; returns once the job is durable.
    private static func schedule(_ deployment: Deployment, key: String) throws -> DocumentId {
        let answer = Answer<Result<ScheduledJob, ConvexAPIError>>()
        let inAnHour = Date().timeIntervalSince1970 * 1000 + 3_600_000
        deployment.scheduleJob(try FunctionPath(parsing: "marks:add"), arguments: [.object(ConvexObject([("key", .string(key))]))],
                               at: inAnHour, answer.reply)
        return try #require(answer.wait()).get().id
    }

    private static func withDirectory(_ body: (String) throws -> Void) throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("mockconvex-jobreset-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try body(path)
    }

    private static func deployment(at path: String) throws -> Deployment {
        let settings = DeploymentSettings(instanceSecret: String(repeating: "ab", count: 32), adminKey: InProcess.adminKey)
        return try Deployment(settings: settings, config: try DeploymentConfig.parse(Array(Self.config.utf8)), directory: try DataDirectory(path: path))
    }


    /// Polls `condition` every 2 ms for at most `seconds`.
    private static func waitUntil(seconds: Double = 10, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(2_000)
        }
        return condition()
    }
}

/// A reply to wait for later, at most `seconds`.
private final class Answer<Value: Sendable>: Sendable {
    private let done = DispatchSemaphore(value: 0)
    private let value = Guarded<Value?>(nil)

    var reply: Reply<Value> {
        Reply(anywhere: { [done, value] answer in
            value.withLock { $0 = answer }
            done.signal()
        })
    }

    /// Nil if no answer came within `seconds`.
    func wait(seconds: Double = 10) -> Value? {
        guard done.wait(timeout: .now() + seconds) == .success else { return nil }
        return value.withLock { $0 }
    }
}
