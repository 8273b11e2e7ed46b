#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Every user table's documents, in creation order. Function behaviours check everything
/// before their single write, so a failed mutation leaves the store as it was.
public struct DocumentStore: Sendable {
    struct Table: Sendable {
        var documents: [DocumentId: Document] = [:]
        /// Creation order; creation times only grow, so this is also `_creationTime` order.
        var order: [DocumentId] = []
    }

    public private(set) var tableNumbers = TableNumbers()
    private var tables: [String: Table] = [:]
    private var lastCreationTime: Double = 0

    public init() {}

    public mutating func declareTable(_ name: String) {
        tableNumbers.assign(name)
    }

    public func tableName(of id: DocumentId) -> String? { tableNumbers.name(of: id.tableNumber) }

    public func get(_ id: DocumentId) -> Document? {
        guard let table = tableNumbers.name(of: id.tableNumber) else { return nil }
        return tables[table]?.documents[id]
    }

    /// Documents of `table` whose fields (system fields included) equal every field of
    /// `filter`, oldest first.
    public func list(_ table: String, matching filter: ConvexObject = ConvexObject()) -> [Document] {
        guard let stored = tables[table] else { return [] }
        let documents = stored.order.compactMap { stored.documents[$0] }
        guard !filter.isEmpty else { return documents }
        return documents.filter { document in
            let fields = filter.names.contains { $0.hasPrefix("_") } ? document.value : document.fields
            return filter.allSatisfy { fields[$0.name] == $0.value }
        }
    }

    public func count(_ table: String) -> Int { tables[table]?.order.count ?? 0 }

    @discardableResult
    public mutating func insert<R: RandomNumberGenerator>(into table: String, fields: ConvexObject, using generator: inout R) -> Document {
        let number = tableNumbers.assign(table)
        let creationTime = nextCreationTime()
        let id = DocumentId.generate(tableNumber: number, unixSeconds: Int64(creationTime / 1000), using: &generator)
        let document = Document(id: id, creationTime: creationTime, fields: fields)
        tables[table, default: Table()].documents[id] = document
        tables[table, default: Table()].order.append(id)
        return document
    }

    /// Puts back a document exactly as it was (seed data, a data directory).
    public mutating func restore(_ document: Document, in table: String) {
        if tables[table]?.documents[document.id] == nil {
            tables[table, default: Table()].order.append(document.id)
        }
        tables[table, default: Table()].documents[document.id] = document
        lastCreationTime = max(lastCreationTime, document.creationTime)
    }

    /// Replaces the fields of an existing document; false if there is none.
    public mutating func update(_ id: DocumentId, fields: ConvexObject) -> Bool {
        guard let table = tableNumbers.name(of: id.tableNumber), tables[table]?.documents[id] != nil else { return false }
        tables[table]?.documents[id]?.fields = fields
        return true
    }

    public mutating func delete(_ id: DocumentId) -> Bool {
        guard let table = tableNumbers.name(of: id.tableNumber), tables[table]?.documents.removeValue(forKey: id) != nil else { return false }
        tables[table]?.order.removeAll { $0 == id }
        return true
    }

    /// Now in milliseconds with the sub-millisecond fraction the backend keeps, and always
    /// after the previous one, so creation order is never ambiguous.
    private mutating func nextCreationTime() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let nanoseconds = Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
        let milliseconds = Double(nanoseconds / 1_000_000) + Double(nanoseconds % 1_000_000) * 1e-6
        lastCreationTime = max(milliseconds, lastCreationTime.nextUp)
        return lastCreationTime
    }
}
