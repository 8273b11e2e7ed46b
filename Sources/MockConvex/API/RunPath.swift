import EventHTTP

/// The function `/api/run/{*functionIdentifier}` names by its URL: `a/b/fn` is `a/b:fn`.
/// axum percent-decodes the wildcard, then the backend decodes each segment once more; a
/// decoding that is not UTF-8 is refused at either step, with different errors.
enum RunPath {
    static let prefix = "/api/run/"

    static let missingIdentifier = ConvexAPIError.badRequest(
        "MissingIdentifier", "Path or function name not provided in path, e.g. /api/run/messages/list")

    /// The wildcard as axum's `Path` extractor hands it over.
    static func wildcard(of request: HTTPRequest) throws(ConvexAPIError) -> String {
        guard let text = percentDecoded(request.path.dropFirst(prefix.count)) else {
            throw ConvexAPIError.badRequest("BadPathArgs", "Invalid UTF-8 in `functionIdentifier`")
        }
        return text
    }

    /// `module:function` from the wildcard's segments, for the function-path parser.
    static func functionPathText(_ wildcard: String) throws(ConvexAPIError) -> String {
        var segments: [String] = []
        for part in wildcard.split(separator: "/", omittingEmptySubsequences: false) {
            guard let segment = percentDecoded(part) else { throw missingIdentifier }
            segments.append(segment)
        }
        guard segments.count >= 2, let function = segments.popLast() else { throw missingIdentifier }
        return segments.joined(separator: "/") + ":" + function
    }

    /// `%XX` with two hex digits becomes that byte; anything else, `+` included, stays as is.
    private static func percentDecoded(_ text: Substring) -> String? {
        let input = Array(text.utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(input.count)
        var index = 0
        while index < input.count {
            if input[index] == UInt8(ascii: "%"), index + 2 < input.count,
               let high = hexValue(input[index + 1]), let low = hexValue(input[index + 2]) {
                bytes.append(high << 4 | low)
                index += 3
            } else {
                bytes.append(input[index])
                index += 1
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
