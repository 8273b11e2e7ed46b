import EventHTTP

/// `{"kind": "garbage", "text": "..."}`: bytes that are not HTTP, then a close. Clients' HTTP
/// parsers fail on them (Node: `HPE_INVALID_CONSTANT`, curl: "Unsupported HTTP version" or
/// "weird server reply").
struct GarbageFault: FaultKind {
    static let name = "garbage"
    static let parameterKeys = ["text"]
    /// Control bytes first, so no parser takes it for a status line, even HTTP/0.9 ones.
    static let defaultText = "\u{0}\u{1}\u{2}mockconvex garbage, not HTTP\r\n\r\n"
    let text: String

    init(reading members: [(key: String, value: JSON)], at path: JSONPath) throws(ConfigError) {
        text = try members.value("text").map { (value) throws(ConfigError) in try ConfigReader.string(value, at: path.key("text")) } ?? Self.defaultText
        if text.isEmpty { throw ConfigError(path.key("text"), "must not be empty; use the close kind for a close with nothing written") }
        if text.utf8.count > 65536 { throw ConfigError(path.key("text"), "at most 65536 bytes") }
    }

    var parameters: [(String, JSON)] { [("text", .string(text))] }
    var abortsConnection: Bool { true }

    func apply(_ responder: Responder, proceed: @escaping (Responder) -> Void) {
        responder.abort(.garbage(Array(text.utf8)))
    }
}
