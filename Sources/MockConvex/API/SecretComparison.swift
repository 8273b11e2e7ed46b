/// Compares a secret a client sent (an admin key, a control token) with the real one, looking
/// at every byte whatever the first difference, so that the time taken says nothing about how
/// much of a guess was right. Written here because swift-crypto keeps its constant-time
/// comparison internal.
enum SecretComparison {
    static func equal(_ given: [UInt8], _ expected: [UInt8]) -> Bool {
        // The length difference at full width: cut to a byte, lengths 256 apart would compare
        // by content only, and a secret followed by 256 NULs would match.
        var difference = UInt(bitPattern: given.count ^ expected.count)
        for index in 0..<max(given.count, expected.count) {
            let x = index < given.count ? given[index] : 0
            let y = index < expected.count ? expected[index] : 0
            difference |= UInt(x ^ y)
        }
        return difference == 0
    }
}
