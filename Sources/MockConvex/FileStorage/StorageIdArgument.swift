/// A `storageId` argument as the backend resolves it: any document id first (which must be a
/// `_storage` id), else a UUID.
enum StorageIdArgument {
    enum Resolution: Equatable {
        case file(StoredFile)
        case missing
        /// Neither an id nor a UUID: `InvalidStorageId`.
        case invalid(String)
        /// An id of another table: `InvalidArgument`.
        case otherTable
    }

    static let otherTableMessage = "Invalid storage ID. Storage ID cannot be an ID on any table other than '_storage'."

    static func resolve(_ text: String, in store: DocumentStore) -> Resolution {
        if let id = try? DocumentId(decoding: text) {
            guard store.tableName(of: id) == DocumentStore.storageTable else { return .otherTable }
            return store.file(id).map(Resolution.file) ?? .missing
        }
        if let uuid = UUIDText.normalize(text) {
            return store.file(uuid: uuid).map(Resolution.file) ?? .missing
        }
        // The backend's text has a line break and indentation inside it.
        return .invalid("Invalid storage ID: \"\(text)\". Storage ID should be an\n                    Id of '_storage' table, or a UUID string.")
    }
}
