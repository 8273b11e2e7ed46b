/// Every user table's documents in creation order, and the files in storage. Reads are plain;
/// changes arrive as `StoreWrite`s, applied after they are durable.
struct DocumentStore: Sendable {
    struct Table: Sendable {
        var documents: [DocumentId: Document] = [:]
        /// Creation order; creation times only grow, so this is also `_creationTime` order.
        var order: [DocumentId] = []
    }

    private(set) var tableNumbers = TableNumbers()
    private var tables: [String: Table] = [:]
    private var files: [DocumentId: StoredFile] = [:]
    private var fileOrder: [DocumentId] = []
    private var fileIdsByUUID: [String: DocumentId] = [:]
    private var jobs: [DocumentId: ScheduledJob] = [:]
    private var jobOrder: [DocumentId] = []
    /// Finished jobs in the order they finished (entries before `finishedStart` are gone), so
    /// retention can drop the oldest without a search.
    private var finishedOrder: [DocumentId] = []
    private var finishedStart = 0

    static let storageTable = "_storage"
    static let scheduledFunctionsTable = "_scheduled_functions"

    init() {}

    /// The writes that give each of `tables` not numbered yet its number, in order.
    func declarations(for tables: [String]) -> [StoreWrite] {
        var numbers = tableNumbers
        var writes: [StoreWrite] = []
        for table in tables where numbers.number(of: table) == nil {
            writes.append(.declareTable(name: table, number: numbers.assign(table)))
        }
        return writes
    }

    func tableName(of id: DocumentId) -> String? { tableNumbers.name(of: id.tableNumber) }

    func get(_ id: DocumentId) -> Document? {
        guard let table = tableNumbers.name(of: id.tableNumber) else { return nil }
        return tables[table]?.documents[id]
    }

    /// Documents of `table` whose fields (system fields included) equal every field of
    /// `filter`, oldest first.
    func list(_ table: String, matching filter: ConvexObject = ConvexObject()) -> [Document] {
        guard let stored = tables[table] else { return [] }
        let documents = stored.order.compactMap { stored.documents[$0] }
        guard !filter.isEmpty else { return documents }
        return documents.filter { document in
            let fields = filter.names.contains { $0.hasPrefix("_") } ? document.value : document.fields
            return filter.allSatisfy { fields[$0.name] == $0.value }
        }
    }

    func count(_ table: String) -> Int { tables[table]?.order.count ?? 0 }

    func file(_ id: DocumentId) -> StoredFile? { files[id] }

    func file(uuid: String) -> StoredFile? { fileIdsByUUID[uuid].flatMap { files[$0] } }

    /// Files oldest first.
    var allFiles: [StoredFile] { fileOrder.compactMap { files[$0] } }

    func job(_ id: DocumentId) -> ScheduledJob? { jobs[id] }

    /// Scheduled functions oldest first.
    var allJobs: [ScheduledJob] { jobOrder.compactMap { jobs[$0] } }

    /// How many scheduled functions have finished (succeeded, failed or been canceled).
    var finishedJobCount: Int { finishedOrder.count - finishedStart }

    /// The `count` jobs that finished longest ago, oldest first.
    func oldestFinishedJobs(_ count: Int) -> [DocumentId] {
        Array(finishedOrder[finishedStart..<min(finishedOrder.count, finishedStart + max(0, count))])
    }

    var tableNames: [String] { tables.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) } }

    mutating func apply(_ writes: [StoreWrite]) {
        for write in writes { apply(write) }
    }

    private mutating func apply(_ write: StoreWrite) {
        switch write {
        case .insertDocument(let table, let document):
            tableNumbers.assign(table)
            if tables[table]?.documents[document.id] == nil {
                tables[table, default: Table()].order.append(document.id)
            }
            tables[table, default: Table()].documents[document.id] = document
        case .updateDocument(let table, let document):
            tables[table]?.documents[document.id] = document
        case .deleteDocument(let table, let id):
            if tables[table]?.documents.removeValue(forKey: id) != nil {
                tables[table]?.order.removeAll { $0 == id }
            }
        case .insertFile(let file):
            if files[file.id] == nil { fileOrder.append(file.id) }
            files[file.id] = file
            fileIdsByUUID[file.uuid] = file.id
        case .deleteFile(let file):
            if files.removeValue(forKey: file.id) != nil {
                fileOrder.removeAll { $0 == file.id }
                fileIdsByUUID[file.uuid] = nil
            }
        case .putJob(let job):
            let previous = jobs.updateValue(job, forKey: job.id)
            if previous == nil { jobOrder.append(job.id) }
            if job.state.isFinished && !(previous?.state.isFinished ?? false) { finishedOrder.append(job.id) }
        case .deleteJob(let id):
            guard jobs.removeValue(forKey: id) != nil else { return }
            jobOrder.removeAll { $0 == id }
            if finishedOrder[finishedStart...].first == id {
                finishedStart += 1
                if finishedStart > 4096 && finishedStart * 2 > finishedOrder.count {
                    finishedOrder.removeFirst(finishedStart)
                    finishedStart = 0
                }
            } else if let index = finishedOrder[finishedStart...].firstIndex(of: id) {
                finishedOrder.remove(at: index)
            }
        case .declareTable(let name, let number):
            tableNumbers.restore(name, number: number)
        case .clearAll:
            for name in tables.keys { tables[name] = Table() }
            files = [:]
            fileOrder = []
            fileIdsByUUID = [:]
            jobs = [:]
            jobOrder = []
            finishedOrder = []
            finishedStart = 0
        }
    }
}
