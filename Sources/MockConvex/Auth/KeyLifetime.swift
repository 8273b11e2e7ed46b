/// How long a provider's fetched keys are kept before they are fetched again, even when every
/// token names a kid they have: a provider may withdraw a key without publishing a new one.
/// The JWKS answer's `Cache-Control: max-age` says how long, within a day (a longer one would
/// keep a withdrawn key for weeks); without one, an hour.
enum KeyLifetime {
    static let defaultSeconds: Int64 = 3600
    static let longestSeconds: Int64 = 86400

    /// The seconds a JWKS answered with `cacheControl` may be kept.
    static func seconds(cacheControl: String?) -> Int64 {
        guard let cacheControl else { return defaultSeconds }
        for directive in cacheControl.split(separator: ",") {
            // Directives are tokens: no blank belongs to one.
            let parts = directive.filter { $0 != " " && $0 != "\t" }.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "max-age" else { continue }
            // RFC 9111 §1.2.2's delta-seconds: digits only; anything else is no max-age.
            let digits = parts[1]
            guard !digits.isEmpty, digits.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else { return defaultSeconds }
            return digits.count > 6 ? longestSeconds : min(Int64(digits) ?? longestSeconds, longestSeconds)
        }
        return defaultSeconds
    }
}
