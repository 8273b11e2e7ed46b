/// A parsed JSON document. Objects keep their members in the order they were written, so
/// that config errors can point at what the user wrote; duplicate names keep the last value.
public enum JSON: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    /// An integer written as one (`5`, not `5.0`): only export_json's int64 values are. The
    /// reader never produces it; JSON text's numbers are all floats to the backend.
    case integer(Int64)
    case string(String)
    case array([JSON])
    case object([(key: String, value: JSON)])

    subscript(key: String) -> JSON? {
        guard case .object(let members) = self else { return nil }
        return members.last { $0.key == key }?.value
    }

    public var objectMembers: [(key: String, value: JSON)]? {
        if case .object(let members) = self { return members }
        return nil
    }

    public var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    /// What a value is, in the words error messages use.
    var kindName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number, .integer: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }

    public static func == (lhs: JSON, rhs: JSON) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): true
        case (.bool(let a), .bool(let b)): a == b
        case (.number(let a), .number(let b)): a.bitPattern == b.bitPattern
        case (.integer(let a), .integer(let b)): a == b
        case (.string(let a), .string(let b)): a == b
        case (.array(let a), .array(let b)): a == b
        case (.object(let a), .object(let b)): a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: false
        }
    }
}
