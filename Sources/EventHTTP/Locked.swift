#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A value that several threads share, reached only under a pthread mutex: the deployment, the
/// journal, the faults, the server's listener table.
///
/// Hand-written instead of the standard library's `Synchronization.Mutex` because on Linux that
/// lock waits with futex calls ThreadSanitizer does not see: four threads appending to an array
/// under a `Mutex` are reported as racing, so `make test-sanitize` could not tell a real race
/// from the lock. ThreadSanitizer understands pthread mutexes.
public final class Locked<Value>: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private var value: Value

    public init(_ value: Value) {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        self.value = value
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Runs `body` with the value, holding the lock; not reentrant.
    public func withLock<Result, Failure: Error>(_ body: (inout Value) throws(Failure) -> Result) throws(Failure) -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
