/// The rules for a header field a user declares for an answer (an `httpRoutes` entry, a
/// `status` fault): it must be a well-formed field, and it must not be one the server computes
/// from the body and the connection, since a second, different one would break the message's
/// framing (a client would wait for bytes that never come, or read the next answer as body).
enum ResponseHeaderRules {
    static func check(name: String, value: String, at path: JSONPath) throws(ConfigError) {
        guard !name.isEmpty else { throw ConfigError(path, "a header name must not be empty") }
        if let (offset, byte) = name.utf8.enumerated().first(where: { !isTokenByte($0.element) }) {
            throw ConfigError(path, "\(RustDebugText.quoted(name)) is not a header name: it has \(describe(byte)) at byte \(offset); "
                + "names are RFC 9110 tokens, made of letters, digits and !#$%&'*+-.^_`|~")
        }
        if let reason = ownedByTheServer[name.lowercased()] {
            throw ConfigError(path, "\(name) cannot be given: \(reason); remove it "
                + "(\(framingNames) frame the message, and the server writes them from the body and the connection)")
        }
        if let (offset, byte) = value.utf8.enumerated().first(where: { !isValueByte($0.element) }) {
            throw ConfigError(path, "the value has \(describe(byte)) at byte \(offset); "
                + "header values are visible ASCII, spaces, tabs and non-ASCII text, on one line")
        }
    }

    /// The framing headers, lowercased, each with why the user may not give it.
    private static let ownedByTheServer: [String: String] = [
        "content-length": "the server computes it from the body, and a different one would leave clients waiting or misread the next answer",
        "transfer-encoding": "the server frames the body itself, with Content-Length",
        "connection": "the server decides whether the connection stays open",
        "keep-alive": "the server decides how long the connection stays open",
        "upgrade": "no protocol switch follows this answer",
        "trailer": "the server sends no trailer fields",
    ]

    private static let framingNames = "Content-Length, Transfer-Encoding, Connection, Keep-Alive, Upgrade and Trailer"

    /// RFC 9110 `tchar`.
    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
        default: Array("!#$%&'*+-.^_`|~".utf8).contains(byte)
        }
    }

    /// RFC 9110 `field-content` bytes: VCHAR, SP, HTAB and obs-text (0x80-0xFF, which is how
    /// non-ASCII text arrives in UTF-8). CR, LF, NUL and the other controls would end the line
    /// or be refused by clients.
    private static func isValueByte(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || (0x21...0x7E).contains(byte) || byte >= 0x80
    }

    /// The offending byte, named so that a user can find it.
    private static func describe(_ byte: UInt8) -> String {
        let hex = "0x" + Hex.encode([byte])
        return switch byte {
        case 0x0D: "a carriage return (CR, \(hex))"
        case 0x0A: "a line feed (LF, \(hex))"
        case 0x00: "a NUL byte (\(hex))"
        case 0x20: "a space (\(hex))"
        case 0x21...0x7E: "\"\(Character(Unicode.Scalar(byte)))\" (\(hex))"
        default: "the byte \(hex)"
        }
    }
}

extension ResponseHeaderRules {
    /// Whether a header may stand in an answer's declaration (a recorded one is left out if not).
    static func allows(name: String, value: String) -> Bool {
        (try? check(name: name, value: value, at: .root)) != nil
    }
}
