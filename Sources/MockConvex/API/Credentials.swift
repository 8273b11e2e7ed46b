import FoundationEssentials

/// What a request presents to prove who it is, read with the backend's syntax rules. Whether
/// it is valid is decided later (`Deployment.authenticate`), after the body has been read,
/// as the backend orders its checks.
enum Credentials: Sendable, Equatable {
    case none
    case adminKey(String)
    case bearer(String)

    /// From `Authorization`, or `?adminKey=` when there is no header.
    init(header: String?, adminKeyParameter: String?) throws(ConvexAPIError) {
        guard let header else {
            self = adminKeyParameter.map { .adminKey($0) } ?? .none
            return
        }
        let bytes = Array(header.utf8)
        guard bytes.allSatisfy({ ($0 >= 0x20 && $0 < 0x7F) || $0 == 0x09 }) else {
            throw ConvexAPIError.badRequest("HeaderParseFailure", "Failed to parse header \(Self.rustDebugBytes(bytes))")
        }
        guard bytes.count >= 7 else {
            throw ConvexAPIError.badRequest("InvalidHeaderFailure", "Invalid authentication header")
        }
        let scheme = String(decoding: bytes[0..<7], as: UTF8.self).lowercased()
        let rest = String(decoding: bytes[7...], as: UTF8.self)
        switch scheme {
        case "convex ":
            self = .adminKey(try Self.adminKey(rest))
        case "bearer " where bytes.count > 7:
            // Rust's `str::trim`: ASCII whitespace is all a visible-ASCII header can hold.
            let token = rest.utf8.drop { $0 == 0x20 || $0 == 0x09 }.reversed().drop { $0 == 0x20 || $0 == 0x09 }.reversed()
            self = .bearer(String(decoding: Array(token), as: UTF8.self))
        default:
            throw ConvexAPIError.badRequest("InvalidAdminKey", "Invalid admin key")
        }
    }

    /// Drops a deployment-type prefix (`prod:name|key` → `name|key`; `preview:team:project|key`
    /// → `key`) and checks the optional `:<base64 JSON>` acting-user suffix.
    private static func adminKey(_ value: String) throws(ConvexAPIError) -> String {
        var key = value
        if let bar = key.firstIndex(of: "|"), let colon = key[..<bar].firstIndex(of: ":") {
            let kind = key[..<colon]
            let instance = key[key.index(after: colon)..<bar]
            let keepsInstance = !["preview", "project"].contains(kind.lowercased())
            key = keepsInstance ? String(instance) + String(key[bar...]) : String(key[key.index(after: bar)...])
        }
        guard let colon = key.firstIndex(of: ":") else { return key }
        let actingUser = String(key[key.index(after: colon)...])
        guard let data = Data(base64Encoded: actingUser), (try? JSONReader.parse(Array(data)))?.objectMembers != nil else {
            throw ConvexAPIError.badRequest("HeaderParseFailure", "Malformed Authorization header.")
        }
        return String(key[..<colon])
    }

    /// How Rust's `{:?}` shows a header value: quoted, with other than visible ASCII as `\xNN`.
    private static func rustDebugBytes(_ bytes: [UInt8]) -> String {
        var text = "\""
        for byte in bytes {
            switch byte {
            case 0x22: text += "\\\""
            case 0x09, 0x20..<0x7F: text.unicodeScalars.append(Unicode.Scalar(byte))
            default: text += "\\x" + String(byte, radix: 16)
            }
        }
        return text + "\""
    }
}
