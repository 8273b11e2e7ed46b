/// One change to the deployment's data. A mutation or an upload produces its changes first and
/// they are applied only after they are durable, so a write is all or nothing.
public enum StoreWrite: Sendable, Equatable {
    case insertDocument(table: String, Document)
    /// The document's new fields, whole.
    case updateDocument(table: String, Document)
    case deleteDocument(table: String, DocumentId)
    case insertFile(StoredFile)
    case deleteFile(StoredFile)
    /// A scheduled function, new or with a new state.
    case putJob(ScheduledJob)
    /// Every document, file row and scheduled function gone (`POST /_mock/reset`); table
    /// numbers stay, so ids made later still name the same tables.
    case clearAll
}
