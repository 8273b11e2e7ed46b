/// How a response writes Convex values, chosen by the request's `format` or the client's default.
enum ValueFormat: Sendable {
    /// `convex_encoded_json`: lossless, with `$integer` / `$float` / `$bytes` wrappers.
    case encoded
    /// `json`: readable but lossy; int64 as a decimal string, bytes as a bare base64 string.
    case clean
    /// `export_json`: int64 as a JSON integer, wrappers only where a plain number cannot serve.
    case export

    /// The names are case-sensitive; `convex_json` and `convex_clean_json` are legacy aliases.
    init(parsing name: String) throws(BadFormatError) {
        switch name {
        case "convex_encoded_json", "convex_json": self = .encoded
        case "json", "convex_clean_json": self = .clean
        case "export_json": self = .export
        default: throw BadFormatError(name: name)
        }
    }

    /// The canonical name the backend uses for the format.
    var name: String {
        switch self {
        case .encoded: "convex_encoded_json"
        case .clean: "json"
        case .export: "export_json"
        }
    }
}

/// An unknown `format`: HTTP 400 with code `BadFormat`. The message only ever advertises `json`.
struct BadFormatError: Error, Equatable, Sendable {
    static let code = "BadFormat"

    let name: String

    var message: String { "format param must be one of [`json`]. Got \(name)" }
}
