import Logging
import MockConvex

enum Logging {
    /// Sets up swift-log for the process, every line going through one `LogSink` on stderr
    /// (with the access log's lines, so they stay in order), and returns the server's logger
    /// and the sink, which the caller closes last.
    static func bootstrap(format: LogFormat, level: Logger.Level) throws -> (Logger, LogSink) {
        let sink = try LogSink(format: format == .json ? .json : .text)
        LoggingSystem.bootstrap { label in
            var handler = SinkLogHandler(label: label, sink: sink)
            handler.logLevel = level
            return handler
        }
        return (Logger(label: "mockconvex"), sink)
    }
}

/// swift-log's handler for the sink: the line formats are the sink's (the text one is swift-log's
/// own stream handler's), warnings and worse written at once.
struct SinkLogHandler: LogHandler {
    let label: String
    let sink: LogSink
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }.sorted { $0.key < $1.key }.map { (key: $0.key, value: $0.value.description) }
        sink.log(level: event.level.rawValue, urgent: event.level >= .warning, label: label, source: event.source,
                 message: event.message.description, metadata: merged)
    }
}
