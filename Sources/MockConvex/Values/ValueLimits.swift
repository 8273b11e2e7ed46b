/// The backend's bounds on a single value. Arguments are checked against them on import, and the
/// error messages quote them.
enum ValueLimits {
    /// 32 MiB, in the units of `ConvexValue.size`.
    static let maxSize = 1 << 25
    /// 16 MiB for a function's arguments together (`FUNCTION_MAX_ARGS_SIZE`), measured as the
    /// array they arrive in.
    static let maxArgumentsSize = 1 << 24
    static let maxNesting = 64
    static let maxArrayLength = 8192
    static let maxObjectFields = 1024
    /// In UTF-8 bytes; field names are ASCII anyway.
    static let maxFieldNameLength = 1024
}

extension ConvexValue {
    /// The backend's own measure of a value, which `ValueLimits.maxSize` and the arguments limit
    /// are expressed in: one byte for each tag or delimiter plus the payload, so a float costs
    /// 9, a string 2 plus its UTF-8 length, an object field its name plus one plus its value.
    var size: Int {
        switch self {
        case .null, .boolean: 1
        case .int64, .float64: 9
        case .string(let text): Self.stringSize(text)
        case .bytes(let bytes): Self.bytesSize(bytes)
        case .array(let items): Self.arraySize(items.lazy.map(\.size))
        case .object(let object): Self.objectSize(object.fields.lazy.map { ($0.name, $0.value.size) })
        }
    }

    /// How many containers deep the value goes: 0 for scalars, 1 for an array or object of
    /// scalars, including empty ones.
    var nesting: Int {
        switch self {
        case .null, .int64, .float64, .boolean, .string, .bytes: 0
        case .array(let items): 1 + (items.lazy.map(\.nesting).max() ?? 0)
        case .object(let object): 1 + (object.fields.lazy.map(\.value.nesting).max() ?? 0)
        }
    }

    static func stringSize(_ text: String) -> Int { 2 + text.utf8.count }

    static func bytesSize(_ bytes: [UInt8]) -> Int { 2 + bytes.count }

    static func arraySize<Sizes: Sequence<Int>>(_ itemSizes: Sizes) -> Int {
        itemSizes.reduce(2, +)
    }

    static func objectSize<Fields: Sequence<(String, Int)>>(_ fields: Fields) -> Int {
        fields.reduce(2) { $0 + $1.0.utf8.count + 1 + $1.1 }
    }
}
