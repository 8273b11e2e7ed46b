#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `--data-dir`: documents, `_storage` rows and table numbers in SQLite, blob bytes in files.
///
/// Layout: `LOCK` (held with flock while a process uses the directory), `mockconvex.sqlite`,
/// `blobs/<uuid>` for file contents and `blobs/tmp/` for uploads under way. A write is
/// acknowledged only after it is durable: blobs are written, fsynced and renamed into place
/// before their row commits, and commits are synchronous.
public final class DataDirectory {
    public let path: String
    private let lockDescriptor: Int32
    private let database: SQLiteDatabase
    public let blobs: DirectoryBlobStore

    /// What the directory held when opened.
    public struct Contents: Sendable {
        public var tableNumbers: [(name: String, number: UInt32)] = []
        public var documents: [(table: String, document: Document)] = []
        public var files: [StoredFile] = []
        public var jobs: [ScheduledJob] = []
        /// False until the config's seed documents and files were written once.
        public var seeded = false
    }

    /// Opens (creating) the directory and takes its lock; fails at once if another process
    /// holds it.
    public init(path: String) throws(PersistenceError) {
        self.path = path
        try Self.makeDirectory(path)
        let lockPath = path + "/LOCK"
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw PersistenceError("cannot open \(lockPath): \(String(cString: strerror(errno)))") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let holder = Self.readPid(fd)
            close(fd)
            throw PersistenceError("the data directory \(path) is in use by another mockconvex\(holder.map { " (pid \($0))" } ?? ""); stop it, or give this one another --data-dir")
        }
        ftruncate(fd, 0)
        let pid = Array("\(getpid())\n".utf8)
        _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        lockDescriptor = fd
        do {
            blobs = try DirectoryBlobStore(directory: path + "/blobs")
            database = try SQLiteDatabase(path: path + "/mockconvex.sqlite")
            try database.execute(Self.schema)
        } catch {
            close(fd)
            throw error
        }
    }

    deinit {
        flock(lockDescriptor, LOCK_UN)
        close(lockDescriptor)
    }

    private static let schema = """
        CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS tables (name TEXT PRIMARY KEY, number INTEGER NOT NULL UNIQUE);
        CREATE TABLE IF NOT EXISTS documents (
            id TEXT PRIMARY KEY, table_name TEXT NOT NULL, creation_time REAL NOT NULL, fields BLOB NOT NULL);
        CREATE INDEX IF NOT EXISTS documents_by_time ON documents (creation_time);
        CREATE TABLE IF NOT EXISTS files (
            id TEXT PRIMARY KEY, uuid TEXT NOT NULL UNIQUE, creation_time REAL NOT NULL,
            sha256 BLOB NOT NULL, size INTEGER NOT NULL, content_type TEXT);
        CREATE TABLE IF NOT EXISTS scheduled_jobs (
            id TEXT PRIMARY KEY, creation_time REAL NOT NULL, path TEXT NOT NULL, args BLOB NOT NULL,
            scheduled_time REAL NOT NULL, state TEXT NOT NULL, error TEXT, completed_time REAL);
        """

    /// Reads everything back, and removes what a crash may have left: uploads that never
    /// finished, and blobs whose row was never committed (or was deleted).
    public func load() throws(PersistenceError) -> Contents {
        var contents = Contents()
        for row in try database.query("SELECT name, number FROM tables ORDER BY number") {
            guard case .text(let name) = row[0], case .integer(let number) = row[1] else { continue }
            contents.tableNumbers.append((name, UInt32(number)))
        }
        for row in try database.query("SELECT id, table_name, creation_time, fields FROM documents ORDER BY creation_time") {
            guard case .text(let idText) = row[0], case .text(let table) = row[1], case .real(let time) = row[2],
                  case .blob(let encoded) = row[3], let id = try? DocumentId(decoding: idText),
                  case .object(let fields)? = try? ConvexValue.importing(JSONReader.parse(encoded))
            else { throw PersistenceError("\(path)/mockconvex.sqlite has a document row that cannot be read") }
            contents.documents.append((table, Document(id: id, creationTime: time, fields: fields)))
        }
        for row in try database.query("SELECT id, uuid, creation_time, sha256, size, content_type FROM files ORDER BY creation_time") {
            guard case .text(let idText) = row[0], case .text(let uuid) = row[1], case .real(let time) = row[2],
                  case .blob(let sha256) = row[3], case .integer(let size) = row[4], let id = try? DocumentId(decoding: idText)
            else { throw PersistenceError("\(path)/mockconvex.sqlite has a file row that cannot be read") }
            let contentType: String? = if case .text(let type) = row[5] { type } else { nil }
            contents.files.append(StoredFile(id: id, uuid: uuid, creationTime: time, sha256: sha256, size: Int(size), contentType: contentType))
        }
        for row in try database.query("SELECT id, creation_time, path, args, scheduled_time, state, error, completed_time FROM scheduled_jobs ORDER BY creation_time") {
            guard case .text(let idText) = row[0], case .real(let time) = row[1], case .text(let pathText) = row[2],
                  case .blob(let encoded) = row[3], case .real(let scheduled) = row[4], case .text(let stateName) = row[5],
                  let id = try? DocumentId(decoding: idText), let functionPath = try? FunctionPath(parsing: pathText),
                  case .array(let arguments)? = try? ConvexValue.importing(JSONReader.parse(encoded))
            else { throw PersistenceError("\(path)/mockconvex.sqlite has a scheduled job row that cannot be read") }
            var job = ScheduledJob(id: id, creationTime: time, path: functionPath, arguments: arguments, scheduledTime: scheduled)
            switch (stateName, row[6]) {
            case ("success", _): job.state = .success
            case ("failed", .text(let error)): job.state = .failed(error)
            case ("canceled", _): job.state = .canceled
            // A job that was running when the process stopped runs again.
            default: job.state = .pending
            }
            if case .real(let completed) = row[7] { job.completedTime = completed }
            contents.jobs.append(job)
        }
        for row in try database.query("SELECT key, value FROM meta") {
            guard case .text(let key) = row[0], case .text(let value) = row[1] else { continue }
            switch key {
            case "seeded": contents.seeded = value == "true"
            default: break
            }
        }
        blobs.removeLeftovers(keeping: Set(contents.files.map(\.uuid)))
        return contents
    }

    /// The instance secret to use: the one given, else the one kept here, else `fallback`;
    /// whatever is used is kept for the next start, so upload URLs outlive restarts.
    public func adoptInstanceSecret(given: String?, otherwise fallback: String) throws(PersistenceError) -> (secret: String, replacedStored: Bool) {
        let stored = try database.query("SELECT value FROM meta WHERE key = 'instance_secret'").first.flatMap { row -> String? in
            if case .text(let value) = row[0] { value } else { nil }
        }
        let secret = (given ?? stored ?? fallback).lowercased()
        if secret != stored { try saveMeta("instance_secret", secret) }
        return (secret, stored != nil && secret != stored)
    }

    public func saveMeta(_ key: String, _ value: String) throws(PersistenceError) {
        try database.query("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                           [.text(key), .text(value)])
    }

    public func saveTableNumber(_ name: String, _ number: UInt32) throws(PersistenceError) {
        try database.query("INSERT OR IGNORE INTO tables (name, number) VALUES (?, ?)", [.text(name), .integer(Int64(number))])
    }

    /// Makes `writes` durable in one transaction: all of them or none.
    public func commit(_ writes: [StoreWrite]) throws(PersistenceError) {
        guard !writes.isEmpty else { return }
        try database.transaction { () throws(PersistenceError) in
            for write in writes {
                switch write {
                case .insertDocument(let table, let document), .updateDocument(let table, let document):
                    try database.query(
                        "INSERT INTO documents (id, table_name, creation_time, fields) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET fields = excluded.fields",
                        [.text(document.id.encoded), .text(table), .real(document.creationTime), .blob(ConvexValue.object(document.fields).exported(.encoded).serialized)])
                case .deleteDocument(_, let id):
                    try database.query("DELETE FROM documents WHERE id = ?", [.text(id.encoded)])
                case .insertFile(let file):
                    try database.query(
                        "INSERT INTO files (id, uuid, creation_time, sha256, size, content_type) VALUES (?, ?, ?, ?, ?, ?)",
                        [.text(file.id.encoded), .text(file.uuid), .real(file.creationTime), .blob(file.sha256), .integer(Int64(file.size)),
                         file.contentType.map(SQLiteValue.text) ?? .null])
                case .deleteFile(let file):
                    try database.query("DELETE FROM files WHERE id = ?", [.text(file.id.encoded)])
                case .clearAll:
                    try database.query("DELETE FROM documents", [])
                    try database.query("DELETE FROM files", [])
                    try database.query("DELETE FROM scheduled_jobs", [])
                case .putJob(let job):
                    let (state, error): (String, String?) = switch job.state {
                    case .pending: ("pending", nil)
                    case .inProgress: ("inProgress", nil)
                    case .success: ("success", nil)
                    case .failed(let message): ("failed", message)
                    case .canceled: ("canceled", nil)
                    }
                    try database.query(
                        """
                        INSERT INTO scheduled_jobs (id, creation_time, path, args, scheduled_time, state, error, completed_time)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                        ON CONFLICT (id) DO UPDATE SET state = excluded.state, error = excluded.error, completed_time = excluded.completed_time
                        """,
                        [.text(job.id.encoded), .real(job.creationTime), .text(job.path.canonical),
                         .blob(ConvexValue.array(job.arguments).exported(.encoded).serialized), .real(job.scheduledTime),
                         .text(state), error.map(SQLiteValue.text) ?? .null, job.completedTime.map(SQLiteValue.real) ?? .null])
                }
            }
        }
    }

    static func makeDirectory(_ path: String) throws(PersistenceError) {
        var built = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            built += "/" + part
            if mkdir(built, 0o755) != 0 && errno != EEXIST {
                throw PersistenceError("cannot create \(built): \(String(cString: strerror(errno)))")
            }
        }
    }

    private static func readPid(_ fd: Int32) -> Int? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        return Int(String(decoding: buffer[0..<count], as: UTF8.self).split(separator: "\n").first ?? "")
    }
}
