import EventHTTP
import Logging

/// One log line per answered request: listener, method, path, status and duration.
struct AccessLog: Sendable {
    let logger: Logger

    @Sendable func record(_ record: AccessRecord) {
        let metadata: Logger.Metadata = [
            "listener": .string(record.listener),
            "method": .string(record.method.rawValue),
            "path": .string(record.uri),
            "status": .stringConvertible(record.status),
            "duration_ms": .string(String(Double(record.durationNanoseconds / 1000) / 1000)),
        ]
        logger.info("request", metadata: metadata)
    }
}
