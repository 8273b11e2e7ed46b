import Foundation

/// Blocking work awaited from a test without holding one of Swift Testing's pool threads.
///
/// The pool has one thread per core, and most tests block theirs on sockets. A test that
/// waits by polling with `Task.sleep` is starved while they run: on a two-core machine its
/// wake-ups were held back for 45 s, its deadline passed unseen, and it failed with the
/// server's answer already in its socket. Work on a thread of its own sees real time.
public enum OwnThread {
    public static func run<Value>(_ work: @escaping () throws -> Value) async throws -> Value {
        let box = UncheckedBox(work)
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<UncheckedBox<Value>, Error>) in
            Thread {
                continuation.resume(with: Result { UncheckedBox(try box.value()) })
            }.start()
        }.value
    }
}

/// Carries a value that is used by one thread at a time across the hand-over above.
private struct UncheckedBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
