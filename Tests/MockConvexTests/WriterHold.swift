import Foundation
@testable import MockConvex
import Testing

/// Holds the database writer's thread (a disk that takes its time) until the returned
/// semaphore is signalled; returns once it is held. If it was not held within 10 s the hold is
/// let go before failing, so that one starting later cannot keep `close()` waiting.
func holdWriter(_ database: Database) throws -> DispatchSemaphore {
    let writer = try #require(database.writer)
    let held = DispatchSemaphore(value: 0)
    let release = DispatchSemaphore(value: 0)
    writer.onWriterThread {
        held.signal()
        release.wait()
    }
    let wasHeld = held.wait(timeout: .now() + 10) == .success
    if !wasHeld { release.signal() }
    try #require(wasHeld, "the writer was never held")
    return release
}
