/// A file in storage: its `_storage` row and where its bytes are found.
struct StoredFile: Sendable, Equatable {
    /// The `_storage` document id (table 540, `kg2...`).
    let id: DocumentId
    /// Lowercase, hyphenated; what download URLs name.
    let uuid: String
    let creationTime: Double
    /// 32 bytes.
    let sha256: [UInt8]
    let size: Int
    /// Normalised as the backend stores it; nil when the upload had none.
    let contentType: String?

    init(id: DocumentId, uuid: String, creationTime: Double, sha256: [UInt8], size: Int, contentType: String?) {
        self.id = id
        self.uuid = uuid
        self.creationTime = creationTime
        self.sha256 = sha256
        self.size = size
        self.contentType = contentType
    }

    /// The `_storage` document as functions read it: `contentType` always present (null when
    /// absent), `sha256` in base64, `size` a float.
    var document: ConvexObject {
        ConvexObject([
            ("_id", .string(id.encoded)),
            ("_creationTime", .float64(creationTime)),
            ("contentType", contentType.map(ConvexValue.string) ?? .null),
            ("sha256", .string(Base64.encode(sha256))),
            ("size", .float64(Double(size))),
        ])
    }

    /// `storage.getMetadata`'s older shape: the UUID and a hex digest.
    var metadata: ConvexObject {
        ConvexObject([
            ("storageId", .string(uuid)),
            ("sha256", .string(Hex.encode(sha256))),
            ("size", .float64(Double(size))),
            ("contentType", contentType.map(ConvexValue.string) ?? .null),
        ])
    }
}
