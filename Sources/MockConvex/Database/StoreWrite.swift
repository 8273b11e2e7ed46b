/// One change to the deployment's data. A transaction produces its changes first; they are
/// applied to what readers see only once they are durable, so a write is all or nothing.
enum StoreWrite: Sendable, Equatable {
    case insertDocument(table: String, Document)
    /// The document's new fields, whole.
    case updateDocument(table: String, Document)
    case deleteDocument(table: String, DocumentId)
    case insertFile(StoredFile)
    case deleteFile(StoredFile)
    /// A scheduled function, new or with a new state.
    case putJob(ScheduledJob)
    /// A finished scheduled function dropped from `_scheduled_functions` (retention).
    case deleteJob(DocumentId)
    /// A table gets its number (when a config or a runtime declaration first names it).
    case declareTable(name: String, number: UInt32)
    /// Every document, file row and scheduled function gone (`POST /_mock/reset`); table
    /// numbers stay, so ids made later still name the same tables.
    case clearAll
}
