/// Percent-decoding of URL path parts as axum's `Path` extractor does it, where bytes that do
/// not form UTF-8 are an error of their own (libevent's decoder would let them through).
enum PathSegment {
    /// `%XX` with two hex digits becomes that byte; anything else, `+` included, stays as is.
    /// Nil when the result is not UTF-8.
    static func decoded(_ text: Substring) -> String? {
        let input = Array(text.utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(input.count)
        var index = 0
        while index < input.count {
            if input[index] == UInt8(ascii: "%"), index + 2 < input.count,
               let high = Hex.value(input[index + 1]), let low = Hex.value(input[index + 2]) {
                bytes.append(high << 4 | low)
                index += 3
            } else {
                bytes.append(input[index])
                index += 1
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }
}
