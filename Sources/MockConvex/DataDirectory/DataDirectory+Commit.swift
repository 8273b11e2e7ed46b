/// Making a group of commits durable: one SQLite transaction, so one fsync, for all of them.
extension DataDirectory {
    /// Writes every commit of `group` (in order), with its `meta` rows and remembered mutation
    /// outcome, in one transaction: all of them or none. `latestTimestamp` is kept so that
    /// timestamps grow across restarts.
    func commit(_ group: [PendingCommit], latestTimestamp: UInt64) throws(PersistenceError) {
        try database.transaction { () throws(PersistenceError) in
            for commit in group {
                for write in commit.writes { try store(write) }
                for (key, value) in commit.meta { try database.setMeta(key, value) }
                if commit.forgetsIdentified { try database.query("DELETE FROM mutation_outcomes") }
                if let remembered = commit.identified { try remember(remembered.identifier, remembered.outcome) }
            }
            try database.setMeta("latest_ts", String(latestTimestamp))
        }
    }

    /// Keeps a mutation's first outcome, and only the newest `IdentifiedMutations.capacity` of
    /// them, as memory does.
    private func remember(_ identifier: String, _ outcome: FunctionOutcome) throws(PersistenceError) {
        try database.query("INSERT OR IGNORE INTO mutation_outcomes (identifier, outcome) VALUES (?, ?)",
                           [.text(identifier), .blob(OutcomeRecord.encode(outcome).serialized)])
        try database.query("DELETE FROM mutation_outcomes WHERE id <= (SELECT max(id) FROM mutation_outcomes) - ?",
                           [.integer(Int64(IdentifiedMutations.capacity))])
    }

    private func store(_ write: StoreWrite) throws(PersistenceError) {
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
        case .deleteJob(let id):
            try database.query("DELETE FROM scheduled_jobs WHERE id = ?", [.text(id.encoded)])
        case .declareTable(let name, let number):
            try database.query("INSERT OR IGNORE INTO tables (name, number) VALUES (?, ?)", [.text(name), .integer(Int64(number))])
        case .clearAll:
            try database.query("DELETE FROM documents", [])
            try database.query("DELETE FROM files", [])
            try database.query("DELETE FROM scheduled_jobs", [])
        }
    }
}
