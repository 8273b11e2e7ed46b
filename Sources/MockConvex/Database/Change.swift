/// What a transaction wants done: the writes to make, bytes staged ahead of them, and what to
/// hand back once they are durable. A transaction that fails (a function that throws) returns
/// a change with no writes.
struct Change<Value: Sendable>: Sendable {
    var writes: [StoreWrite] = []
    /// Blob bytes written ahead of the commit: made durable before it, discarded if it fails.
    var blobs: [any StagedBlob] = []
    /// Run once the commit is durable (removing the bytes of deleted files).
    var afterCommit: [@Sendable () -> Void] = []
    /// `meta` rows of the data directory to set in the same transaction.
    var meta: [(key: String, value: String)] = []
    /// A mutation identified by an action callback: its outcome, remembered so a retry gets it.
    var identified: (identifier: String, outcome: FunctionOutcome)?
    /// Forget every remembered mutation outcome (a reset).
    var forgetsIdentified = false
    var value: Value

    init(_ value: Value, writes: [StoreWrite] = []) {
        self.value = value
        self.writes = writes
    }

    /// Nothing to store: the transaction only read.
    var isReadOnly: Bool {
        writes.isEmpty && blobs.isEmpty && meta.isEmpty && identified == nil && !forgetsIdentified
    }
}

/// A transaction's result once its change is durable (or at once, for one that only read).
struct Committed<Value: Sendable>: Sendable {
    let value: Value
    /// The commit's timestamp (nanoseconds since the epoch); for a read-only transaction, the
    /// latest commit's.
    let timestamp: UInt64
}

/// Bytes written before the commit that names them. The writer makes them durable before it
/// commits, and discards them when the commit fails.
protocol StagedBlob: Sendable {
    /// fsync and rename into place; the directory to fsync afterwards, once per group.
    func makeDurable() throws(PersistenceError) -> String?
    /// Removes every trace (after a failed commit).
    func discard()
}
