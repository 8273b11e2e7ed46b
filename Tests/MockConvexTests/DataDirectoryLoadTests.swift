import EventHTTP
import Foundation
@testable import MockConvex
import Testing

/// A data directory written by an older version, or damaged, still starts: rows are loaded
/// without the limits client input is held to, rows that cannot be read are left out and
/// named, and jobs at times no timer could hold stay pending.
@Suite(.timeLimit(.minutes(1))) struct DataDirectoryLoadTests {
    static let config = """
        {"functions": {"things:list": {"type": "query", "list": "things"},
         "things:add": {"type": "mutation", "insert": "things"},
         "jobs:list": {"type": "query", "list": "_scheduled_functions"}}}
        """

    private func withDirectory(_ body: (String) throws -> Void) throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("mockconvex-load-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try body(path)
    }

    private func deployment(at path: String) throws -> Deployment {
        let settings = DeploymentSettings(instanceSecret: String(repeating: "ab", count: 32), adminKey: InProcess.adminKey)
        return try Deployment(settings: settings, config: try DeploymentConfig.parse(Array(Self.config.utf8)), directory: try DataDirectory(path: path))
    }

    @Test func rowsAnOlderVersionWroteLoadAndDamagedOnesAreLeftOut() throws {
        try withDirectory { path in
            do {
                let first = try deployment(at: path)
                first.close()
            }
            do {
                let directory = try DataDirectory(path: path)
                var allocator = IdAllocator()
                let wide = (0..<1100).map { (key: "f\($0)", value: JSON.number(1)) }
                let (wideId, wideTime) = allocator.next(tableNumber: 10001)
                try directory.database.query("INSERT INTO documents (id, table_name, creation_time, fields) VALUES (?, 'things', ?, ?)",
                                             [.text(wideId.encoded), .real(wideTime), .blob(JSON.object(wide).serialized)])
                let (brokenId, brokenTime) = allocator.next(tableNumber: 10001)
                try directory.database.query("INSERT INTO documents (id, table_name, creation_time, fields) VALUES (?, 'things', ?, ?)",
                                             [.text(brokenId.encoded), .real(brokenTime), .blob(Array("{not json".utf8))])
                // Jobs from before times were checked: centuries away, and never.
                let (farId, farTime) = allocator.next(tableNumber: TableNumbers.scheduledFunctions)
                let (nanId, nanTime) = allocator.next(tableNumber: TableNumbers.scheduledFunctions)
                for (id, time, scheduled) in [(farId, farTime, SQLiteValue.real(1e303)), (nanId, nanTime, .real(.infinity))] {
                    try directory.database.query(
                        "INSERT INTO scheduled_jobs (id, creation_time, path, args, scheduled_time, state) VALUES (?, ?, 'things.js:add', ?, ?, 'pending')",
                        [.text(id.encoded), .real(time), .blob(Array("[{}]".utf8)), scheduled])
                }
                try directory.database.query("INSERT INTO scheduled_jobs (id, creation_time, path, args, scheduled_time, state) VALUES ('nope', 1, '', x'00', 1, 'pending')")
                try directory.database.query("INSERT INTO tables (name, number) VALUES ('negative', -1)")
            }
            let reopened = try deployment(at: path)
            defer { reopened.close() }
            #expect(reopened.unreadableRows.count == 3)
            #expect(reopened.unreadableRows.contains { $0.hasPrefix("a document row") })
            #expect(reopened.unreadableRows.contains { $0.hasPrefix("a scheduled function row (id nope)") })
            #expect(reopened.unreadableRows.contains { $0.hasPrefix("a table number row (negative, -1)") })
            let things = reopened.withStore { $0.list("things") }
            #expect(things.map(\.fields.count) == [1100])
            let jobs = reopened.withStore { $0.allJobs }
            #expect(jobs.map(\.state) == [.pending, .pending])
            #expect(jobs.first?.scheduledTime == 1e303)
            #expect(jobs.last?.scheduledTime == .infinity)
            // And it serves: a new write commits next to the old rows.
            let add = try FunctionPath(parsing: "things:add")
            let spec = try #require(reopened.function(add))
            let added = Reply<Result<FunctionOutcome, ConvexAPIError>>.wait { reply in
                reopened.run(spec, path: add, arguments: [.object(ConvexObject([("n", .float64(1))]))], reply)
            }
            #expect(try added.get().result.map { _ in true } == .success(true))
            #expect(reopened.withStore { $0.count("things") } == 2)
        }
    }
}
