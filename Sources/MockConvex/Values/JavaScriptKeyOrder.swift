extension ConvexObject {
    /// The order a JavaScript object built from this one enumerates its fields in: names that
    /// are array indices (canonical decimals up to 2^32 - 2) first, in numeric order, then the
    /// rest in insertion order, which for objects arriving from the backend is bytewise order.
    var javaScriptOrderedFields: [(name: String, value: ConvexValue)] {
        guard fields.contains(where: { Self.arrayIndex($0.name) != nil }) else { return fields }
        let indexed = fields.compactMap { field in Self.arrayIndex(field.name).map { (index: $0, field: field) } }
        return indexed.sorted { $0.index < $1.index }.map(\.field) + fields.filter { Self.arrayIndex($0.name) == nil }
    }

    /// A canonical decimal up to 2^32 - 2: a name JavaScript treats as an array index.
    static func arrayIndex(_ name: String) -> UInt32? {
        let digits = name.utf8
        guard let first = digits.first, first >= UInt8(ascii: "0"), first <= UInt8(ascii: "9"),
              first != UInt8(ascii: "0") || digits.count == 1,
              digits.count <= 10,
              let index = UInt32(name), index != .max
        else { return nil }
        return index
    }
}
