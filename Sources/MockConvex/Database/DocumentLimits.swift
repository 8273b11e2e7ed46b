/// The backend's bounds on a stored document, checked on every write (insert, patch, replace):
/// arguments may be up to 16 MiB and 1024 fields, but the document they make, with `_id` and
/// `_creationTime`, must fit these. A patch that would break them is refused, as the backend
/// refuses it, rather than stored and then unreadable.
enum DocumentLimits {
    /// `MAX_USER_SIZE`, in the units of `ConvexValue.size`.
    static let maxSize = 1 << 20

    /// The backend's message when `document` is too big, or nil.
    static func problem(with document: Document) -> String? {
        let count = document.fields.count + 2
        if count > ValueLimits.maxObjectFields {
            return "Object has too many fields (\(count) > maximum number \(ValueLimits.maxObjectFields))"
        }
        let size = size(of: document)
        if size > maxSize {
            return "Value is too large (\(ByteCountText.binary(size)) > maximum size \(ByteCountText.binary(maxSize)))"
        }
        return nil
    }

    /// `ConvexValue.object(document.value).size`, without encoding the id and copying the
    /// fields to make that value: this runs on every write. (`fields` never holds the system
    /// fields, and an object's size is the sum of its members'.)
    static func size(of document: Document) -> Int {
        ConvexValue.objectSize(document.fields.fields.lazy.map { ($0.name, $0.value.size) })
            + "_id".utf8.count + 1 + 2 + document.id.encodedLength
            + "_creationTime".utf8.count + 1 + ConvexValue.float64(document.creationTime).size
    }
}
