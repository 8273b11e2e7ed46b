/// A stored document: its id, creation time and the fields the app wrote.
struct Document: Sendable, Equatable {
    let id: DocumentId
    /// Milliseconds since the Unix epoch, with a sub-millisecond fraction.
    let creationTime: Double
    /// The app's fields, without `_id` and `_creationTime`.
    var fields: ConvexObject

    /// The document as functions return it, system fields included.
    var value: ConvexObject {
        var object = fields
        object["_id"] = .string(id.encoded)
        object["_creationTime"] = .float64(creationTime)
        return object
    }
}
