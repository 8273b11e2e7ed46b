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
    let database: SQLiteDatabase
    let blobs: DirectoryBlobStore

    /// What the directory held when opened.
    struct Contents: Sendable {
        var tableNumbers: [(name: String, number: UInt32)] = []
        var documents: [(table: String, document: Document)] = []
        var files: [StoredFile] = []
        var jobs: [ScheduledJob] = []
        /// False until the config's seed documents and files were written once.
        var seeded = false
        /// The last commit's timestamp, so that timestamps keep growing across restarts.
        var latestTimestamp: UInt64 = 0
        /// The first outcome of each mutation identified by a callback's `mutationIdentifier`
        /// (or a sync session's request), oldest first, so that a retry after a restart gets it.
        var identified: [(identifier: String, outcome: FunctionOutcome)] = []
        /// Rows that could not be read (left where they are, not loaded), said at start.
        var unreadable: [String] = []

        init() {}
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
        CREATE TABLE IF NOT EXISTS mutation_outcomes (
            id INTEGER PRIMARY KEY AUTOINCREMENT, identifier TEXT NOT NULL UNIQUE, outcome BLOB NOT NULL);
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

    /// The instance secret to use: the one given, else the one kept here, else `fallback`;
    /// whatever is used is kept for the next start, so upload URLs outlive restarts.
    public func adoptInstanceSecret(given: String?, otherwise fallback: String) throws(PersistenceError) -> (secret: String, replacedStored: Bool) {
        let stored = try database.query("SELECT value FROM meta WHERE key = 'instance_secret'").first.flatMap { row -> String? in
            if case .text(let value) = row[0] { value } else { nil }
        }
        let secret = (given ?? stored ?? fallback).lowercased()
        if secret != stored { try database.setMeta("instance_secret", secret) }
        return (secret, stored != nil && secret != stored)
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

    /// fsyncs a directory, so that the renames in it are durable.
    static func syncDirectory(_ path: String) throws(PersistenceError) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw PersistenceError.system("open \(path)") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw PersistenceError.system("fsync \(path)") }
    }

    private static func readPid(_ fd: Int32) -> Int? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        return Int(String(decoding: buffer[0..<count], as: UTF8.self).split(separator: "\n").first ?? "")
    }
}
