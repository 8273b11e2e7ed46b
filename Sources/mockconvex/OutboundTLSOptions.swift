import ArgumentParser
import EventHTTP

/// The trust for the `https://` calls a command makes (an upstream deployment, auth providers'
/// keys, a probed origin), shared by the commands that make them: `@OptionGroup var
/// outboundTLS: OutboundTLSOptions`.
struct OutboundTLSOptions: ParsableArguments {
    @Option(name: .customLong("upstream-ca"), help: ArgumentHelp(
        "PEM file of the CA certificates to trust for outbound https:// calls, instead of the system's store.",
        valueName: "file"))
    var upstreamCA: String?

    /// The settings the command's clients share, made now so that a file that cannot be used
    /// stops the start (exit 2) instead of failing the first call. Nil: the system's store.
    func settings() throws(UsageError) -> TLSClientSettings? {
        guard let upstreamCA else { return nil }
        do {
            return try TLSClientSettings(caFile: upstreamCA)
        } catch {
            throw UsageError(description: "--upstream-ca: \(error.description)")
        }
    }
}
