/// A Convex value: what documents, arguments and results are made of.
enum ConvexValue: Sendable, Hashable {
    case null
    case int64(Int64)
    case float64(Double)
    case boolean(Bool)
    case string(String)
    case bytes([UInt8])
    case array([ConvexValue])
    case object(ConvexObject)

    /// Convex compares floats by bit pattern, so NaN equals itself and -0.0 differs from 0.0;
    /// round-trip tests rely on that.
    static func == (lhs: ConvexValue, rhs: ConvexValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): true
        case (.int64(let a), .int64(let b)): a == b
        case (.float64(let a), .float64(let b)): a.bitPattern == b.bitPattern
        case (.boolean(let a), .boolean(let b)): a == b
        case (.string(let a), .string(let b)): a == b
        case (.bytes(let a), .bytes(let b)): a == b
        case (.array(let a), .array(let b)): a == b
        case (.object(let a), .object(let b)): a == b
        default: false
        }
    }

    func hash(into hasher: inout Hasher) {
        switch self {
        case .null: hasher.combine(0)
        case .int64(let v): hasher.combine(1); hasher.combine(v)
        case .float64(let v): hasher.combine(2); hasher.combine(v.bitPattern)
        case .boolean(let v): hasher.combine(3); hasher.combine(v)
        case .string(let v): hasher.combine(4); hasher.combine(v)
        case .bytes(let v): hasher.combine(5); hasher.combine(v)
        case .array(let v): hasher.combine(6); hasher.combine(v)
        case .object(let v): hasher.combine(7); hasher.combine(v)
        }
    }
}

/// An object's fields, kept sorted by the bytes of their names as the backend's BTreeMap
/// keeps them, so every serialisation comes out in the backend's order.
struct ConvexObject: Sendable, Hashable, Sequence {
    private(set) var fields: [(name: String, value: ConvexValue)]

    init() { fields = [] }

    /// Later duplicates replace earlier ones.
    init(_ fields: [(String, ConvexValue)]) {
        self.fields = []
        for (name, value) in fields { self[name] = value }
    }

    subscript(name: String) -> ConvexValue? {
        get {
            let index = position(of: name)
            return index < fields.count && fields[index].name == name ? fields[index].value : nil
        }
        set {
            let index = position(of: name)
            let present = index < fields.count && fields[index].name == name
            switch (newValue, present) {
            case (let value?, true): fields[index].value = value
            case (let value?, false): fields.insert((name: name, value: value), at: index)
            case (nil, true): fields.remove(at: index)
            case (nil, false): break
            }
        }
    }

    var count: Int { fields.count }
    var isEmpty: Bool { fields.isEmpty }
    var names: [String] { fields.map(\.name) }

    func makeIterator() -> IndexingIterator<[(name: String, value: ConvexValue)]> {
        fields.makeIterator()
    }

    /// Binary search by UTF-8 bytes: Rust orders `String`s bytewise.
    private func position(of name: String) -> Int {
        var low = 0
        var high = fields.count
        while low < high {
            let mid = (low + high) / 2
            if Self.bytewiseLess(fields[mid].name, name) { low = mid + 1 } else { high = mid }
        }
        return low
    }

    static func bytewiseLess(_ a: String, _ b: String) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
    }

    static func == (lhs: ConvexObject, rhs: ConvexObject) -> Bool {
        lhs.fields.count == rhs.fields.count && zip(lhs.fields, rhs.fields).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(fields.count)
        for field in fields {
            hasher.combine(field.name)
            hasher.combine(field.value)
        }
    }
}
