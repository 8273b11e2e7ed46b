#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Hands out document ids and creation times: ids random with the day stamp, times the current
/// milliseconds with the backend's sub-millisecond fraction, always after the previous one.
struct IdAllocator: Sendable {
    private var random = SystemRandomNumberGenerator()
    private(set) var lastCreationTime: Double = 0

    /// Times restored from a data directory must not be handed out again. One no clock can
    /// reach (not finite, past the year 2262: a damaged row) is not followed.
    mutating func noteExisting(_ creationTime: Double) {
        guard creationTime.isFinite, creationTime <= Self.latestMilliseconds else { return }
        lastCreationTime = max(lastCreationTime, creationTime)
    }

    /// The backend's timestamps end at i64::MAX nanoseconds.
    static let latestMilliseconds = Double(Int64.max) / 1e6

    mutating func next(tableNumber: UInt32) -> (id: DocumentId, creationTime: Double) {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let nanoseconds = Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
        let milliseconds = Double(nanoseconds / 1_000_000) + Double(nanoseconds % 1_000_000) * 1e-6
        lastCreationTime = max(milliseconds, lastCreationTime.nextUp)
        let seconds = Int64(exactly: (lastCreationTime / 1000).rounded(.down)) ?? 0
        let id = DocumentId.generate(tableNumber: tableNumber, unixSeconds: seconds, using: &random)
        return (id, lastCreationTime)
    }

    /// A random UUID (version 4, RFC 4122 variant), lowercase and hyphenated.
    mutating func uuid() -> String {
        UUIDText.random()
    }
}
