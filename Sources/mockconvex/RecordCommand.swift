import ArgumentParser
import FoundationEssentials
import MockConvex

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `mockconvex record`: serves as `serve` does, but sends the function API, HTTP actions and
/// sync clients' calls to a real deployment, and saves what they answered as a config that
/// `mockconvex --config FILE` replays.
struct RecordCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record",
        abstract: "Forward to a real deployment and record its answers as a config that replays them.",
        discussion: """
            The recording is written to --out on SIGTERM, SIGINT and POST /_mock/record/save, \
            merged into the config already there. --admin-key is the upstream's admin key; \
            this server accepts it too. Keys and tokens are never written. See docs/recording.md.
            """
    )

    @Option(help: "The deployment to record: its URL, such as https://happy-otter-123.convex.cloud or http://127.0.0.1:3210.")
    var upstream: String

    @Option(name: .customLong("upstream-site"), help: "Its HTTP actions' origin. Default: the .convex.site twin of a .convex.cloud URL, else <upstream>/http.")
    var upstreamSite: String?

    @Option(help: "The config file the recording is written to (and merged into, when it exists).")
    var out: String

    @Option(help: "A field whose values are left out of the recording, at any depth of arguments and answers. Repeatable.")
    var redact: [String] = []

    @OptionGroup var serve: ServeCommand

    func run() throws {
        let upstreamURL = try ServeSetup.origin(upstream, flag: "--upstream", expected: Self.expectedURL)
        let siteURL = try upstreamSite.map { try ServeSetup.origin($0, flag: "--upstream-site", expected: Self.expectedURL) }
            ?? Self.defaultSite(for: upstreamURL)
        guard !out.isEmpty, !out.hasSuffix("/") else { throw UsageError(description: "--out must name a file") }
        // Found now rather than at the save, when the whole recording would be lost.
        let directory = FilePaths.directory(of: out)
        var status = stat()
        if stat(out, &status) == 0, status.st_mode & S_IFMT == S_IFDIR {
            throw UsageError(description: "--out \(out) is a directory; name a file in it")
        }
        if access(out, F_OK) == 0, access(out, R_OK) != 0 {
            throw UsageError(description: "--out \(out) cannot be read (\(String(cString: strerror(errno)))), so a recording cannot be merged into it")
        }
        guard access(directory, W_OK) == 0 else {
            throw UsageError(description: "--out \(out) cannot be written: \(directory) \(String(cString: strerror(errno)))")
        }
        if let field = redact.first(where: \.isEmpty) {
            throw UsageError(description: "--redact must name a field, got \"\(field)\"")
        }
        let adminKey = serve.adminKey ?? ""
        let recording: Recording
        do {
            recording = try Recording(upstream: .init(url: upstreamURL, siteURL: siteURL), outputPath: out, redactedFields: redact,
                                      adminKey: adminKey)
        } catch {
            throw UsageError(description: "--out \(out) holds a config that cannot be read, so a recording cannot be merged into it: \(error)")
        }
        try serve.serve(recording: recording)
    }

    static let expectedURL = "URL such as https://happy-otter-123.convex.cloud"

    /// Convex Cloud serves HTTP actions on `.convex.site`; a self-hosted backend also under
    /// `/http/` on its API port.
    static func defaultSite(for upstream: String) -> String {
        if let host = URL(string: upstream)?.host, host.hasSuffix(".convex.cloud") {
            return upstream.replacing(".convex.cloud", with: ".convex.site", maxReplacements: 1)
        }
        return upstream + "/http"
    }
}
