import Foundation
@testable import MockConvex
import Testing
import TestSupport

/// kill -9 at random moments while one client resets the deployment and adds notes between
/// resets, and another schedules mutations that each insert a mark named after their job. After
/// every restart: the seeds are there exactly once (a reset is never half done), the notes are
/// those of before or after the last reset in doubt, and no scheduled mutation has run twice;
/// at the end every job that survived has run exactly once. The seed is printed and
/// `MOCKCONVEX_CRASH_SEED` replays it.
@Suite(.timeLimit(.minutes(10))) struct ResetAndJobCrashTests {
    static let rounds = 10
    static let seedNotes = 3

    static func config(seedFile: String) -> String {
        #"""
        {
          "functions": {
            "marks:add": {"type": "mutation", "insert": "marks"},
            "marks:list": {"type": "query", "list": "marks"},
            "marks:later": {"type": "mutation", "schedule": {"function": "marks:add", "delayMs": 0}},
            "jobs:list": {"type": "query", "list": "_scheduled_functions"},
            "notes:add": {"type": "mutation", "insert": "notes"},
            "notes:list": {"type": "query", "list": "notes"},
            "files:list": {"type": "query", "list": "_storage"}
          },
          "documents": {"notes": [{"seed": 1}, {"seed": 2}, {"seed": 3}]},
          "files": [{"path": "\#(seedFile)", "contentType": "text/plain"}]
        }
        """#
    }

    /// What the reset-and-notes client was told, in its order.
    struct NotesLedger {
        /// Notes acknowledged since the last acknowledged reset.
        var sinceReset: Set<String> = []
        /// A reset sent and not answered (the kill came first): it may or may not have happened.
        var resetInDoubt: Set<String>?
        var resets = 0
    }

    @Test func resetsAreWholeAndScheduledMutationsRunOnceAcrossKills() throws {
        let seed = ProcessInfo.processInfo.environment["MOCKCONVEX_CRASH_SEED"].flatMap { UInt64($0) } ?? UInt64.random(in: 0...UInt64(UInt32.max))
        var random = SeededGenerator(seed: seed)
        let seedFile = try Fixtures.temporaryFile("the seed file\n", suffix: ".txt")
        let config = try Fixtures.temporaryFile(Self.config(seedFile: seedFile))
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let arguments = ["--port", "0", "--site-proxy-port", "0", "--no-port80", "--config", config, "--data-dir", directory, "--log-level", "warning"]
        let notes = Guarded(NotesLedger())
        var scheduled = 0
        var checks = 0

        for round in 0..<Self.rounds {
            let server = try MockConvexProcess(arguments)
            let client = try StorageClient(port: try server.port("admin"))
            let verified = try Self.verify(notes.withLock { $0 }, client: client, context: "seed \(seed), before round \(round)")
            checks += verified.checks
            // The reset in doubt is settled now: what is left of its notes is what it left.
            notes.withLock { ledger in
                if ledger.resetInDoubt != nil { ledger.sinceReset.formIntersection(verified.notes) }
                ledger.resetInDoubt = nil
            }
            let stop = Guarded(false)
            let resetter = Thread {
                var sequence = 0
                while !stop.withLock({ $0 }) && sequence < 400 {
                    sequence += 1
                    if sequence % 7 == 0 {
                        notes.withLock { $0.resetInDoubt = $0.sinceReset }
                        if let reset = try? RawHTTP.send("POST", "/_mock/reset", port: client.port), reset.status == 200 {
                            notes.withLock { $0 = NotesLedger(sinceReset: [], resetInDoubt: nil, resets: $0.resets + 1) }
                        } else {
                            return
                        }
                    } else if case .string? = try? client.call("mutation", "notes:add", #"{"body":"r\#(round)-\#(sequence)"}"#) {
                        notes.withLock { _ = $0.sinceReset.insert("r\(round)-\(sequence)") }
                    }
                }
            }
            let scheduledThisRound = Guarded(0)
            let scheduler = Thread {
                var sequence = 0
                while !stop.withLock({ $0 }) && sequence < 400 {
                    sequence += 1
                    if (try? client.call("mutation", "marks:later", #"{"key":"r\#(round)-\#(sequence)"}"#)) != nil {
                        scheduledThisRound.withLock { $0 += 1 }
                    }
                }
            }
            resetter.start()
            scheduler.start()
            // The moment: after a random number of scheduled jobs, plus up to 5 ms.
            let wanted = Int.random(in: 0...40, using: &random)
            let extra = UInt32.random(in: 0...5000, using: &random)
            let deadline = Date().addingTimeInterval(60)
            while scheduledThisRound.withLock({ $0 }) < wanted && Date() < deadline { usleep(500) }
            usleep(extra)
            kill(server.process.processIdentifier, SIGKILL)
            #expect(server.waitUntilDead(timeout: 30), "the server outlived SIGKILL")
            stop.withLock { $0 = true }
            let finished = Date().addingTimeInterval(30)
            while (!resetter.isFinished || !scheduler.isFinished) && Date() < finished { usleep(1_000) }
            #expect(resetter.isFinished && scheduler.isFinished, "clients still running after the kill")
            scheduled += scheduledThisRound.withLock { $0 }
        }

        let server = try MockConvexProcess(arguments)
        defer { server.stop() }
        let client = try StorageClient(port: try server.port("admin"))
        checks += try Self.verify(notes.withLock { $0 }, client: client, context: "seed \(seed), at the end").checks
        // Every job left runs, once.
        let deadline = Date().addingTimeInterval(30)
        var jobs = try Self.jobs(client)
        while jobs.contains(where: { $0.state != "success" }) && Date() < deadline {
            usleep(10_000)
            jobs = try Self.jobs(client)
        }
        #expect(jobs.allSatisfy { $0.state == "success" }, "jobs never finished: \(jobs.filter { $0.state != "success" })")
        let marks = try Self.marks(client)
        for job in jobs { #expect(marks[job.key] == 1, "seed \(seed): job \(job.key) ran \(marks[job.key] ?? 0) times") }
        #expect(scheduled >= Self.rounds, "too few jobs scheduled to mean anything")
        print("reset and job crash loop: \(Self.rounds) kills (seed \(seed)), \(scheduled) jobs scheduled, \(notes.withLock { $0.resets }) resets acknowledged, \(checks) checks")
    }

    /// The invariants that must hold after any kill; returns how many facts were checked, and
    /// the notes (other than seeds) there are.
    private static func verify(_ ledger: NotesLedger, client: StorageClient, context: String) throws -> (checks: Int, notes: Set<String>) {
        guard case .array(let rows) = try client.call("query", "notes:list", "{}") else {
            Issue.record("\(context): no notes")
            return (0, [])
        }
        let seeds = rows.filter { $0["seed"] != nil }
        #expect(seeds.count == seedNotes, "\(context): \(seeds.count) seed notes: a reset was half done")
        guard case .array(let files) = try client.call("query", "files:list", "{}") else { return (0, []) }
        #expect(files.count == 1, "\(context): \(files.count) seed files")
        let bodies = Set(rows.compactMap { row -> String? in if case .string(let body)? = row["body"] { body } else { nil } })
        if let inDoubt = ledger.resetInDoubt {
            // The reset happened (nothing since it) or it did not (everything acknowledged before it).
            #expect(bodies.isEmpty || inDoubt.isSubset(of: bodies), "\(context): notes \(inDoubt.subtracting(bodies)) lost without a reset")
        } else {
            #expect(ledger.sinceReset.isSubset(of: bodies), "\(context): acknowledged notes \(ledger.sinceReset.subtracting(bodies)) lost")
        }
        let marks = try marks(client)
        for (key, count) in marks { #expect(count == 1, "\(context): job \(key) ran \(count) times") }
        for job in try jobs(client) where job.state == "success" {
            #expect(marks[job.key] == 1, "\(context): job \(job.key) succeeded without its mark")
        }
        return (rows.count + marks.count + 2, bodies)
    }

    private static func marks(_ client: StorageClient) throws -> [String: Int] {
        guard case .array(let rows) = try client.call("query", "marks:list", "{}") else { return [:] }
        var counts: [String: Int] = [:]
        for row in rows { if case .string(let key)? = row["key"] { counts[key, default: 0] += 1 } }
        return counts
    }

    private static func jobs(_ client: StorageClient) throws -> [(key: String, state: String)] {
        guard case .array(let rows) = try client.call("query", "jobs:list", "{}") else { return [] }
        return rows.compactMap { row in
            guard case .array(let args)? = row["args"], case .string(let key)? = args.first?["key"],
                  case .string(let state)? = row["state"]?["kind"] else { return nil }
            return (key, state)
        }
    }
}
