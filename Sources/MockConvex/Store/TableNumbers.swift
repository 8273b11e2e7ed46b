/// Which number each table has; a document id carries its table's number. User tables count
/// up from 10001 as on a new deployment; system tables have the backend's fixed numbers.
public struct TableNumbers: Sendable, Equatable {
    public static let firstUserTable: UInt32 = 10001
    public static let system: [String: UInt32] = ["_storage": 540, "_scheduled_functions": 539]

    private(set) var byName: [String: UInt32] = system
    private(set) var byNumber: [UInt32: String] = Dictionary(uniqueKeysWithValues: system.map { ($1, $0) })

    public init() {}

    public func number(of table: String) -> UInt32? { byName[table] }
    public func name(of number: UInt32) -> String? { byNumber[number] }

    /// The table's number, giving it the next free one if it has none yet.
    @discardableResult
    public mutating func assign(_ table: String) -> UInt32 {
        if let number = byName[table] { return number }
        let next = max(Self.firstUserTable, (byNumber.keys.filter { $0 >= Self.firstUserTable }.max() ?? Self.firstUserTable - 1) + 1)
        byName[table] = next
        byNumber[next] = table
        return next
    }

    /// Restores a number that was handed out before (from a data directory).
    public mutating func restore(_ table: String, number: UInt32) {
        byName[table] = number
        byNumber[number] = table
    }

    public static func isSystem(_ number: UInt32) -> Bool { number < firstUserTable }
}
