/// Where in a config document something is, written as users read JSON paths:
/// `$.functions["app:echo"].delayMs`, `$.httpRoutes[1].method`.
public struct JSONPath: Sendable, Equatable, CustomStringConvertible {
    private var text: String

    static let root = JSONPath(text: "$")

    func key(_ name: String) -> JSONPath {
        let plain = !name.isEmpty && name.unicodeScalars.allSatisfy { $0.isASCIIAlphanumeric || $0 == "_" }
            && !("0"..."9").contains(name.unicodeScalars.first!)
        return JSONPath(text: plain ? "\(text).\(name)" : "\(text)[\"\(name.jsonEscaped())\"]")
    }

    func index(_ position: Int) -> JSONPath {
        JSONPath(text: "\(text)[\(position)]")
    }

    public var description: String { text }
}

private extension String {
    /// Escaped as in a JSON string, so that a key with a quote or a control character (a header
    /// name with a CR, say) shows on one line as the user would write it.
    func jsonEscaped() -> String {
        var escaped = ""
        for scalar in unicodeScalars {
            switch scalar {
            case "\"", "\\": escaped += "\\" + String(scalar)
            case "\n": escaped += "\\n"
            case "\r": escaped += "\\r"
            case "\t": escaped += "\\t"
            case _ where scalar.value < 0x20:
                escaped += "\\u00" + Hex.encode([UInt8(truncatingIfNeeded: scalar.value)])
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }
}

/// A config that breaks the rules, with the path of the offending part.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    let path: JSONPath
    let message: String

    init(_ path: JSONPath, _ message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { "\(path): \(message)" }
}
