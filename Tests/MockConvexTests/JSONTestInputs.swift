/// The UTF-8 bytes of a literal, for tables of JSON inputs; invalid UTF-8 is spliced in as
/// byte arrays: `bytes("\"") + [0xFF] + bytes("\"")`.
func bytes(_ text: String) -> [UInt8] {
    Array(text.utf8)
}

/// How a test case names its input in test reports.
func inputDescription(_ input: [UInt8]) -> String {
    let shown = String(decoding: input.prefix(80), as: UTF8.self).debugDescription
    return input.count > 80 ? shown + " (\(input.count) bytes)" : shown
}
