/// When a scheduled function is due, from the seconds a callback sends, with the backend's
/// bounds: a time `Duration` cannot hold (negative, not finite, past 2^64 s) is its 400
/// `InvalidTimestamp`; one its `Timestamp` (u64 nanoseconds up to i64::MAX, the year 2262)
/// cannot hold is its plain 500.
enum ScheduledTime {
    /// The last second a `Timestamp` holds.
    static let latestSeconds = Double(Int64.max) / 1e9

    static func milliseconds(fromSeconds seconds: Double) throws(ConvexAPIError) -> Double {
        guard seconds.isFinite, seconds >= 0, seconds < 0x1p64 else {
            throw .badRequest("InvalidTimestamp", "Requested scheduled_ts is invalid")
        }
        guard seconds <= latestSeconds else { throw .internalServerError }
        return seconds * 1000
    }
}
