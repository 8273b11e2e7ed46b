/// Comparing secrets (admin keys, control tokens) so that the time taken says nothing about
/// where they differ.
enum ConstantTime {
    /// Every byte of the longer one is looked at whatever the first difference; the whole
    /// length difference counts, not just its low bits.
    static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt(bitPattern: a.count ^ b.count)
        for index in 0..<max(a.count, b.count) {
            let x = index < a.count ? a[index] : 0
            let y = index < b.count ? b[index] : 0
            difference |= UInt(x ^ y)
        }
        return difference == 0
    }
}
