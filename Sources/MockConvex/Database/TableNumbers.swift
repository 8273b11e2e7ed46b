/// Which number each table has; a document id carries its table's number. User tables count
/// up from 10001 as on a new deployment; system tables have the backend's fixed numbers.
struct TableNumbers: Sendable, Equatable {
    static let firstUserTable: UInt32 = 10001
    static let storage: UInt32 = 540
    static let scheduledFunctions: UInt32 = 539
    static let system: [String: UInt32] = ["_storage": storage, "_scheduled_functions": scheduledFunctions]

    private(set) var byName: [String: UInt32] = system
    private(set) var byNumber: [UInt32: String] = Dictionary(uniqueKeysWithValues: system.map { ($1, $0) })

    init() {}

    func number(of table: String) -> UInt32? { byName[table] }
    func name(of number: UInt32) -> String? { byNumber[number] }

    /// The table's number, giving it the next free one if it has none yet.
    @discardableResult
    mutating func assign(_ table: String) -> UInt32 {
        if let number = byName[table] { return number }
        // Numbers count up by one per table from 10001; a stored number at the very top (a
        // damaged data directory) must not overflow, so the search goes down from there.
        var next = max(Self.firstUserTable, (byNumber.keys.filter { $0 >= Self.firstUserTable }.max() ?? Self.firstUserTable - 1) &+ 1)
        while next < Self.firstUserTable || byNumber[next] != nil { next = next &- 1 }
        byName[table] = next
        byNumber[next] = table
        return next
    }

    /// Restores a number that was handed out before (from a data directory).
    mutating func restore(_ table: String, number: UInt32) {
        byName[table] = number
        byNumber[number] = table
    }

    static func isSystem(_ number: UInt32) -> Bool { number < firstUserTable }
}
