extension Duration {
    /// Whole nanoseconds, negative durations as zero, saturating: `--read-timeout 99999999999`
    /// (beyond 584 years of nanoseconds) is as good as no limit, not an overflow.
    public var saturatingNanoseconds: UInt64 {
        let (seconds, attoseconds) = components
        let (whole, overflow) = UInt64(max(seconds, 0)).multipliedReportingOverflow(by: 1_000_000_000)
        let (total, carry) = whole.addingReportingOverflow(UInt64(max(attoseconds, 0) / 1_000_000_000))
        return overflow || carry ? .max : total
    }
}
