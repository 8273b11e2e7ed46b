/// Reading a data directory back at start. Rows are trusted as stored, without the limits that
/// client input is held to (an older version may have stored what is refused today), and a row
/// that cannot be read at all is reported and left out rather than keeping the server down.
extension DataDirectory {
    /// Reads everything back, and removes what a crash may have left: uploads that never
    /// finished, and blobs whose row was never committed (or was deleted).
    func load() throws(PersistenceError) -> Contents {
        var contents = Contents()
        for row in try database.query("SELECT name, number FROM tables ORDER BY number") {
            guard case .text(let name) = row[0], case .integer(let stored) = row[1], let number = UInt32(exactly: stored),
                  number >= TableNumbers.firstUserTable
            else {
                contents.unreadable.append("a table number row (\(Self.describe(row)))")
                continue
            }
            contents.tableNumbers.append((name, number))
        }
        for row in try database.query("SELECT id, table_name, creation_time, fields FROM documents ORDER BY creation_time") {
            guard case .text(let idText) = row[0], case .text(let table) = row[1], case .real(let time) = row[2],
                  case .blob(let encoded) = row[3], let id = try? DocumentId(decoding: idText),
                  case .object(let fields)? = try? ConvexValue.importingStored(JSONReader.parse(encoded, maxDepth: 1024))
            else {
                contents.unreadable.append("a document row (id \(Self.describe(row.first)))")
                continue
            }
            contents.documents.append((table, Document(id: id, creationTime: time, fields: fields)))
        }
        // Every blob a row names is kept, a row that cannot be read included: a later version
        // may read it again, and then it must find its bytes.
        var namedBlobs: Set<String> = []
        for row in try database.query("SELECT id, uuid, creation_time, sha256, size, content_type FROM files ORDER BY creation_time") {
            if case .text(let named) = row[1] { namedBlobs.insert(named) }
            guard case .text(let idText) = row[0], case .text(let uuid) = row[1], UUIDText.normalize(uuid) == uuid,
                  case .real(let time) = row[2], case .blob(let sha256) = row[3], case .integer(let stored) = row[4],
                  let size = Int(exactly: stored), size >= 0, let id = try? DocumentId(decoding: idText)
            else {
                contents.unreadable.append("a file row (id \(Self.describe(row.first)))")
                continue
            }
            let contentType: String? = if case .text(let type) = row[5] { type } else { nil }
            contents.files.append(StoredFile(id: id, uuid: uuid, creationTime: time, sha256: sha256, size: size, contentType: contentType))
        }
        for row in try database.query("SELECT id, creation_time, path, args, scheduled_time, state, error, completed_time FROM scheduled_jobs ORDER BY creation_time") {
            guard let job = Self.job(row) else {
                contents.unreadable.append("a scheduled function row (id \(Self.describe(row.first)))")
                continue
            }
            contents.jobs.append(job)
        }
        for row in try database.query("SELECT key, value FROM meta") {
            guard case .text(let key) = row[0], case .text(let value) = row[1] else { continue }
            switch key {
            case "seeded": contents.seeded = value == "true"
            // Past the backend's range (a damaged row) it would wrap: it is not followed.
            case "latest_ts": contents.latestTimestamp = UInt64(value).flatMap { $0 <= UInt64(Int64.max) ? $0 : nil } ?? 0
            default: break
            }
        }
        for row in try database.query("SELECT identifier, outcome FROM mutation_outcomes ORDER BY id") {
            guard case .text(let identifier) = row[0], case .blob(let encoded) = row[1],
                  let json = try? JSONReader.parse(encoded, maxDepth: 1024), let outcome = OutcomeRecord.decode(json)
            else {
                contents.unreadable.append("a remembered mutation outcome (\(Self.describe(row.first)))")
                continue
            }
            contents.identified.append((identifier, outcome))
        }
        blobs.removeLeftovers(keeping: namedBlobs)
        return contents
    }

    private static func job(_ row: [SQLiteValue]) -> ScheduledJob? {
        guard case .text(let idText) = row[0], case .real(let time) = row[1], case .text(let pathText) = row[2],
              case .blob(let encoded) = row[3], case .text(let stateName) = row[5],
              let id = try? DocumentId(decoding: idText), let functionPath = try? FunctionPath(parsing: pathText),
              case .array(let arguments)? = try? ConvexValue.importingStored(JSONReader.parse(encoded, maxDepth: 1024))
        else { return nil }
        // SQLite keeps NaN as NULL; a time it cannot hold is read as never.
        let scheduled: Double = if case .real(let value) = row[4], !value.isNaN { value } else { .infinity }
        var job = ScheduledJob(id: id, creationTime: time, path: functionPath, arguments: arguments, scheduledTime: scheduled)
        switch (stateName, row[6]) {
        case ("success", _): job.state = .success
        case ("failed", .text(let error)): job.state = .failed(error)
        case ("canceled", _): job.state = .canceled
        case ("inProgress", _): job.state = .inProgress
        default: job.state = .pending
        }
        if case .real(let completed) = row[7] { job.completedTime = completed }
        return job
    }

    private static func describe(_ value: SQLiteValue?) -> String {
        switch value {
        case .text(let text)?: text
        case .integer(let number)?: String(number)
        case .real(let number)?: "\(number)"
        case .blob(let bytes)?: "\(bytes.count) bytes"
        case .null?, nil: "null"
        }
    }

    private static func describe(_ row: [SQLiteValue]) -> String {
        row.map { describe($0) }.joined(separator: ", ")
    }
}
