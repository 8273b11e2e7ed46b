/// Console levels, spelled as log lines print them.
enum LogLevel: String, Sendable {
    case LOG, INFO, WARN, ERROR, DEBUG
}

/// One `console.log`-style call as a function response reports it in `logLines`:
/// `[LOG] 'hello' {\n  a: 1\n}`, each argument rendered by `ObjectInspect` and joined by spaces.
enum LogLine {
    /// In UTF-8 bytes, counting the arguments and the spaces between them but not the prefix.
    static let maxLength = 32768
    static let truncationSuffix = " (truncated due to length)"

    static func format(level: LogLevel, arguments: [ConvexValue]) -> String {
        let messages = arguments.map(ObjectInspect.inspect)
        let prefix = "[\(level.rawValue)] "
        let length = messages.reduce(0) { $0 + $1.utf8.count + 1 } - 1
        if length <= maxLength {
            return prefix + messages.joined(separator: " ")
        }
        // Whole arguments while they fit, then as much of the next as fits, cut at a character
        // boundary. When an argument fills the space exactly and another follows, the backend
        // underflows its counter and aborts; here the line simply ends there.
        var kept: [String] = []
        var used = 0
        for message in messages {
            let room = maxLength - used
            if room < 0 { break }
            let bytes = message.utf8.count
            if bytes <= room {
                kept.append(message)
                used += bytes + 1
            } else {
                kept.append(utf8Prefix(message, maxBytes: room))
                break
            }
        }
        return prefix + kept.joined(separator: " ") + truncationSuffix
    }

    private static func utf8Prefix(_ text: String, maxBytes: Int) -> String {
        let bytes = Array(text.utf8)
        var end = maxBytes
        while end > 0 && bytes[end] & 0xC0 == 0x80 { end -= 1 }
        return String(decoding: bytes[..<end], as: UTF8.self)
    }
}
