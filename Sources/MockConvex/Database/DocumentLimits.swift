/// The backend's bounds on a stored document, checked on every write (insert, patch, replace):
/// arguments may be up to 16 MiB and 1024 fields, but the document they make, with `_id` and
/// `_creationTime`, must fit these. A patch that would break them is refused, as the backend
/// refuses it, rather than stored and then unreadable.
enum DocumentLimits {
    /// `MAX_USER_SIZE`, in the units of `ConvexValue.size`.
    static let maxSize = 1 << 20

    /// The backend's message when `document` is too big, or nil.
    static func problem(with document: Document) -> String? {
        let value = document.value
        if value.count > ValueLimits.maxObjectFields {
            return "Object has too many fields (\(value.count) > maximum number \(ValueLimits.maxObjectFields))"
        }
        let size = ConvexValue.object(value).size
        if size > maxSize {
            return "Value is too large (\(ByteCountText.binary(size)) > maximum size \(ByteCountText.binary(maxSize)))"
        }
        return nil
    }
}
