import Foundation

/// A value the test threads share, behind an `NSLock`.
///
/// The harness's own lock rather than the standard library's `Synchronization.Mutex`, whose
/// futex waits ThreadSanitizer does not see (it reports a correct program using it as racing),
/// and rather than the product's `Locked`, so that the harness does not lean on the code it tests.
public final class Guarded<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    public init(_ value: Value) {
        self.value = value
    }

    /// Runs `body` with the value, holding the lock; not reentrant.
    public func withLock<Result, Failure: Error>(_ body: (inout Value) throws(Failure) -> Result) throws(Failure) -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
