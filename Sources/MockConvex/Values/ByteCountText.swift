/// Byte counts as the backend prints them in limit errors (the `humansize` crate's BINARY
/// style): `512 B`, `1 KiB`, `1.50 KiB`, `32.12 MiB`. Whole values have no decimals; others have
/// two, rounded half to even as Rust's `{:.2}` rounds the exact quotient.
enum ByteCountText {
    private static let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]

    static func binary(_ count: Int) -> String {
        precondition(count >= 0, "byte counts are not negative")
        let bytes = UInt64(count)
        var unit = 0
        var divisor: UInt64 = 1
        while bytes / divisor >= 1024 && unit < units.count - 1 {
            divisor *= 1024
            unit += 1
        }
        var whole = bytes / divisor
        let remainder = bytes % divisor
        if remainder == 0 { return "\(whole) \(units[unit])" }

        // Integer arithmetic on the exact quotient; full width because remainder * 100 can
        // exceed 64 bits in the largest units.
        let scaled = remainder.multipliedFullWidth(by: 100)
        var (hundredths, leftover) = divisor.dividingFullWidth((scaled.high, scaled.low))
        if leftover > divisor - leftover || (leftover == divisor - leftover && hundredths % 2 == 1) {
            hundredths += 1
        }
        if hundredths == 100 {
            whole += 1
            hundredths = 0
        }
        return "\(whole).\(hundredths < 10 ? "0" : "")\(hundredths) \(units[unit])"
    }
}
