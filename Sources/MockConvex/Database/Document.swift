/// A stored document: its id, creation time and the fields the app wrote.
public struct Document: Sendable, Equatable {
    public let id: DocumentId
    /// Milliseconds since the Unix epoch, with a sub-millisecond fraction.
    public let creationTime: Double
    /// The app's fields, without `_id` and `_creationTime`.
    public var fields: ConvexObject

    /// The document as functions return it, system fields included.
    public var value: ConvexObject {
        var object = fields
        object["_id"] = .string(id.encoded)
        object["_creationTime"] = .float64(creationTime)
        return object
    }
}
