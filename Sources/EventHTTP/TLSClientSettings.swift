/// Trust for the outbound client's `https://` calls: the system's certificate store, or the CA
/// certificates of one PEM file instead of it. Made once, at start: the file is read and
/// checked here, so a bad one is an error before anything runs, not at the first call. Every
/// client made with the same settings shares their one OpenSSL context.
public struct TLSClientSettings: Sendable {
    /// The PEM bundle trusted instead of the system's store; nil trusts the system's.
    public let caFile: String?
    let context: TLSContext

    public init(caFile: String? = nil) throws(TLSSettingsError) {
        self.caFile = caFile
        context = try TLSContext(caFile: caFile)
    }

    /// The system's store, for clients given no settings: made on first use, kept for the
    /// process (reading the store costs milliseconds; a short-lived client must not pay them).
    static let system: TLSClientSettings? = try? TLSClientSettings()
}

/// Why TLS settings could not be made: a CA file that cannot be read or holds no certificate.
public struct TLSSettingsError: Error, Sendable, CustomStringConvertible {
    public let description: String
}
