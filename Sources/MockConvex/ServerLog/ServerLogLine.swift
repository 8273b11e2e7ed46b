import EventHTTP

#if canImport(Glibc)
import Glibc
#endif

/// The time a log line starts with, formatted once per second rather than per line: for text,
/// local time with its offset as swift-log's stream handler writes it
/// (`2026-11-28T20:34:47+0000`); for JSON, UTC with milliseconds (`2026-11-28T20:34:47.123Z`).
struct LogClock {
    private var second = Int.min
    private var local: [UInt8] = []
    private var utc: [UInt8] = []

    mutating func append(_ format: LogSink.Format, to output: inout [UInt8]) {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        if now.tv_sec != second {
            second = now.tv_sec
            var seconds = now.tv_sec
            var parts = tm()
            localtime_r(&seconds, &parts)
            local = Self.strftime("%Y-%m-%dT%H:%M:%S%z", &parts)
            gmtime_r(&seconds, &parts)
            utc = Self.strftime("%Y-%m-%dT%H:%M:%S", &parts)
        }
        switch format {
        case .text:
            output.append(contentsOf: local)
        case .json:
            output.append(contentsOf: utc)
            let milliseconds = now.tv_nsec / 1_000_000
            output.append(UInt8(ascii: "."))
            output.append(UInt8(48 + milliseconds / 100))
            output.append(UInt8(48 + milliseconds / 10 % 10))
            output.append(UInt8(48 + milliseconds % 10))
            output.append(UInt8(ascii: "Z"))
        }
    }

    private static func strftime(_ pattern: String, _ parts: inout tm) -> [UInt8] {
        var buffer = [CChar](repeating: 0, count: 64)
        let count = Glibc.strftime(&buffer, buffer.count, pattern, &parts)
        return buffer[..<count].map { UInt8(bitPattern: $0) }
    }
}

/// One log line in either format: text as swift-log's stream handler writes it
/// (`TIME LEVEL LABEL: k=v k=v [SOURCE] MESSAGE`, control characters escaped so that a line
/// stays one line), JSON as one object (`time`, `level`, `label`, `message`, then the
/// metadata, every value a string). Written straight into the sink's buffer, field by field:
/// the access log writes one per request.
enum ServerLogLine {
    static func append(level: String, label: String, source: String, message: String, metadata: [(key: String, value: String)],
                       format: LogSink.Format, to output: inout [UInt8], clock: inout LogClock) {
        begin(level: level, label: label, message: message, format: format, to: &output, clock: &clock)
        for (key, value) in metadata { field(key, format: format, to: &output) { value.append(format, to: &$0) } }
        end(source: source, message: message, format: format, to: &output)
    }

    /// The access log's line for one answered request, at info: `duration_ms`, `listener`,
    /// `method`, `path`, `status` (sorted, as swift-log sorts metadata), message `request`.
    static func appendAccess(_ record: AccessRecord, format: LogSink.Format, to output: inout [UInt8], clock: inout LogClock) {
        begin(level: "info" as StaticString, label: "mockconvex" as StaticString, message: "request" as StaticString, format: format,
              to: &output, clock: &clock)
        field("duration_ms" as StaticString, format: format, to: &output) { appendMilliseconds(record.durationNanoseconds, to: &$0) }
        field("listener" as StaticString, format: format, to: &output) { record.listener.append(format, to: &$0) }
        field("method" as StaticString, format: format, to: &output) { record.method.rawValue.append(format, to: &$0) }
        field("path" as StaticString, format: format, to: &output) { record.uri.append(format, to: &$0) }
        field("status" as StaticString, format: format, to: &output) { appendDecimal(UInt64(clamping: record.status), to: &$0) }
        end(source: "mockconvex" as StaticString, message: "request" as StaticString, format: format, to: &output)
    }

