import Dispatch
import EventHTTP
import Foundation
@testable import MockConvex
import Testing
import TestSupport

/// The database core on a real data directory, without sockets: group commit, readers that
/// never wait for the writer, rollback of a group that cannot be made durable, the change feed
/// and the commit timestamp.
@Suite(.timeLimit(.minutes(2))) struct DatabaseTests {
    private static func withDatabase(_ body: (Database, String) throws -> Void) throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("mockconvex-db-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let database = try Database(contents: DataDirectory.Contents(), directory: try DataDirectory(path: path))
        defer { database.close() }
        try body(database, path)
    }

    /// A transaction inserting one document into `table`, numbered 10001.
    private static func insert(_ body: String, into table: String = "notes") -> Database.Body<DocumentId> {
        { store, _, allocator in
            var writes = store.declarations(for: [table])
            let number = store.tableNumbers.number(of: table) ?? TableNumbers.firstUserTable
            let (id, time) = allocator.next(tableNumber: number)
            writes.append(.insertDocument(table: table, Document(id: id, creationTime: time, fields: ConvexObject([("body", .string(body))]))))
            return Change(id, writes: writes)
        }
    }


    @Test func writersWaitingTogetherShareOneGroup() throws {
        try Self.withDatabase { database, _ in
            // The first commit wakes the writer; hold it so the next ones queue behind.
            let release = try holdWriter(database)
            let done = DispatchSemaphore(value: 0)
            let acknowledged = Guarded<[UInt64]>([])
            for index in 0..<20 {
                database.transact(Reply(anywhere: { (result: Result<Committed<DocumentId>, PersistenceError>) in
                    if case .success(let committed) = result { acknowledged.withLock { $0.append(committed.timestamp) } }
                    done.signal()
                }), Self.insert("note \(index)"))
            }
            #expect(acknowledged.withLock { $0.isEmpty }, "acknowledged before durable")
            release.signal()
            for _ in 0..<20 { #expect(done.wait(timeout: .now() + 10) == .success) }
            #expect(acknowledged.withLock { $0.count } == 20)
            #expect(acknowledged.withLock { $0 } == acknowledged.withLock { $0 }.sorted(), "answered out of commit order")
            let counts = try #require(database.writer).counts.withLock { $0 }
            #expect(counts.commits == 20)
            #expect(counts.groups == 1, "20 waiting commits took \(counts.groups) fsyncs")
            #expect(database.read { $0.count("notes") } == 20)
        }
    }

    @Test func readersNeverWaitForTheWriterButSeeOnlyWhatIsDurable() throws {
        try Self.withDatabase { database, _ in
            _ = try database.transactAndWait(Self.insert("durable")).get()
            let before = database.latestTimestamp
            let release = try holdWriter(database)
            let written = DispatchSemaphore(value: 0)
            database.transact(Reply(anywhere: { (_: Result<Committed<DocumentId>, PersistenceError>) in written.signal() }), Self.insert("pending"))
            // While the writer is held: reads answer at once, from the durable state.
            #expect(database.read { $0.list("notes").map { $0.fields["body"] } } == [.string("durable")])
            #expect(database.snapshot().store.count("notes") == 1)
            #expect(database.latestTimestamp == before)
            // A read-only transaction may have read the pending commit: it waits for it.
            let readOnly = DispatchSemaphore(value: 0)
            let seen = Guarded(0)
            database.transact(Reply(anywhere: { (result: Result<Committed<Int>, PersistenceError>) in
                if case .success(let committed) = result { seen.withLock { $0 = committed.value } }
                readOnly.signal()
            })) { store, _, _ in Change(store.count("notes")) }
            #expect(readOnly.wait(timeout: .now() + 0.2) == .timedOut, "answered before what it read was durable")
            release.signal()
            #expect(written.wait(timeout: .now() + 10) == .success)
            #expect(readOnly.wait(timeout: .now() + 10) == .success)
            #expect(seen.withLock { $0 } == 2)
            #expect(database.read { $0.count("notes") } == 2)
            #expect(database.latestTimestamp > before)
        }
    }

    @Test func aGroupThatCannotBeMadeDurableFailsWithEverythingAfterIt() throws {
        try Self.withDatabase { database, _ in
            let existing = StoredFile(id: try DocumentId(decoding: "kg27rxfv99gzp01wmph0gvt92d6hnvy6"), uuid: "6ba7b810-9dad-11d1-80b4-00c04fd430c8",
                                      creationTime: 1, sha256: [UInt8](repeating: 0, count: 32), size: 0, contentType: nil)
            #expect((try? database.transactAndWait { _, _, _ in Change((), writes: [.insertFile(existing)]) }.get()) != nil)
            let release = try holdWriter(database)
            let results = Guarded<[String]>([])
            let done = DispatchSemaphore(value: 0)
            func record(_ name: String) -> Reply<Result<Committed<DocumentId>, PersistenceError>> {
                Reply(anywhere: { result in
                    results.withLock { $0.append("\(name) \((try? result.get()) == nil ? "failed" : "ok")") }
                    done.signal()
                })
            }
            // The same UUID again: SQLite's UNIQUE constraint refuses the group.
            var allocator = IdAllocator()
            let clash = StoredFile(id: allocator.next(tableNumber: TableNumbers.storage).id, uuid: existing.uuid, creationTime: 2,
                                   sha256: existing.sha256, size: 0, contentType: nil)
            database.transact(record("clash")) { _, _, allocator in Change(allocator.next(tableNumber: 10001).id, writes: [.insertFile(clash)]) }
            database.transact(record("after"), Self.insert("after the clash"))
            release.signal()
            for _ in 0..<2 { #expect(done.wait(timeout: .now() + 10) == .success) }
            #expect(results.withLock { $0 } == ["clash failed", "after failed"])
            // Nothing of them stayed, for readers or for the next transaction.
            #expect(database.read { $0.count("notes") } == 0)
            #expect(try database.transactAndWait { store, _, _ in Change(store.count("notes") + store.allFiles.count) }.get().value == 1)
            #expect((try? database.transactAndWait(Self.insert("later")).get()) != nil)
            #expect(database.read { $0.count("notes") } == 1)
        }
    }

    @Test func theFeedAnnouncesEachDurableCommitInOrder() throws {
        try Self.withDatabase { database, _ in
            let records = Guarded<[CommitRecord]>([])
            database.feed.subscribe { record in records.withLock { $0.append(record) } }
            let first = try database.transactAndWait(Self.insert("a")).get()
            let second = try database.transactAndWait(Self.insert("b", into: "other")).get()
            _ = database.transactAndWait { _, _, _ in Change(()) }
            let seen = records.withLock { $0 }
            #expect(seen.map(\.timestamp) == [first.timestamp, second.timestamp])
            #expect(seen.first?.tables == ["notes"])
            #expect(seen.first?.documentIds == [first.value])
            #expect(seen.last?.tables == ["other"])
            #expect(first.timestamp < second.timestamp)
        }
    }

    @Test func timestampsKeepGrowingAcrossARestartEvenWhenTheClockWentBack() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("mockconvex-db-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        // The last commit before the restart happened an hour "later" than now: the clock went back.
        let ahead = Database.nowNanoseconds() + 3_600_000_000_000
        do {
            let directory = try DataDirectory(path: path)
            try directory.database.setMeta("latest_ts", String(ahead))
        }
        let directory = try DataDirectory(path: path)
        let contents = try directory.load()
        #expect(contents.latestTimestamp == ahead)
        let database = try Database(contents: contents, directory: directory)
        defer { database.close() }
        #expect(database.latestTimestamp == ahead)
        let committed = try database.transactAndWait(Self.insert("x")).get().timestamp
        #expect(committed == ahead + 1)
    }
}