    private static func begin(level: some LogText, label: some LogText, message: some LogText, format: LogSink.Format,
                              to output: inout [UInt8], clock: inout LogClock) {
        switch format {
        case .text:
            clock.append(.text, to: &output)
            output.append(UInt8(ascii: " "))
            level.append(.text, to: &output)
            if !label.isEmpty { output.append(UInt8(ascii: " ")) }
            label.append(.text, to: &output)
            output.append(UInt8(ascii: ":"))
        case .json:
            appendLiteral(#"{"time":""#, to: &output)
            clock.append(.json, to: &output)
            appendLiteral(#"","level":""#, to: &output)
            level.append(.json, to: &output)
            appendLiteral(#"","label":""#, to: &output)
            label.append(.json, to: &output)
            appendLiteral(#"","message":""#, to: &output)
            message.append(.json, to: &output)
            output.append(UInt8(ascii: "\""))
        }
    }

    /// ` key=value`, or `,"key":"value"`: `value` writes the value's text (escaped for the format).
    private static func field(_ key: some LogText, format: LogSink.Format, to output: inout [UInt8], value: (inout [UInt8]) -> Void) {
        switch format {
        case .text:
            output.append(UInt8(ascii: " "))
            key.append(.text, to: &output)
            output.append(UInt8(ascii: "="))
            value(&output)
        case .json:
            appendLiteral(#",""#, to: &output)
            key.append(.json, to: &output)
            appendLiteral(#"":""#, to: &output)
            value(&output)
            output.append(UInt8(ascii: "\""))
        }
    }

    private static func end(source: some LogText, message: some LogText, format: LogSink.Format, to output: inout [UInt8]) {
        switch format {
        case .text:
            appendLiteral(" [", to: &output)
            source.append(.text, to: &output)
            appendLiteral("] ", to: &output)
            message.append(.text, to: &output)
        case .json:
            output.append(UInt8(ascii: "}"))
        }
        output.append(UInt8(ascii: "\n"))
    }

    /// Milliseconds to the microsecond, as a Double of them prints (`0.329`, `12.5`, `3.0`).
    static func appendMilliseconds(_ nanoseconds: UInt64, to output: inout [UInt8]) {
        let microseconds = nanoseconds / 1000
        appendDecimal(microseconds / 1000, to: &output)
        output.append(UInt8(ascii: "."))
        var fraction = microseconds % 1000
        var digits = 3
        while digits > 1, fraction % 10 == 0 {
            fraction /= 10
            digits -= 1
        }
        var divisor: UInt64 = digits == 3 ? 100 : digits == 2 ? 10 : 1
        while divisor > 0 {
            output.append(UInt8(48 + fraction / divisor % 10))
            divisor /= 10
        }
    }

    static func appendDecimal(_ value: UInt64, to output: inout [UInt8]) {
        var divisor: UInt64 = 1
        while divisor <= value / 10 { divisor *= 10 }
        while divisor > 0 {
            output.append(UInt8(48 + value / divisor % 10))
            divisor /= 10
        }
    }

    /// Text: control characters as `\n`, `\r`, `\t` or `\xNN`, so a log line is one line
    /// whatever a client put in its path. JSON: a string's contents as JSON escapes them.
    /// Almost always there is nothing to escape, and the bytes are copied in one go.
    fileprivate static func appendText(_ text: String, format: LogSink.Format, to output: inout [UInt8]) {
        var text = text
        text.withUTF8 { bytes in
            let plain = switch format {
            case .text: bytes.allSatisfy { $0 >= 0x20 && $0 != 0x7F }
            case .json: bytes.allSatisfy { $0 >= 0x20 && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }
            }
            if plain {
                output.append(contentsOf: bytes)
            } else if format == .json {
                var quoted: [UInt8] = []
                JSONWriter.append(.string(String(decoding: bytes, as: UTF8.self)), to: &quoted)
                output.append(contentsOf: quoted.dropFirst().dropLast())
            } else {
                for byte in bytes { appendEscaped(byte, to: &output) }
            }
        }
    }

    /// A literal's bytes, copied from where the compiler put them.
    fileprivate static func appendLiteral(_ literal: StaticString, to output: inout [UInt8]) {
        output.append(contentsOf: UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }

    private static func appendEscaped(_ byte: UInt8, to output: inout [UInt8]) {
        switch byte {
        case 0x0A: appendLiteral(#"\n"#, to: &output)
        case 0x0D: appendLiteral(#"\r"#, to: &output)
        case 0x09: appendLiteral(#"\t"#, to: &output)
        case 0..<0x20, 0x7F:
            let digits = Array("0123456789abcdef".utf8)
            output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "x"), digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
        default: output.append(byte)
        }
    }
}

extension LogSink {
    /// A line from the process's logger (warnings and worse are written at once).
    public func log(level: String, urgent: Bool, label: String, source: String, message: String, metadata: [(key: String, value: String)]) {
        append(urgent: urgent) { output, clock in
            ServerLogLine.append(level: level, label: label, source: source, message: message, metadata: metadata,
                           format: format, to: &output, clock: &clock)
        }
    }

    /// One answered request's access line.
    @Sendable public func access(_ record: AccessRecord) {
        append { output, clock in ServerLogLine.appendAccess(record, format: format, to: &output, clock: &clock) }
    }
}

/// What a log line is made of: a client's text (escaped as the format needs), or a literal of
/// the server's own (written as it is).
protocol LogText {
    var isEmpty: Bool { get }
    func append(_ format: LogSink.Format, to output: inout [UInt8])
}

extension String: LogText {
    func append(_ format: LogSink.Format, to output: inout [UInt8]) {
        ServerLogLine.appendText(self, format: format, to: &output)
    }
}

extension StaticString: LogText {
    var isEmpty: Bool { utf8CodeUnitCount == 0 }

    /// The server's literals need no escape in either format.
    func append(_ format: LogSink.Format, to output: inout [UInt8]) {
        ServerLogLine.appendLiteral(self, to: &output)
    }
}
